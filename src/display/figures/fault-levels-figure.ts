/** Which leaf level each fault installed across a vma: the PUD -> PMD -> PTE fallback. */
import type { PlotlyFigure, PlotlyTrace } from "../types";
import { axis, baseLayout, MAX_FIGURE_WIDTH, LEAF_LEVEL_COLORS, LEAF_LEVEL_LABELS, type LeafLevel } from "../theme";
import { checkArray, checkNonNegative, hex } from "./format";

/** Bytes a leaf at each level maps on x86-64. */
export const LEAF_BYTES: Readonly<Record<LeafLevel, number>> = {
  pte: 4096,
  pmd: 2 * 1024 * 1024,
  pud: 1024 * 1024 * 1024,
};

/** One fault: the faulting address and the level of the leaf it installed. */
export interface FaultRecord {
  addressVa: number;
  level: LeafLevel;
}

/** One vma (one row): its range and the faults taken in it. */
export interface FaultLevelsRow {
  /** Row label, e.g. "vma at 0x7f0000200000 (2 MiB aligned)". */
  label: string;
  startVa: number;
  endVa: number;
  faults: FaultRecord[];
}

/** Input of faultLevelsFigure. */
export interface FaultLevelsInput {
  rows: FaultLevelsRow[];
  title?: string;
}

/** A run of adjacent faults of one level (offsets in bytes from the row's vma start). */
export interface FaultRun {
  row: string;
  level: LeafLevel;
  startOffset: number;
  endOffset: number;
  faults: number;
}

/** Each fault covers its leaf's aligned range clipped to the vma; adjacent same-level ranges merge. */
export function faultRuns(row: FaultLevelsRow): FaultRun[] {
  const covered = row.faults
    .map((f) => {
      const size = LEAF_BYTES[f.level];
      const start = Math.max(row.startVa, f.addressVa - (f.addressVa % size));
      return { level: f.level, start, end: Math.min(row.endVa, start + size) };
    })
    .sort((a, b) => a.start - b.start);
  const runs: FaultRun[] = [];
  for (const c of covered) {
    const last = runs[runs.length - 1];
    if (last && last.level === c.level && last.endOffset >= c.start - row.startVa) {
      last.endOffset = Math.max(last.endOffset, c.end - row.startVa);
      last.faults += 1;
    } else
      runs.push({
        row: row.label,
        level: c.level,
        startOffset: c.start - row.startVa,
        endOffset: c.end - row.startVa,
        faults: 1,
      });
  }
  return runs;
}

/**
 * One row per vma, horizontal bars over the offset in the vma, one trace per leaf
 * level (pud, pmd, pte order) with base/x in the axis unit (MiB, or KiB for vmas
 * under 4 MiB) and customdata = fault count of each run. Dotted lines mark 2 MiB
 * boundaries of the virtual address (solid for 1 GiB) where there are at most 64.
 */
export function faultLevelsFigure(input: FaultLevelsInput): PlotlyFigure {
  const fn = "faultLevelsFigure";
  const rows = checkArray<FaultLevelsRow>(fn, "rows", input?.rows);
  rows.forEach((r, i) => {
    checkNonNegative(fn, `rows[${i}].startVa`, r.startVa);
    if (!(r.endVa > r.startVa))
      throw new Error(`${fn}: rows[${i}].endVa ${hex(r.endVa)} must be above startVa ${hex(r.startVa)}`);
    checkArray<FaultRecord>(fn, `rows[${i}].faults`, r.faults).forEach((f, j) => {
      if (!(f.level in LEAF_BYTES))
        throw new Error(`${fn}: rows[${i}].faults[${j}].level "${String(f.level)}" must be pte, pmd or pud`);
      if (!(f.addressVa >= r.startVa && f.addressVa < r.endVa)) {
        throw new Error(
          `${fn}: rows[${i}].faults[${j}].addressVa ${hex(f.addressVa)} is outside the vma ${hex(r.startVa)}-${hex(r.endVa)}`,
        );
      }
    });
  });
  const maxLen = Math.max(0, ...rows.map((r) => r.endVa - r.startVa));
  const [unit, div] = maxLen >= 4 * 1024 * 1024 ? ["MiB", 1024 * 1024] : ["KiB", 1024];
  const runs = rows.flatMap(faultRuns);
  const data: PlotlyTrace[] = (["pud", "pmd", "pte"] as const)
    .filter((level) => runs.some((r) => r.level === level))
    .map((level) => {
      const rs = runs.filter((r) => r.level === level);
      return {
        type: "bar",
        orientation: "h",
        name: LEAF_LEVEL_LABELS[level],
        y: rs.map((r) => r.row),
        base: rs.map((r) => r.startOffset / div),
        x: rs.map((r) => (r.endOffset - r.startOffset) / div),
        customdata: rs.map((r) => r.faults),
        marker: { color: LEAF_LEVEL_COLORS[level], line: { color: "white", width: 1 } },
        width: 0.6,
        hovertemplate: `%{y}<br>offset %{base} to %{x} ${unit} long: %{customdata} ${level} fault(s)<extra></extra>`,
      };
    });
  const shapes: Record<string, unknown>[] = [];
  rows.forEach((r, i) => {
    for (const size of [LEAF_BYTES.pmd, LEAF_BYTES.pud]) {
      const first = Math.ceil(r.startVa / size) * size;
      const count = first <= r.endVa ? Math.floor((r.endVa - first) / size) + 1 : 0;
      if (count === 0 || count > 64) continue;
      for (let k = 0; k < count; k++) {
        const x = (first + k * size - r.startVa) / div;
        const gib = size === LEAF_BYTES.pud;
        shapes.push({
          type: "line",
          xref: "x",
          yref: "y",
          x0: x,
          x1: x,
          y0: i - 0.42,
          y1: i + 0.42,
          line: { color: gib ? "#000" : "#555", width: gib ? 2 : 1, dash: gib ? "solid" : "dot" },
        });
      }
    }
  });
  return {
    data,
    layout: baseLayout(input.title ?? "Leaf level installed by each fault", {
      barmode: "overlay",
      height: Math.max(260, 140 + 60 * rows.length),
      // As wide as an output area: 230 px of row labels leave a narrow plot otherwise.
      width: MAX_FIGURE_WIDTH,
      margin: { l: 230, r: 20, t: 60, b: 60 },
      xaxis: axis("offset in vma", `${unit}; dotted: 2 MiB boundaries, solid: 1 GiB`, {
        rangemode: "tozero",
        range: [0, maxLen / div],
      }),
      yaxis: axis("", undefined, {
        type: "category",
        categoryorder: "array",
        categoryarray: rows.map((r) => r.label),
        autorange: "reversed",
        ticks: "",
      }),
      shapes,
      legend: { title: { text: "leaf level" } },
    }),
  };
}
