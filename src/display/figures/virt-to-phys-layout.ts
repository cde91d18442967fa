/** Virtual ranges (vmas) mapped onto physical ranges: who points where. */
import type { PlotlyFigure, PlotlyTrace } from "../types";
import {
  baseLayout,
  hashColor,
  LEAF_LEVEL_COLORS,
  LEAF_LEVEL_LABELS,
  MEMORY_KIND_COLORS,
  type LeafLevel,
} from "../theme";
import { checkArray, checkNonNegative, checkPositive, formatBytes, hex, mono } from "./format";

/** A vma: [startVa, endVa) with its flags, e.g. ["VM_IO", "VM_PFNMAP"]. */
export interface VirtRange {
  name: string;
  startVa: number;
  endVa: number;
  flags?: string[];
}

/** A physical range the mappings point into. */
export interface PhysRange {
  name: string;
  startPa: number;
  sizeBytes: number;
  /** "ram", "bar" or another label. */
  kind?: string;
}

/** One mapped piece: [startVa, startVa+sizeBytes) -> [startPa, ...). Adjacent pieces are merged. */
export interface VirtPhysMapping {
  startVa: number;
  sizeBytes: number;
  startPa: number;
  /** Level of the leaf entries mapping it; colours the band. Default "pte". */
  leaf?: LeafLevel;
}

/** Input of virtToPhysLayout. */
export interface VirtToPhysInput {
  vmas: VirtRange[];
  phys: PhysRange[];
  mappings: VirtPhysMapping[];
  title?: string;
}

const GAP = 0.3;
const LEFT = { x0: 0, x1: 0.3 };
const RIGHT = { x0: 0.7, x1: 1 };

/** Stacks ranges bottom-up (low addresses low), each 1 high; returns y of an address. */
function stack(ranges: { start: number; size: number }[]): {
  y0: number[];
  yOf(addr: number): number | null;
  height: number;
} {
  const order = ranges.map((_, i) => i).sort((a, b) => ranges[a].start - ranges[b].start);
  const y0: number[] = [];
  order.forEach((i, rank) => {
    y0[i] = rank * (1 + GAP);
  });
  return {
    y0,
    height: Math.max(0, ranges.length * (1 + GAP) - GAP),
    yOf(addr: number): number | null {
      const i = ranges.findIndex((r) => addr >= r.start && addr <= r.start + r.size);
      return i < 0 ? null : y0[i] + (addr - ranges[i].start) / ranges[i].size;
    },
  };
}

/**
 * Two columns, virtual (left) and physical (right), each range a box of equal
 * height (positions inside a box are to scale, boxes are not). Each merged mapping
 * is a band (a filled scatter trace) from its virtual to its physical range,
 * coloured by leaf level. Data: one trace per merged mapping, in address order,
 * named by leaf level; customdata = [startVa, startPa, sizeBytes].
 */
export function virtToPhysLayout(input: VirtToPhysInput): PlotlyFigure {
  const fn = "virtToPhysLayout";
  const vmas = checkArray<VirtRange>(fn, "vmas", input?.vmas);
  const phys = checkArray<PhysRange>(fn, "phys", input.phys);
  const maps = checkArray<VirtPhysMapping>(fn, "mappings", input.mappings);
  vmas.forEach((v, i) => {
    checkNonNegative(fn, `vmas[${i}].startVa`, v.startVa);
    if (!(v.endVa > v.startVa))
      throw new Error(`${fn}: vmas[${i}].endVa ${hex(v.endVa)} must be above startVa ${hex(v.startVa)}`);
  });
  phys.forEach((p, i) => {
    checkNonNegative(fn, `phys[${i}].startPa`, p.startPa);
    checkPositive(fn, `phys[${i}].sizeBytes`, p.sizeBytes);
  });
  maps.forEach((m, i) => {
    checkNonNegative(fn, `mappings[${i}].startVa`, m.startVa);
    checkNonNegative(fn, `mappings[${i}].startPa`, m.startPa);
    checkPositive(fn, `mappings[${i}].sizeBytes`, m.sizeBytes);
  });
  const va = stack(vmas.map((v) => ({ start: v.startVa, size: v.endVa - v.startVa })));
  const pa = stack(phys.map((p) => ({ start: p.startPa, size: p.sizeBytes })));

  // Merge runs contiguous in both spaces with the same leaf level (512 PTEs -> one band).
  const sorted = [...maps].sort((a, b) => a.startVa - b.startVa);
  const merged: Required<VirtPhysMapping>[] = [];
  for (const m of sorted) {
    const last = merged[merged.length - 1];
    const leaf = m.leaf ?? "pte";
    if (
      last &&
      last.leaf === leaf &&
      last.startVa + last.sizeBytes === m.startVa &&
      last.startPa + last.sizeBytes === m.startPa
    )
      last.sizeBytes += m.sizeBytes;
    else merged.push({ ...m, leaf });
  }

  const seen = new Set<LeafLevel>();
  const data: PlotlyTrace[] = merged.map((m) => {
    const [v0, v1] = [va.yOf(m.startVa), va.yOf(m.startVa + m.sizeBytes)];
    const [p0, p1] = [pa.yOf(m.startPa), pa.yOf(m.startPa + m.sizeBytes)];
    if (v0 === null || v1 === null)
      throw new Error(`${fn}: mapping at ${hex(m.startVa)} (+${formatBytes(m.sizeBytes)}) is not inside any vma`);
    if (p0 === null || p1 === null)
      throw new Error(
        `${fn}: mapping of ${hex(m.startVa)} to ${hex(m.startPa)} (+${formatBytes(m.sizeBytes)}) is not inside any phys range`,
      );
    const color = LEAF_LEVEL_COLORS[m.leaf];
    const first = !seen.has(m.leaf);
    seen.add(m.leaf);
    const label = `${hex(m.startVa)} -> ${hex(m.startPa)}, ${formatBytes(m.sizeBytes)} in ${LEAF_LEVEL_LABELS[m.leaf]} leaves`;
    return {
      type: "scatter",
      mode: "lines",
      fill: "toself",
      name: LEAF_LEVEL_LABELS[m.leaf],
      legendgroup: m.leaf,
      showlegend: first,
      x: [LEFT.x1, RIGHT.x0, RIGHT.x0, LEFT.x1, LEFT.x1],
      y: [v0, p0, p1, v1, v0],
      fillcolor: color,
      opacity: 0.55,
      line: { color, width: 1 },
      customdata: [m.startVa, m.startPa, m.sizeBytes],
      text: label,
      hoverinfo: "text",
      hoveron: "fills",
    };
  });

  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  vmas.forEach((v, i) => {
    shapes.push({
      type: "rect",
      x0: LEFT.x0,
      x1: LEFT.x1,
      y0: va.y0[i],
      y1: va.y0[i] + 1,
      fillcolor: "#deebf7",
      line: { color: "#3182bd" },
      layer: "below",
    });
    const flags = v.flags?.length ? `<br>${v.flags.join(" | ")}` : "";
    annotations.push({
      x: (LEFT.x0 + LEFT.x1) / 2,
      y: va.y0[i] + 0.5,
      text: `<b>${v.name}</b> (${formatBytes(v.endVa - v.startVa)})<br>${mono(hex(v.startVa))} -<br>${mono(hex(v.endVa))}${flags}`,
      showarrow: false,
      font: { size: 11 },
    });
  });
  phys.forEach((p, i) => {
    const color = (MEMORY_KIND_COLORS as Record<string, string>)[p.kind ?? ""] ?? hashColor(p.kind ?? p.name);
    shapes.push({
      type: "rect",
      x0: RIGHT.x0,
      x1: RIGHT.x1,
      y0: pa.y0[i],
      y1: pa.y0[i] + 1,
      fillcolor: color,
      opacity: 0.25,
      line: { color },
      layer: "below",
    });
    annotations.push({
      x: (RIGHT.x0 + RIGHT.x1) / 2,
      y: pa.y0[i] + 0.5,
      text: `<b>${p.name}</b> (${formatBytes(p.sizeBytes)})<br>${mono(hex(p.startPa))} -<br>${mono(hex(p.startPa + p.sizeBytes))}`,
      showarrow: false,
      font: { size: 11 },
    });
  });
  const top = Math.max(va.height, pa.height, 1);
  annotations.push({ x: (LEFT.x0 + LEFT.x1) / 2, y: top + 0.12, text: "<b>virtual (vmas)</b>", showarrow: false });
  annotations.push({ x: (RIGHT.x0 + RIGHT.x1) / 2, y: top + 0.12, text: "<b>physical</b>", showarrow: false });
  const hidden = { visible: false, fixedrange: true };
  return {
    data,
    layout: baseLayout(input.title ?? "Virtual to physical layout (boxes not to scale)", {
      height: Math.max(360, 150 + 130 * Math.max(vmas.length, phys.length)),
      margin: { l: 20, r: 20, t: 60, b: 20 },
      xaxis: { ...hidden, range: [-0.02, 1.02] },
      yaxis: { ...hidden, range: [-0.1, top + 0.3] },
      shapes,
      annotations,
      legend: { title: { text: "mapped by" }, orientation: "h", x: 0.3, y: -0.02, yanchor: "top" },
    }),
  };
}
