/** Per-task lock timeline (Gantt): when each task waited for and held each lock. */
import type { PlotlyFigure, PlotlyTrace } from "../types";
import { axis, baseLayout, lockClassColor, outcomeColor, UNITS } from "../theme";
import { checkArray, checkNonNegative } from "./format";

/** One interval of one task on one lock. */
export interface LockInterval {
  task: string;
  /** Lock instance name, e.g. "mm1.mmap_lock" or "ptl@pmd 0x1000". */
  lock: string;
  /** lock_stat class (colour); defaults to `lock`. */
  lockClass?: string;
  /** "wait": trying to acquire; "hold": owning it. */
  phase: "hold" | "wait";
  startNs: number;
  endNs: number;
  /** Where in our mirror the acquire happened, e.g. "followPfnmapStart: pte_offset_map_lock". */
  site?: string;
  /** e.g. "read", "write". */
  mode?: string;
}

/** A point event on a task's row: a pfn use, a zap, an invalidate, a violation. */
export interface TimelineMarker {
  task: string;
  atNs: number;
  label: string;
  /** Colours the marker like an outcome class, e.g. "stale-pfn". */
  outcome?: string;
}

/** Input of lockTimeline. */
export interface LockTimelineInput {
  intervals: LockInterval[];
  markers?: TimelineMarker[];
  /** Row order of tasks (default: first appearance). */
  taskOrder?: string[];
  title?: string;
}

/** Row label of a task's lock: one row per (task, lock). Markers go on the task's own row. */
export function timelineRow(task: string, lock?: string): string {
  return lock === undefined ? `${task}` : `${task} · ${lock}`;
}

/**
 * Horizontal bars: one row per (task, lock), bars from startNs to endNs (bar base =
 * startNs, bar length x = endNs - startNs). One trace per (lock class, phase): holds
 * solid, waits pale and thinner. Markers are a scatter trace per outcome colour
 * on the task's own row.
 */
export function lockTimeline(input: LockTimelineInput): PlotlyFigure {
  const fn = "lockTimeline";
  const intervals = checkArray<LockInterval>(fn, "intervals", input?.intervals);
  const markers = checkArray<TimelineMarker>(fn, "markers", input.markers ?? []);
  intervals.forEach((iv, i) => {
    checkNonNegative(fn, `intervals[${i}].startNs`, iv.startNs);
    checkNonNegative(fn, `intervals[${i}].endNs`, iv.endNs);
    if (iv.endNs < iv.startNs)
      throw new Error(`${fn}: intervals[${i}] ends (${iv.endNs}) before it starts (${iv.startNs})`);
    if (iv.phase !== "hold" && iv.phase !== "wait")
      throw new Error(`${fn}: intervals[${i}].phase "${String(iv.phase)}" must be "hold" or "wait"`);
  });
  markers.forEach((m, i) => {
    checkNonNegative(fn, `markers[${i}].atNs`, m.atNs);
  });

  const tasks = [...(input.taskOrder ?? [])];
  for (const t of [...intervals.map((i) => i.task), ...markers.map((m) => m.task)])
    if (!tasks.includes(t)) tasks.push(t);
  const rows: string[] = [];
  for (const task of tasks) {
    if (markers.some((m) => m.task === task)) rows.push(timelineRow(task));
    for (const iv of intervals)
      if (iv.task === task && !rows.includes(timelineRow(task, iv.lock))) rows.push(timelineRow(task, iv.lock));
  }

  // One bar trace per lock class and phase, in order of first appearance.
  const groups = new Map<string, { cls: string; phase: string; ivs: LockInterval[] }>();
  for (const iv of intervals) {
    const cls = iv.lockClass ?? iv.lock;
    const key = JSON.stringify([cls, iv.phase]);
    const g = groups.get(key) ?? { cls, phase: iv.phase, ivs: [] };
    g.ivs.push(iv);
    groups.set(key, g);
  }
  const data: PlotlyTrace[] = [];
  for (const { cls, phase, ivs } of groups.values()) {
    const color = lockClassColor(cls);
    data.push({
      type: "bar",
      orientation: "h",
      name: `${cls} ${phase}`,
      legendgroup: cls,
      y: ivs.map((iv) => timelineRow(iv.task, iv.lock)),
      base: ivs.map((iv) => iv.startNs),
      x: ivs.map((iv) => iv.endNs - iv.startNs),
      customdata: ivs.map((iv) => [iv.endNs, iv.site ?? "", iv.mode ?? ""]),
      // Waits hatched, holds solid: the legend shows the difference too (an opacity
      // alone is drawn the same in plotly's legend).
      marker:
        phase === "hold"
          ? { color, line: { color, width: 1 } }
          : {
              color: "white",
              pattern: { shape: "/", fgcolor: color, size: 6, solidity: 0.35 },
              line: { color, width: 1.5 },
            },
      width: phase === "hold" ? 0.6 : 0.35,
      hovertemplate: `%{y}<br>${phase} %{customdata[2]} from %{base} to %{customdata[0]} ${UNITS.time}<br>%{customdata[1]}<extra>${cls}</extra>`,
    });
  }
  const byOutcome = new Map<string, TimelineMarker[]>();
  for (const m of markers) byOutcome.set(m.outcome ?? "event", [...(byOutcome.get(m.outcome ?? "event") ?? []), m]);
  for (const [outcome, ms] of byOutcome) {
    data.push({
      type: "scatter",
      mode: "markers+text",
      name: outcome,
      x: ms.map((m) => m.atNs),
      y: ms.map((m) => timelineRow(m.task)),
      text: ms.map((m) => m.label),
      textposition: "middle right",
      cliponaxis: false,
      marker: { symbol: "diamond", size: 11, color: outcome === "event" ? "#222" : outcomeColor(outcome) },
      hovertemplate: `%{y} at %{x} ${UNITS.time}: %{text}<extra></extra>`,
    });
  }
  return {
    data,
    layout: baseLayout(input.title ?? "Lock timeline per task", {
      barmode: "overlay",
      height: Math.max(300, 120 + 34 * rows.length),
      margin: { l: 220, r: 20, t: 60, b: 60 },
      xaxis: axis("time", UNITS.time, { rangemode: "tozero" }),
      yaxis: axis("", undefined, {
        type: "category",
        categoryorder: "array",
        categoryarray: rows,
        autorange: "reversed",
        ticks: "",
      }),
      legend: { title: { text: "lock class / event" } },
    }),
  };
}
