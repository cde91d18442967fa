/** The physical address space: RAM (with struct page) vs device BARs (without). */
import type { PlotlyFigure, PlotlyTrace } from "../types";
import { axis, baseLayout, hashColor, MEMORY_KIND_COLORS, MONO_FAMILY } from "../theme";
import { checkArray, checkNonNegative, checkPositive, formatBytes, hex } from "./format";

/** One physical range, e.g. {name: "System RAM", startPa: 0, sizeBytes: 2 GiB, kind: "ram", hasStructPage: true}. */
export interface PhysRegion {
  name: string;
  startPa: number;
  sizeBytes: number;
  /** "ram", "bar" or any other label (gets a stable colour). */
  kind: string;
  /** Whether the kernel's memmap covers it (pfn_valid / struct page exists). */
  hasStructPage: boolean;
}

/** Input of physMemoryMap. */
export interface PhysMemoryMapInput {
  regions: PhysRegion[];
  /**
   * "linear": x is the physical address to scale. "ordinal": every region equally wide,
   * holes 0.6 wide (for address spaces where a 16 MiB BAR sits beyond 64 GiB of RAM).
   * Default: ordinal when some region would be under 3% of the span.
   */
  scale?: "linear" | "ordinal";
  title?: string;
}

const ROW_MEMORY = "physical memory";
const ROW_MEMMAP = "struct page (memmap)";

function kindColor(kind: string): string {
  return (MEMORY_KIND_COLORS as Record<string, string>)[kind] ?? hashColor(kind);
}

/**
 * Two rows of horizontal bars over the physical address axis: the regions coloured
 * by kind (one trace per kind, in first-appearance order), and whether struct pages
 * exist for them (traces "has struct page" / "no struct page"). Tick labels are the
 * region boundaries in hex. In ordinal scale the bars' base/x are positions, and
 * customdata carries the real [startPa, endPa].
 */
export function physMemoryMap(input: PhysMemoryMapInput): PlotlyFigure {
  const fn = "physMemoryMap";
  const regions = [...checkArray<PhysRegion>(fn, "regions", input?.regions)];
  regions.forEach((r, i) => {
    checkNonNegative(fn, `regions[${i}].startPa`, r.startPa);
    checkPositive(fn, `regions[${i}].sizeBytes`, r.sizeBytes);
  });
  regions.sort((a, b) => a.startPa - b.startPa);
  for (let i = 1; i < regions.length; i++) {
    if (regions[i].startPa < regions[i - 1].startPa + regions[i - 1].sizeBytes) {
      throw new Error(
        `${fn}: regions "${regions[i - 1].name}" and "${regions[i].name}" overlap at ${hex(regions[i].startPa)}`,
      );
    }
  }
  const lo = regions.length ? regions[0].startPa : 0;
  const hi = regions.length ? regions[regions.length - 1].startPa + regions[regions.length - 1].sizeBytes : 1;
  const span = Math.max(1, hi - lo);
  const scale = input.scale ?? (regions.some((r) => r.sizeBytes / span < 0.03) ? "ordinal" : "linear");

  // Positions on the x axis: the address itself, or a rank with narrow holes.
  const pos: { x0: number; x1: number }[] = [];
  let cursor = 0;
  regions.forEach((r, i) => {
    if (scale === "linear") pos.push({ x0: r.startPa, x1: r.startPa + r.sizeBytes });
    else {
      const prevEnd = i > 0 ? regions[i - 1].startPa + regions[i - 1].sizeBytes : r.startPa;
      if (r.startPa > prevEnd) cursor += 0.6;
      pos.push({ x0: cursor, x1: cursor + 1 });
      cursor += 1;
    }
  });
  const tickvals: number[] = [];
  const ticktext: string[] = [];
  regions.forEach((r, i) => {
    for (const [p, a] of [
      [pos[i].x0, r.startPa],
      [pos[i].x1, r.startPa + r.sizeBytes],
    ]) {
      if (!tickvals.includes(p)) {
        tickvals.push(p);
        ticktext.push(hex(a));
      }
    }
  });

  const bar = (
    name: string,
    idx: number[],
    row: string,
    color: string,
    text: (r: PhysRegion) => string,
  ): PlotlyTrace => ({
    type: "bar",
    orientation: "h",
    name,
    y: idx.map(() => row),
    base: idx.map((i) => pos[i].x0),
    x: idx.map((i) => pos[i].x1 - pos[i].x0),
    customdata: idx.map((i) => [regions[i].startPa, regions[i].startPa + regions[i].sizeBytes]),
    text: idx.map((i) => text(regions[i])),
    textposition: "inside",
    insidetextanchor: "middle",
    marker: { color, line: { color: "white", width: 2 } },
    hovertext: idx.map(
      (i) =>
        `${regions[i].name}: ${hex(regions[i].startPa)}-${hex(regions[i].startPa + regions[i].sizeBytes - 1)} (${formatBytes(regions[i].sizeBytes)})`,
    ),
    hoverinfo: "text",
  });
  const kinds = [...new Set(regions.map((r) => r.kind))];
  const data: PlotlyTrace[] = kinds.map((k) =>
    bar(
      k === "ram" ? "RAM" : k === "bar" ? "device BAR" : k,
      regions.flatMap((r, i) => (r.kind === k ? [i] : [])),
      ROW_MEMORY,
      kindColor(k),
      (r) => `${r.name}<br>${formatBytes(r.sizeBytes)}`,
    ),
  );
  const withPage = regions.flatMap((r, i) => (r.hasStructPage ? [i] : []));
  const without = regions.flatMap((r, i) => (r.hasStructPage ? [] : [i]));
  data.push(bar("has struct page", withPage, ROW_MEMMAP, "#74c476", () => "struct page"));
  data.push(bar("no struct page", without, ROW_MEMMAP, "#d9d9d9", () => "none: pfn only"));
  return {
    data,
    layout: baseLayout(input.title ?? "Physical memory map", {
      barmode: "overlay",
      height: 320,
      margin: { l: 150, r: 20, t: 60, b: 80 },
      xaxis: axis("physical address", scale === "linear" ? "hex" : "hex; regions not to scale", {
        tickvals,
        ticktext,
        tickangle: -40,
        range: scale === "linear" ? [lo, hi] : [0, Math.max(cursor, 1)],
        showgrid: false,
        tickfont: { family: MONO_FAMILY, size: 10 },
      }),
      yaxis: axis("", undefined, {
        type: "category",
        categoryorder: "array",
        categoryarray: [ROW_MEMMAP, ROW_MEMORY],
        ticks: "",
        showline: false,
      }),
      legend: { title: { text: "kind" } },
    }),
  };
}
