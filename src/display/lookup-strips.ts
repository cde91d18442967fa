/**
 * Lookups and leaves along the address axis: one coloured strip per row, segments of
 * equal cause merged (notebooks 01 and 02).
 */
import { PAGE_SIZE, hex } from "../mm/constants";
import type { Vma } from "../mm/mm-types";
import { outcomeBars } from "./figures/outcome-bars";
import { checkArray, formatBytes } from "./figures/format";
import { axis, baseLayout, hashColor } from "./theme";
import type { PlotlyFigure, PlotlyTrace } from "./types";
import { LOOKUP_CAUSE_COLORS, LOOKUP_CAUSES, type LookupCause } from "./lookup-causes";
import { countByCause, type LookupPoint } from "./lookup-sweep";

/** A run of one class along the address axis: [start, end). */
export interface StripSegment {
  start: number;
  end: number;
  cls: string;
}

/** A row of a strip figure. */
export interface StripRow {
  name: string;
  /** Addresses are drawn relative to this (e.g. vm_start). */
  origin: number;
  segments: StripSegment[];
}

/** Merge consecutive points of the same cause into segments ([address, address + step)). */
export function lookupSegments(points: LookupPoint[], step = PAGE_SIZE): StripSegment[] {
  const segs: StripSegment[] = [];
  for (const p of points) {
    const last = segs[segs.length - 1];
    if (last && last.cls === p.cause && last.end === p.address) last.end = p.address + step;
    else segs.push({ start: p.address, end: p.address + step, cls: p.cause });
  }
  return segs;
}

/** The unit a byte span reads best in on an axis. */
function axisUnit(span: number): { size: number; name: string } {
  if (span >= 4 * 2 ** 30) return { size: 2 ** 30, name: "GiB" };
  if (span >= 4 * 2 ** 20) return { size: 2 ** 20, name: "MiB" };
  return { size: 1024, name: "KiB" };
}

/**
 * Horizontal strips, one row per StripRow, x = offset from the row's origin in KiB,
 * MiB or GiB; one trace per class (legend), coloured by `colors` (others by a hash).
 */
export function stripFigure(
  rows: StripRow[],
  colors: Record<string, string>,
  title: string,
  xTitle: string,
  legendTitle: string,
  order: readonly string[] = [],
): PlotlyFigure {
  checkArray<StripRow>("stripFigure", "rows", rows);
  let lo = Infinity,
    hi = -Infinity;
  for (const r of rows)
    for (const s of r.segments) {
      lo = Math.min(lo, s.start - r.origin);
      hi = Math.max(hi, s.end - r.origin);
    }
  const unit = axisUnit(Number.isFinite(hi - lo) ? hi - lo : 1);
  const present = new Set(rows.flatMap((r) => r.segments.map((s) => s.cls)));
  const classes = [...order.filter((c) => present.has(c)), ...[...present].filter((c) => !order.includes(c)).sort()];
  const data: PlotlyTrace[] = classes.map((cls) => {
    const segs = rows.flatMap((r) => r.segments.filter((s) => s.cls === cls).map((s) => ({ r, s })));
    return {
      type: "bar",
      orientation: "h",
      name: cls,
      y: segs.map(({ r }) => r.name),
      base: segs.map(({ r, s }) => (s.start - r.origin) / unit.size),
      x: segs.map(({ s }) => (s.end - s.start) / unit.size),
      customdata: segs.map(({ s }) => `${hex(s.start)}..${hex(s.end)} (${formatBytes(s.end - s.start)})`),
      textposition: "none",
      marker: { color: colors[cls] ?? hashColor(cls), line: { width: 0 } },
      hovertemplate: `${cls}<br>%{customdata}<extra></extra>`,
    };
  });
  return {
    data,
    layout: baseLayout(title, {
      barmode: "overlay",
      bargap: 0.35,
      // Tall enough for the legend (title + one line per class), which must not scroll.
      height: Math.max(220, 120 + 60 * rows.length, 140 + 20 * (classes.length + 1)),
      xaxis: axis(xTitle, unit.name, { zeroline: true, zerolinecolor: "#444" }),
      yaxis: axis("", undefined, { type: "category", autorange: "reversed", ticks: "" }),
      legend: { title: { text: legendTitle }, traceorder: "normal" },
      margin: { l: 150, r: 20, t: 60, b: 60 },
    }),
  };
}

/**
 * Where each lookup of a sweep ended, along the address axis: one row per sweep, x =
 * address - origin (default origin: the vma's vm_start; `xTitle` names it).
 */
export function lookupStripFigure(
  rows: { name: string; vma: Vma; points: LookupPoint[]; step?: number; origin?: number }[],
  title = "follow_pfnmap_start() outcome by address",
  xTitle = "address - vm_start",
): PlotlyFigure {
  const strip: StripRow[] = rows.map((r) => ({
    name: r.name,
    origin: r.origin ?? r.vma.vmStart,
    segments: lookupSegments(r.points, r.step ?? PAGE_SIZE),
  }));
  return stripFigure(strip, LOOKUP_CAUSE_COLORS, title, xTitle, "cause", LOOKUP_CAUSES);
}

/** Bars of lookups per cause, one bar per group (e.g. per API or per kernel variant). */
export function lookupOutcomeBars(
  groups: { group: string; points: LookupPoint[] }[],
  title = "Lookups by cause",
  groupAxis = "",
): PlotlyFigure {
  const fig = outcomeBars({
    groups: groups.map((g) => ({ group: g.group, counts: countByCause(g.points) as Record<string, number> })),
    title,
    countOf: "lookups",
    groupAxis,
  });
  // Cause colours and the kernel's order instead of outcome classes.
  const rank = (n: unknown) => LOOKUP_CAUSES.indexOf(n as LookupCause);
  fig.data.sort((a, b) => rank(a.name) - rank(b.name));
  for (const t of fig.data)
    (t.marker as Record<string, unknown>).color =
      LOOKUP_CAUSE_COLORS[t.name as LookupCause] ?? hashColor(String(t.name));
  fig.layout.legend = { title: { text: "cause" }, traceorder: "normal" };
  return fig;
}
