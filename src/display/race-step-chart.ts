/**
 * A replayed race as a step chart (notebook 04): one column per task, one row per
 * scheduling step, lock holds as bars, the sanitizer's verdicts in their own column.
 *
 * Why a step axis and not simulated time: in a controlled (replayed) run each task has
 * its own clock, so times of different tasks cannot be compared; the order of the steps
 * is what the race is about. `lockTimeline` stays the figure for timed runs.
 */
import { PFN_OUTCOMES } from "../checks/sanitizer";
import type { RaceTrace } from "../scenarios/mm/compare";
import { mirrorsOfTrace } from "../scenarios/mm/mirrors";
import type { TraceRecord } from "../sched/trace";
import { clip, contextSwitches, describeRecord, sanitizerEventOf } from "./race-records";
import { axis, baseLayout, lockClassColor, MAX_FIGURE_WIDTH, outcomeColor } from "./theme";
import type { PlotlyFigure, PlotlyTrace } from "./types";

export interface RaceStepChartOptions {
  title?: string;
  /** Longest site label drawn next to a step (the full site is in the hover). Default: what fits a column, at most 54. */
  maxLabel?: number;
}

/** Legend name of secondary-MMU faults in the verdict column. */
const FAULT = "fault";

interface StepMarkerStyle {
  name: string;
  symbol: string;
  color: string;
}

function markerStyle(r: TraceRecord): StepMarkerStyle {
  if (r.kind === "acquire" || r.kind === "acquired" || r.kind === "contend")
    return { name: "lock taken / waited for", symbol: "triangle-right", color: "#555" };
  if (r.kind === "release") return { name: "lock dropped", symbol: "triangle-left", color: "#999" };
  if (r.kind === "step" && r.cost === "ptWrite")
    return { name: "page-table write", symbol: "square", color: "#d62728" };
  if (r.kind === "step" && r.cost === "ptRead")
    return { name: "page-table read", symbol: "circle-open", color: "#1f77b4" };
  if (r.kind === "step" && (r.cost === "pfnUse" || r.cost === "memcpy"))
    return { name: "memory behind the pfn used", symbol: "star", color: "#9467bd" };
  if (r.kind === "step" && (r.cost === "iommuMap" || r.cost === "notifier" || r.cost === "tlbFlush"))
    return { name: "IOMMU / notifier / TLB", symbol: "hexagon", color: "#17becf" };
  return { name: "other step", symbol: "circle", color: "#bbb" };
}

/**
 * The replayed race as a step chart: x = task columns (plus a "sanitizer" column),
 * y = scheduling step (top to bottom). Each step is a marker in its task's column,
 * labelled with its site in our mirror; each lock hold is a bar beside the column
 * (coloured by lock class); preemptions are dashed lines across the chart; the
 * sanitizer's verdicts sit in the last column at the step that produced them.
 */
export function raceStepChart(trace: RaceTrace, opts: RaceStepChartOptions = {}): PlotlyFigure {
  const fn = "raceStepChart";
  if (!trace?.report || !Array.isArray(trace.report.trace))
    throw new Error(`${fn}: trace must be a RaceTrace (from raceTrace(scenario, replay))`);
  const recs = trace.report.trace;
  const tasks = [...trace.report.taskNames];
  // Fit the output area: the columns share the plot width, and a site label may take
  // what is left of its column after the marker (~6 px a character at 10 px DejaVu Sans).
  const width = Math.min(MAX_FIGURE_WIDTH, 120 + 380 * (tasks.length + 1));
  const pxPerColumn = (width - 80) / (tasks.length + 1.35);
  const maxLabel = opts.maxLabel ?? Math.max(16, Math.min(54, Math.floor((pxPerColumn - 24) / 6.1)));
  const col = new Map(tasks.map((t, i) => [t, i]));
  const sanCol = tasks.length;
  const data: PlotlyTrace[] = [];

  // Lock holds: from acquire/acquired to release, per (task, lock), as vertical bars left of the task's column.
  const open = new Map<
    string,
    { task: string; lock: string; start: number; depth: number; cls: string; site: string }
  >();
  const depthOf = new Map<string, number>();
  const bars = new Map<string, { x: (number | null)[]; y: (number | null)[]; text: (string | null)[] }>();
  const lastStep = recs.reduce((m, r) => Math.max(m, r.step), 0);
  const closeBar = (task: string, lock: string, end: number): void => {
    const key = `${task}\u0000${lock}`;
    const o = open.get(key);
    if (!o) return;
    open.delete(key);
    depthOf.set(task, Math.max(0, (depthOf.get(task) ?? 1) - 1));
    const x = col.get(task)! - 0.05 - 0.045 * o.depth;
    const b = bars.get(o.cls) ?? { x: [], y: [], text: [] };
    const label = `${task} holds ${lock} (steps ${o.start}-${end})<br>taken at ${o.site}`;
    b.x.push(x, x, null);
    b.y.push(o.start, end, null);
    b.text.push(label, label, null);
    bars.set(o.cls, b);
  };
  for (const r of recs) {
    if (!r.lock) continue;
    const key = `${r.task}\u0000${r.lock}`;
    if (r.kind === "acquire" || r.kind === "acquired") {
      const depth = depthOf.get(r.task) ?? 0;
      depthOf.set(r.task, depth + 1);
      open.set(key, { task: r.task, lock: r.lock, start: r.step, depth, cls: r.lockClass ?? r.lock, site: r.site });
    } else if (r.kind === "release") closeBar(r.task, r.lock, r.step);
  }
  for (const o of [...open.values()]) {
    closeBar(o.task, o.lock, lastStep);
  }
  for (const [cls, b] of bars) {
    const color = lockClassColor(cls);
    data.push({
      type: "scatter",
      mode: "lines",
      name: `holds ${cls}`,
      legendgroup: "locks",
      x: b.x,
      y: b.y,
      text: b.text,
      line: { color, width: 5 },
      hovertemplate: "%{text}<extra></extra>",
    });
  }

  // Steps: one trace per marker style.
  const byStyle = new Map<
    string,
    { style: StepMarkerStyle; x: number[]; y: number[]; text: string[]; hover: string[] }
  >();
  const mirrors = mirrorsOfTrace(recs);
  for (const [i, r] of recs.entries()) {
    if (r.kind === "note" || r.kind === "done") continue;
    const style = markerStyle(r);
    const g = byStyle.get(style.name) ?? { style, x: [], y: [], text: [], hover: [] };
    const m = mirrors[i];
    g.x.push(col.get(r.task) ?? 0);
    g.y.push(r.step);
    // The task is the column: a site the task's own code owns is labelled without its owner.
    const site = r.siteParts?.owner === r.task ? r.siteParts.what : r.site;
    g.text.push(clip(site || describeRecord(r), maxLabel));
    g.hover.push(`step ${r.step}, ${r.task}: ${describeRecord(r)}<br>${r.site}${m ? `<br>${m.file} (${m.fn})` : ""}`);
    byStyle.set(style.name, g);
  }
  for (const g of byStyle.values()) {
    data.push({
      type: "scatter",
      mode: "markers+text",
      name: g.style.name,
      x: g.x,
      y: g.y,
      text: g.text,
      customdata: g.hover,
      textposition: "middle right",
      textfont: { size: 10 },
      cliponaxis: false,
      marker: { symbol: g.style.symbol, size: 9, color: g.style.color, line: { color: g.style.color, width: 1.5 } },
      hovertemplate: "%{customdata}<extra></extra>",
    });
  }

  // Sanitizer verdicts (lookups, accesses, retries) in the last column.
  const verdicts = new Map<string, { x: number[]; y: number[]; text: string[]; hover: string[] }>();
  const perStep = new Map<number, number>();
  for (const r of recs) {
    if (r.kind !== "note") continue;
    const n = sanitizerEventOf(r);
    // Verdicts, and faults of a secondary MMU (DMA blocked, EPT violation: nothing touched).
    const cls = n?.outcome ?? (n?.kind === "fault" ? FAULT : null);
    if (!n || !cls) continue;
    const k = perStep.get(r.step) ?? 0;
    perStep.set(r.step, k + 1);
    const v = verdicts.get(cls) ?? { x: [], y: [], text: [], hover: [] };
    const what = n.kind === "retry" ? "retried" : cls === FAULT ? "fault: nothing touched" : `${n.kind} ${cls}`;
    v.x.push(sanCol);
    v.y.push(r.step + 0.3 * k);
    v.text.push(`${what} (${r.task})`);
    v.hover.push(`${r.task}, step ${r.step}: ${what}<br>${n.detail}`);
    verdicts.set(cls, v);
  }
  for (const cls of [...PFN_OUTCOMES, FAULT].filter((c) => verdicts.has(c))) {
    const v = verdicts.get(cls)!;
    const color = cls === FAULT ? "#444" : outcomeColor(cls);
    data.push({
      type: "scatter",
      mode: "markers+text",
      name: `sanitizer: ${cls}`,
      legendgroup: "sanitizer",
      x: v.x,
      y: v.y,
      text: v.text,
      customdata: v.hover,
      textposition: "middle right",
      textfont: { size: 10, color },
      cliponaxis: false,
      marker: { symbol: cls === FAULT ? "x" : "diamond", size: 12, color },
      hovertemplate: "%{customdata}<extra></extra>",
    });
  }

  // Context switches as horizontal lines between steps.
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  for (const c of contextSwitches(trace)) {
    shapes.push({
      type: "line",
      xref: "x",
      yref: "y",
      x0: -0.4,
      x1: sanCol + 0.95,
      y0: c.step - 0.5,
      y1: c.step - 0.5,
      line: c.preemption ? { color: "#d62728", width: 1.5, dash: "dash" } : { color: "#aaa", width: 1, dash: "dot" },
    });
    annotations.push({
      xref: "x",
      yref: "y",
      x: sanCol + 0.95,
      y: c.step - 0.5,
      xanchor: "right",
      yanchor: "bottom",
      showarrow: false,
      text: c.preemption ? `preemption: ${c.from} → ${c.to}` : `switch: ${c.from} → ${c.to}`,
      font: { size: 10, color: c.preemption ? "#d62728" : "#888" },
    });
  }

  const nSteps = lastStep + 1;
  const title =
    opts.title ??
    `Replay ${trace.replay} of ${trace.scenario}: ${trace.outcomes.join(", ")} (${trace.preemptions} preemption${trace.preemptions === 1 ? "" : "s"})`;
  return {
    data,
    layout: baseLayout(title, {
      width,
      height: Math.max(360, 170 + 24 * nSteps),
      margin: { l: 60, r: 20, t: 60, b: 110 },
      xaxis: axis("", undefined, {
        range: [-0.4, sanCol + 0.95],
        tickvals: [...tasks.map((_, i) => i), sanCol],
        ticktext: [...tasks, "sanitizer verdict"],
        side: "top",
        showgrid: false,
        zeroline: false,
        ticks: "",
      }),
      yaxis: axis("scheduling step", undefined, {
        range: [lastStep + 0.8, -0.8],
        dtick: nSteps > 30 ? 5 : 1,
        zeroline: false,
      }),
      shapes,
      annotations,
      legend: { orientation: "h", x: 0, y: -0.02, yanchor: "top", font: { size: 10 } },
    }),
  };
}
