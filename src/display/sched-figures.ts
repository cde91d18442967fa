/**
 * Figures from the scheduler's lock statistics (src/sched/lockstat.ts LockStatData):
 * adapters that turn raw hold/wait samples and the per-task timeline into the inputs of
 * lockTimesBoxPlot and lockTimeline, plus a sweep plot of mean lock wait vs task count.
 * Everything stays plain data, so a figure can be restyled after it is built.
 */
import type { LockStatData, TimelineSpan } from "../sched/lockstat";
import { lockTimesBoxPlot, type LockClassTimes } from "./figures/lock-times-box-plot";
import { lockTimeline, type LockInterval } from "./figures/lock-timeline";
import { axis, baseLayout, LEAF_LEVEL_COLORS, LEAF_LEVEL_LABELS, lockClassColor, UNITS, type LeafLevel } from "./theme";
import type { PlotlyFigure, PlotlyTrace } from "./types";

function classesOf(data: LockStatData): string[] {
  return data.classes.map((c) => c.className);
}

function checkData(fn: string, field: string, data: LockStatData): void {
  if (!data || !Array.isArray(data.samples) || !Array.isArray(data.timeline) || !Array.isArray(data.classes)) {
    throw new Error(`${fn}: ${field} must be lock_stat data (LockStat.data(): classes, rows, samples, timeline)`);
  }
}

/**
 * Hold and wait samples per lock class. Every acquisition gets one wait sample: lock_stat
 * records a wait only when the acquisition had to wait, so the uncontended ones are
 * added as 0 (acquisitions - contentions zeros), which is what a distribution of "time to
 * get the lock" needs. `classes` picks and orders the classes (default: all, lock_stat order).
 */
export function lockClassTimes(data: LockStatData, classes?: readonly string[]): LockClassTimes[] {
  const fn = "lockClassTimes";
  checkData(fn, "data", data);
  const known = classesOf(data);
  const pick = classes ?? known;
  return pick.map((cls) => {
    if (!known.includes(cls))
      throw new Error(`${fn}: lock class "${cls}" has no statistics (known: ${known.join(", ")})`);
    const holdNs: number[] = [];
    const waitNs: number[] = [];
    for (const s of data.samples) {
      if (s.className !== cls) continue;
      (s.kind === "hold" ? holdNs : waitNs).push(s.ns);
    }
    const zeros = Math.max(0, holdNs.length - waitNs.length);
    for (let i = 0; i < zeros; i++) waitNs.push(0);
    return { lockClass: cls, holdNs, waitNs };
  });
}

/** One run to compare: a label ("PUD leaves") and its lock_stat data. */
export interface LabelledLockStat {
  label: string;
  data: LockStatData;
  /** Classes of this run to show (default: all). */
  classes?: readonly string[];
}

/**
 * lockTimesBoxPlot over several runs: one box pair per (run, lock class), legend entries
 * "class · label", coloured by lock class. Use it to put the page_table_lock of a PUD run
 * next to the PTE ptlock of a PTE run.
 */
export function lockTimesFigure(
  runs: readonly LabelledLockStat[],
  opts: { title?: string; logTime?: boolean; kind?: "box" | "violin" } = {},
): PlotlyFigure {
  const fn = "lockTimesFigure";
  if (!Array.isArray(runs) || runs.length === 0)
    throw new Error(`${fn}: runs must be a non-empty array of { label, data }`);
  const classes: LockClassTimes[] = [];
  /** Legend label -> the real lock class, so colours come from data, not from splitting the label. */
  const classOf = new Map<string, string>();
  runs.forEach((r, i) => {
    if (typeof r?.label !== "string" || r.label === "")
      throw new Error(`${fn}: runs[${i}].label must be a non-empty string`);
    checkData(fn, `runs[${i}].data`, r.data);
    for (const c of lockClassTimes(r.data, r.classes)) {
      const label = `${c.lockClass} · ${r.label}`;
      classOf.set(label, c.lockClass);
      classes.push({ ...c, lockClass: label });
    }
  });
  const fig = lockTimesBoxPlot({
    classes,
    title: opts.title ?? "Lock hold and wait times per lock class",
    logTime: opts.logTime,
    kind: opts.kind,
  });
  // Colour by the real lock class (the label suffix would hash to a random colour).
  for (const t of fig.data) {
    const cls = classOf.get(String(t.name)) ?? String(t.name);
    const color = lockClassColor(cls);
    t.marker = { ...(t.marker as object), color };
    t.line = { ...(t.line as object), color };
  }
  return fig;
}

export interface TimelineOptions {
  /** Lock classes to show (default: all). */
  classes?: readonly string[];
  /** Tasks to show, in row order (default: all, first appearance). */
  tasks?: readonly string[];
  /** Only spans starting before this time (simulated ns). */
  untilNs?: number;
  /** One row per (task, lock class) (default) or per (task, lock instance). */
  rowBy?: "class" | "lock";
}

/** Timeline spans as lockTimeline intervals (optionally filtered); open spans end at the run's end. */
export function timelineIntervals(data: LockStatData, opts: TimelineOptions = {}): LockInterval[] {
  const fn = "timelineIntervals";
  checkData(fn, "data", data);
  const rowBy = opts.rowBy ?? "class";
  if (rowBy !== "class" && rowBy !== "lock") throw new Error(`${fn}: rowBy ${String(rowBy)} must be "class" or "lock"`);
  const keep = (s: TimelineSpan) =>
    (!opts.classes || opts.classes.includes(s.className)) &&
    (!opts.tasks || opts.tasks.includes(s.task)) &&
    (opts.untilNs === undefined || s.start < opts.untilNs);
  return data.timeline.filter(keep).map((s) => ({
    task: s.task,
    lock: rowBy === "class" ? s.className : s.lock,
    lockClass: s.className,
    phase: s.kind,
    startNs: s.start,
    endNs: s.end,
    mode: s.mode,
  }));
}

/** lockTimeline of one run's lock_stat data (see TimelineOptions). */
export function lockTimelineFigure(data: LockStatData, opts: TimelineOptions & { title?: string } = {}): PlotlyFigure {
  const intervals = timelineIntervals(data, opts);
  return lockTimeline({
    intervals,
    taskOrder: opts.tasks ? [...opts.tasks] : undefined,
    title: opts.title ?? "Lock timeline per task",
  });
}

/** One measured point of a sweep over task counts. */
export interface ContentionPoint {
  leaf: LeafLevel;
  tasks: number;
  /** Mean wait per acquisition of the leaf level's lock (simulated ns). */
  meanWaitNs: number;
  /** lock_stat class of that lock (hover text). */
  leafLockClass?: string;
}

/** Mean lock wait per lookup vs number of tasks, one line per leaf level (leaf colours). */
export function contentionSweepFigure(points: readonly ContentionPoint[], title?: string): PlotlyFigure {
  const fn = "contentionSweepFigure";
  if (!Array.isArray(points) || points.length === 0) throw new Error(`${fn}: points must be a non-empty array`);
  points.forEach((p, i) => {
    if (!(p.leaf in LEAF_LEVEL_COLORS))
      throw new Error(`${fn}: points[${i}].leaf "${String(p.leaf)}" must be pte, pmd or pud`);
    if (!Number.isInteger(p.tasks) || p.tasks < 1)
      throw new Error(`${fn}: points[${i}].tasks ${String(p.tasks)} must be a positive integer`);
    if (!(p.meanWaitNs >= 0)) throw new Error(`${fn}: points[${i}].meanWaitNs ${String(p.meanWaitNs)} must be >= 0`);
  });
  const levels = (["pud", "pmd", "pte"] as const).filter((l) => points.some((p) => p.leaf === l));
  const data: PlotlyTrace[] = levels.map((leaf) => {
    const ps = points.filter((p) => p.leaf === leaf).sort((a, b) => a.tasks - b.tasks);
    const cls = ps.find((p) => p.leafLockClass)?.leafLockClass;
    return {
      type: "scatter",
      mode: "lines+markers",
      name: cls ? `${LEAF_LEVEL_LABELS[leaf]}: ${cls}` : LEAF_LEVEL_LABELS[leaf],
      x: ps.map((p) => p.tasks),
      y: ps.map((p) => Math.round(p.meanWaitNs * 10) / 10),
      line: { color: LEAF_LEVEL_COLORS[leaf], width: 2 },
      marker: { color: LEAF_LEVEL_COLORS[leaf], size: 8 },
      hovertemplate: `%{x} tasks: %{y} ${UNITS.time} mean wait<extra>${LEAF_LEVEL_LABELS[leaf]}</extra>`,
    };
  });
  const xs = [...new Set(points.map((p) => p.tasks))].sort((a, b) => a - b);
  return {
    data,
    layout: baseLayout(title ?? "Mean wait for the leaf's lock per lookup vs number of tasks", {
      xaxis: axis("tasks looking up at once", UNITS.count, { tickvals: xs }),
      yaxis: axis("mean wait per lookup", UNITS.time, { rangemode: "tozero" }),
      legend: { title: { text: "leaf level: lock" } },
    }),
  };
}
