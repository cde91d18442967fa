/**
 * Experiments on the mm model turned into figures, for notebooks 01 and 02. Lookup causes
 * (lookup-causes.ts), address sweeps (lookup-sweep.ts) and their strips (lookup-strips.ts)
 * are re-exported here; this file holds which pages of a vma are populated, populated
 * leaves vs touches, and how much address space the lock a lookup holds until end()
 * covers. The experiment functions return plain data (tests assert on it); the figure
 * functions turn that data into plain plotly figures.
 */
import { PAGE_SIZE, PMD_SIZE, TASK_SIZE, hex } from "../mm/constants";
import { doUserAddrFault } from "../mm/fault";
import type { LeafLevel } from "../mm/follow-args";
import { mappedLeaves } from "../mm/leaves";
import type { Mm, Vma } from "../mm/mm-types";
import { TABLE_SPAN, lookupLeaf } from "../mm/pagetable";
import { walkData } from "../mm/explain";
import { pageTableWalkDiagram } from "./figures/page-table-walk-diagram";
import { LAYOUT_FLAGS, layoutFigure, walkDiagramInput } from "./model-figures";
import { byteTicks, checkArray, formatBytes } from "./figures/format";
import { axis, baseLayout, LEAF_LEVEL_COLORS, LEAF_LEVEL_LABELS, lockClassColor } from "./theme";
import type { PlotlyFigure, PlotlyTrace } from "./types";
import { type StripRow, type StripSegment, stripFigure } from "./lookup-strips";
import { lookupCause } from "./lookup-causes";

export * from "./lookup-causes";
export * from "./lookup-sweep";
export * from "./lookup-strips";

// ---------------------------------------------------------------------------------
// Populated pages

/** Leaf-level segments of [start, end) in mm, with "none" for unmapped stretches. */
export function leafSegments(mm: Mm, start: number, end: number): StripSegment[] {
  const segs: StripSegment[] = [];
  let cursor = start;
  const push = (s: number, e: number, cls: string) => {
    const last = segs[segs.length - 1];
    if (last && last.cls === cls && last.end === s) last.end = e;
    else segs.push({ start: s, end: e, cls });
  };
  for (const leaf of mappedLeaves(mm, start, end)) {
    const s = Math.max(start, leaf.start);
    const e = Math.min(end, leaf.start + leaf.size);
    if (s > cursor) push(cursor, s, "none");
    push(s, e, leaf.level);
    cursor = e;
  }
  if (cursor < end) push(cursor, end, "none");
  return segs;
}

const LEAF_STRIP_COLORS: Record<string, string> = {
  [LEAF_LEVEL_LABELS.pte]: LEAF_LEVEL_COLORS.pte,
  [LEAF_LEVEL_LABELS.pmd]: LEAF_LEVEL_COLORS.pmd,
  [LEAF_LEVEL_LABELS.pud]: LEAF_LEVEL_COLORS.pud,
  "not mapped": "#d0d0d0",
};

/** Which parts of each vma are mapped, and by which leaf size (one row per vma). */
export function vmaLeafStrip(
  rows: { name: string; vma: Vma }[],
  title = "What the page tables map in each vma",
): PlotlyFigure {
  const label = (cls: string) => (cls === "none" ? "not mapped" : LEAF_LEVEL_LABELS[cls as LeafLevel]);
  const strip: StripRow[] = rows.map((r) => ({
    name: r.name,
    origin: r.vma.vmStart,
    segments: leafSegments(r.vma.mm, r.vma.vmStart, r.vma.vmEnd).map((s) => ({ ...s, cls: label(s.cls) })),
  }));
  return stripFigure(strip, LEAF_STRIP_COLORS, title, "address - vm_start", "leaf", Object.keys(LEAF_STRIP_COLORS));
}

/** Populated leaves and faults after each touch of a sequence. */
export interface TouchSeries {
  name: string;
  /** 0, 1, 2, ... touches so far. */
  touches: number[];
  /** Leaves mapping the vma after that many touches. */
  populated: number[];
  /** Page faults taken so far (a touch of a mapped page takes none). */
  faults: number[];
}

/**
 * Touch `addresses` of `vma` one by one as a CPU would (a load: no fault if a leaf
 * maps the address, else do_user_addr_fault) and count the vma's leaves after each.
 */
export function touchSeries(name: string, vma: Vma, addresses: number[]): TouchSeries {
  const mm = vma.mm;
  const count = () => mappedLeaves(mm, vma.vmStart, vma.vmEnd).length;
  const s: TouchSeries = { name, touches: [0], populated: [count()], faults: [0] };
  let faults = 0;
  addresses.forEach((a, i) => {
    if (!vma.contains(a)) throw new Error(`touchSeries: address ${hex(a)} is not inside ${vma}`);
    if (!lookupLeaf(mm, a).leaf) {
      faults++;
      doUserAddrFault(mm, a);
    }
    s.touches.push(i + 1);
    s.populated.push(count());
    s.faults.push(faults);
  });
  return s;
}

const SERIES_COLORS = ["#9467bd", "#1f77b4", "#2ca02c", "#d62728", "#8c564b"];

/** Populated leaves (solid) and faults taken (dotted) vs touches, one colour per series. */
export function touchFigure(series: TouchSeries[], title = "Pages appear when touched"): PlotlyFigure {
  const data: PlotlyTrace[] = [];
  series.forEach((s, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${s.name}: populated leaves`,
      x: s.touches,
      y: s.populated,
      line: { color, width: 3, shape: "hv" },
    });
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${s.name}: faults taken`,
      x: s.touches,
      y: s.faults,
      line: { color, width: 1.5, dash: "dot", shape: "hv" },
    });
  });
  return {
    data,
    layout: baseLayout(title, {
      xaxis: axis("touches (loads from random pages of the vma)", "count", { rangemode: "tozero" }),
      yaxis: axis("leaves / faults", "count", { rangemode: "tozero" }),
      // Legend outside the plot area: no curve can pass under it, whatever the parameters.
      width: 900,
    }),
  };
}

// ---------------------------------------------------------------------------------
// Lock scope

/** The lock a successful lookup holds until end(), and how much address space it guards. */
export interface LockScope {
  leaf: LeafLevel;
  lock: string;
  /** Bytes of virtual address space whose entries the same lock protects. */
  bytes: number;
}

/**
 * Bytes guarded by a lookup's lock: a split PTE ptlock covers one PTE table (2 MiB),
 * a split PMD ptlock one PMD table (1 GiB), mm->page_table_lock the whole mm
 * (user space: 128 TiB with 4-level paging).
 */
export function lockScope(leaf: LeafLevel, lockClass: string): LockScope {
  const bytes =
    lockClass === "ptlock (PTE)"
      ? TABLE_SPAN.pte
      : lockClass === "ptlock (PMD)"
        ? TABLE_SPAN.pmd
        : TASK_SIZE + PAGE_SIZE;
  return { leaf, lock: lockClass, bytes };
}

/** Horizontal bars (log scale) of the address space each leaf level's lookup lock guards. */
export function lockScopeFigure(
  rows: LockScope[],
  title = "Address space serialised by the lock held until follow_pfnmap_end()",
): PlotlyFigure {
  checkArray<LockScope>("lockScopeFigure", "rows", rows);
  const y = rows.map((r) => `${LEAF_LEVEL_LABELS[r.leaf]} leaf`);
  const ticks = byteTicks([PMD_SIZE, ...rows.map((r) => r.bytes)]);
  return {
    data: [
      {
        type: "bar",
        orientation: "h",
        name: "lock scope",
        showlegend: false,
        y,
        x: rows.map((r) => r.bytes),
        text: rows.map((r) => `${r.lock}: ${formatBytes(r.bytes)}`),
        textposition: "auto",
        insidetextanchor: "end",
        marker: { color: rows.map((r) => lockClassColor(r.lock)) },
        hovertemplate: "%{y}: %{text}<extra></extra>",
      },
    ],
    layout: baseLayout(title, {
      height: 300,
      margin: { l: 130, r: 40, t: 60, b: 60 },
      xaxis: axis("virtual address space guarded by that one lock", "bytes, log", {
        type: "log",
        tickvals: ticks,
        ticktext: ticks.map(formatBytes),
        range: [Math.log10(ticks[0] / 2), Math.log10(ticks[ticks.length - 1] * 60)],
      }),
      yaxis: axis("", undefined, { type: "category", autorange: "reversed", ticks: "" }),
    }),
  };
}

// ---------------------------------------------------------------------------------
// Model figures with short labels

/**
 * walkDiagram() with the result box saying only the cause (e.g. "-EINVAL: no
 * VM_IO|VM_PFNMAP") instead of the model's full reason, which overflows the box.
 */
export function walkFigure(mm: Mm, address: number, title?: string): PlotlyFigure {
  const input = walkDiagramInput(mm, address, title);
  const w = walkData(mm, address);
  if (w.lookup.ret !== 0 && input.result) {
    const f = w.lookup.failure;
    const cause = f === "noVma" ? "no vma" : lookupCause(f);
    // No lock is held after a failed start(): no "lock:" label under the leaf.
    input.steps = input.steps.map((s) => ({ ...s, lock: undefined }));
    input.result = { ...input.result, lines: ["start() = -EINVAL", cause] };
  }
  return pageTableWalkDiagram(input);
}

/** layoutFigure() under the name notebook 01 uses (labels: the course's flags only). */
export function addressSpaceFigure(mm: Mm, title?: string, showFlags = LAYOUT_FLAGS): PlotlyFigure {
  return layoutFigure(mm, title, showFlags);
}
