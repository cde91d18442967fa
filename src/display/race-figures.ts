/**
 * Figures and tables of races (notebook 04): a replayed schedule as a step-by-step table
 * and as a step chart (one column per task, one row per scheduling step, lock holds as
 * bars, the sanitizer's verdicts in their own column), and outcome classes per caller
 * from exhaustive exploration as stacked bars.
 *
 * Why a step axis and not simulated time: in a controlled (replayed) run each task has
 * its own clock, so times of different tasks cannot be compared; the order of the steps
 * is what the race is about. `lockTimeline` stays the figure for timed runs.
 */
import { PFN_OUTCOMES } from "../checks/sanitizer";
import {
  CALLER_CASES,
  COMPARE_DEFAULTS,
  type CallerCase,
  type CallerOutcomes,
  type RaceTrace,
} from "../scenarios/mm/compare";
import { mirrorsOfTrace } from "../scenarios/mm/mirrors";
import type { ParamValue } from "../sched/scenario";
import { explore } from "../sched/explore/explorer";
import type { TraceEvent, TraceRecord } from "../sched/trace";
import { outcomeBars } from "./figures/outcome-bars";
import { wrapWords } from "./figures/page-table-walk-diagram";
import { axis, baseLayout, lockClassColor, MAX_FIGURE_WIDTH, outcomeColor } from "./theme";
import { displayBundle, tableBundle, type TableBundle } from "./table";
import type { PlotlyFigure, PlotlyTrace } from "./types";

// ---------------------------------------------------------------------------------
// Reading a trace

const COST_WORDS: Record<string, string> = {
  ptRead: "reads a page-table entry",
  ptWrite: "writes a page-table entry",
  pfnUse: "touches the memory behind the pfn",
  tlbFlush: "flushes the TLB",
  iommuMap: "changes the IOMMU page table",
  ioremap: "maps the pfn into the kernel (ioremap)",
  memcpy: "copies through the mapping",
  notifier: "calls an MMU notifier",
  work: "works",
};

/** What one trace record did, in words ("takes ptlock (PMD) [W]", "reads a page-table entry"). */
export function describeRecord(r: TraceRecord): string {
  const lock = r.lockClass ?? r.lock ?? "";
  const mode = r.mode ? ` [${r.mode === "read" ? "R" : "W"}]` : "";
  switch (r.kind) {
    case "acquire":
      return `takes ${lock}${mode}`;
    case "contend":
      return `waits for ${lock}${mode}`;
    case "acquired":
      return `gets ${lock}${mode} after waiting`;
    case "release":
      return `drops ${lock}`;
    case "step":
      return COST_WORDS[r.cost ?? "work"] ?? String(r.cost);
    case "mightSleep":
      return "may sleep here (might_sleep)";
    case "cpuRelax":
      return "yields, will try again";
    case "done":
      return r.text ?? "returns";
    case "crash":
      return `crashes: ${r.text ?? ""}`;
    default:
      return r.text ?? r.kind;
  }
}

/** The sanitizer's event behind a trace record (a note), or null for other records. */
export function sanitizerEventOf(r: TraceRecord): TraceEvent | null {
  return r.event?.source === "sanitizer" ? r.event : null;
}

/** The site without the caller's "task: " prefix (the task is in its own column). */
function shortSite(site: string, task: string): string {
  return site.startsWith(`${task}: `) ? site.slice(task.length + 2) : site;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** One context switch of a replayed schedule. */
export interface ContextSwitch {
  /** First step of the task switched to. */
  step: number;
  from: string;
  to: string;
  /** True when `from` could have gone on (it runs again later and had not blocked or yielded): a preemption. */
  preemption: boolean;
}

/** The schedule's context switches; the preemptions among them are what the preemption bound counts. */
export function contextSwitches(trace: RaceTrace): ContextSwitch[] {
  const recs = trace.report.trace;
  const schedule = trace.report.schedule;
  const names = trace.report.taskNames;
  const out: ContextSwitch[] = [];
  for (let s = 1; s < schedule.length; s++) {
    const from = names[schedule[s - 1]!]!;
    const to = names[schedule[s]!]!;
    if (from === to) continue;
    const runsAgain = schedule.slice(s).some((id) => names[id] === from);
    const last = [...recs].reverse().find((r) => r.task === from && r.step < s && r.kind !== "note");
    const stopped = last !== undefined && (last.kind === "contend" || last.kind === "cpuRelax" || last.kind === "done");
    out.push({ step: s, from, to, preemption: runsAgain && !stopped });
  }
  return out;
}

// ---------------------------------------------------------------------------------
// The table

/** One row of a replayed race: which task ran, at which site of which mirror file, and what happened. */
export interface RaceTableRow {
  step: number;
  task: string;
  /** The effect's site, e.g. "followPfnmapStart: pmdp_get_lockless". */
  site: string;
  /** Kernel function the site belongs to (from the step's call stack, scenarios/mm/mirrors.ts), or "". */
  kernelFn: string;
  /** Our model's source file, with the line when the trace captured it ("src/mm/follow.ts:201"), or "". */
  mirrorFile: string;
  /** What the step did, in words. */
  what: string;
  /** The sanitizer's verdicts made during this step ("lookup stale-pfn: ..."), joined by "; ". */
  verdict: string;
  /** A context switch to this task happens at this step: "preemption" or "switch", else "". */
  switchIn: string;
}

/** The replayed race as table rows, one per scheduling step (notes folded into the verdict column). */
export function raceTable(trace: RaceTrace): RaceTableRow[] {
  const switches = new Map(contextSwitches(trace).map((c) => [c.step, c]));
  const rows: RaceTableRow[] = [];
  const mirrors = mirrorsOfTrace(trace.report.trace);
  for (const [i, r] of trace.report.trace.entries()) {
    if (r.kind === "note") {
      const n = sanitizerEventOf(r);
      const row = rows[rows.length - 1];
      if (!row || !n) continue;
      const v = `${n.kind === "retry" ? "retried" : `${n.kind}${n.outcome ? ` ${n.outcome}` : ""}`}: ${n.detail}`;
      row.verdict = row.verdict ? `${row.verdict}; ${v}` : v;
      continue;
    }
    if (r.kind === "done") {
      const row = rows[rows.length - 1];
      if (row && row.task === r.task)
        row.what += `, then returns${r.text ? ` (${r.text.replace(/^returned /, "")})` : ""}`;
      continue;
    }
    const m = mirrors[i];
    const sw = switches.get(r.step);
    rows.push({
      step: r.step,
      task: r.task,
      site: r.site,
      kernelFn: m?.fn ?? "",
      mirrorFile: r.at ?? m?.file ?? "",
      what: describeRecord(r),
      verdict: "",
      switchIn: sw ? (sw.preemption ? "preemption" : "switch") : "",
    });
  }
  return rows;
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/**
 * The rows as a markdown table (for tslab's display.markdown). Preemptions are marked
 * with ⚡ in the step column, verdicts other than ok in bold.
 */
export function raceTableMarkdown(rows: readonly RaceTableRow[], opts: { maxSite?: number } = {}): string {
  if (!Array.isArray(rows)) throw new Error("raceTableMarkdown: rows must be an array of RaceTableRow (see raceTable)");
  const max = opts.maxSite ?? 70;
  const head =
    "| step | task | site in our mirror | mirror line (kernel function) | what happened | sanitizer |\n|---:|---|---|---|---|---|";
  const body = rows.map((r) => {
    const step = r.switchIn === "preemption" ? `⚡ ${r.step}` : String(r.step);
    const file = r.mirrorFile ? `\`${r.mirrorFile}\` (${r.kernelFn})` : "";
    const bad = /(stale-pfn|use-after-free|misuse)/.test(r.verdict);
    const verdict = r.verdict ? (bad ? `**${cell(r.verdict)}**` : cell(r.verdict)) : "";
    return `| ${step} | ${cell(r.task)} | \`${cell(clip(r.site, max))}\` | ${cell(file)} | ${cell(r.what)} | ${verdict} |`;
  });
  return [head, ...body].join("\n");
}

/** The rows as fixed-width text (for console.log and tests). */
export function raceTableText(rows: readonly RaceTableRow[], opts: { maxSite?: number } = {}): string {
  const max = opts.maxSite ?? 60;
  const tw = Math.max(4, ...rows.map((r) => r.task.length));
  return rows
    .map((r) => {
      const mark = r.switchIn === "preemption" ? "*" : " ";
      const verdict = r.verdict ? `  => ${r.verdict}` : "";
      return `${mark}${String(r.step).padStart(3)} ${r.task.padEnd(tw)} ${clip(r.site, max).padEnd(max)} ${r.mirrorFile.padEnd(42)} ${r.what}${verdict}`;
    })
    .join("\n");
}

/**
 * The rows as a rich table (html + text/plain): step (⚡ marks a preemption), task, site,
 * mirror line, what happened, sanitizer verdict; rows with a bug verdict in bold.
 * `showRaceTable` displays it in a notebook; `raceTableBundle` returns it.
 */
export function raceTableBundle(
  rows: readonly RaceTableRow[],
  opts: { maxSite?: number; caption?: string } = {},
): TableBundle {
  if (!Array.isArray(rows)) throw new Error("showRaceTable: rows must be an array of RaceTableRow (see raceTable)");
  const max = opts.maxSite ?? 60;
  const shown = rows.map((r) => ({
    step: r.switchIn === "preemption" ? `⚡${r.step}` : String(r.step),
    task: r.task,
    site: clip(r.site, max),
    mirror: r.mirrorFile ? `${r.mirrorFile}${r.kernelFn ? ` (${r.kernelFn})` : ""}` : "",
    what: r.what,
    verdict: r.verdict,
  }));
  return tableBundle(shown, {
    caption: opts.caption,
    columns: [
      { key: "step", align: "right", nowrap: true, width: "6%" },
      { key: "task", width: "8%" },
      { key: "site", header: "site in our mirror", code: true, width: "23%" },
      { key: "mirror", header: "mirror line (kernel function)", code: true, width: "22%" },
      { key: "what", header: "what happened", width: "16%" },
      { key: "verdict", header: "sanitizer", width: "25%" },
    ],
    emphasize: (r) => /(stale-pfn|use-after-free|misuse)/.test(r.verdict),
  });
}

/** Displays raceTable rows as a table (see raceTableBundle). */
export function showRaceTable(
  rows: readonly RaceTableRow[],
  opts: { maxSite?: number; caption?: string } = {},
): TableBundle | undefined {
  return displayBundle(raceTableBundle(rows, opts));
}

// ---------------------------------------------------------------------------------
// The step chart

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
    g.text.push(clip(shortSite(r.site, r.task) || describeRecord(r), maxLabel));
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

// ---------------------------------------------------------------------------------
// Outcome classes per caller

/** Classes from mild to severe: a schedule counts once, as the most severe class it showed. */
export const SEVERITY: readonly string[] = [...PFN_OUTCOMES, "deadlock", "livelock", "crash"];

/** The most severe of a run's outcome classes (unknown classes rank above the known ones, by name). */
export function worstOutcomeOf(outcomes: readonly string[]): string {
  if (!Array.isArray(outcomes) || outcomes.length === 0)
    throw new Error("worstOutcomeOf: outcomes must be a non-empty array");
  const rank = (c: string) => {
    const i = SEVERITY.indexOf(c);
    return i >= 0 ? i : SEVERITY.length;
  };
  return [...outcomes].sort((a, b) => rank(b) - rank(a) || a.localeCompare(b))[0]!;
}

/** compareCallers' row plus the counts explore() gives (a schedule may count in several classes there). */
export interface OutcomeTally extends Omit<CallerOutcomes, "outcomes"> {
  /** Schedules per class, each schedule counted once as its most severe class (the partition the bars stack). */
  outcomes: Record<string, number>;
  /** Schedules in which each class occurred (what explore() and compareCallers report). */
  occurred: Record<string, number>;
  /** Replay string of the first schedule showing each class. */
  firstReplay: Record<string, string>;
}

export interface TallyOptions {
  /** Preemption bound (default 1). */
  preemptions?: number;
  params?: Record<string, ParamValue>;
  /** Stop after this many schedules (then `exhausted` is false). Default 20000. */
  limit?: number;
}

/**
 * Exhaustive DFS over one scenario (same schedules, same order as explore() with dfs)
 * recording, per schedule, its most severe class and every class it showed.
 */
export function tallyOutcomes(scenario: string, opts: TallyOptions = {}, caller = scenario): OutcomeTally {
  const fn = "tallyOutcomes";
  const bound = opts.preemptions ?? 1;
  if (!Number.isInteger(bound) || bound < 0)
    throw new Error(`${fn}: preemptions ${String(bound)} must be an integer >= 0`);
  const limit = opts.limit ?? 20000;
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`${fn}: limit ${String(limit)} must be a positive integer`);
  const outcomes: Record<string, number> = Object.fromEntries(PFN_OUTCOMES.map((k) => [k, 0]));
  const occurred: Record<string, number> = Object.fromEntries(PFN_OUTCOMES.map((k) => [k, 0]));
  const firstReplay: Record<string, string> = {};
  // The explorer runs the schedules (dfs, same order as explore()); we only tally each run.
  const r = explore(scenario, {
    strategy: "dfs",
    preemptions: bound,
    schedules: limit,
    params: opts.params ?? {},
    shrink: false,
    onRun: (report) => {
      const worst = worstOutcomeOf(report.outcomes);
      outcomes[worst] = (outcomes[worst] ?? 0) + 1;
      for (const c of report.outcomes) {
        occurred[c] = (occurred[c] ?? 0) + 1;
        if (!(c in firstReplay)) firstReplay[c] = report.replay;
      }
    },
  });
  const { params, schedules, exhausted } = r;
  const worstFailure = [...SEVERITY]
    .reverse()
    .find((c) => c !== "ok" && c !== "einval" && c !== "retried" && firstReplay[c]);
  return {
    caller,
    scenario: r.scenario,
    params,
    schedules,
    exhausted,
    outcomes,
    occurred,
    firstReplay,
    replay: worstFailure ? firstReplay[worstFailure]! : null,
  };
}

export interface WorstOutcomesOptions {
  preemptions?: number;
  /** Params for every case (default COMPARE_DEFAULTS: leaf pte, variant fixed, reset-bar, no refault). */
  common?: Record<string, ParamValue>;
  /** Default CALLER_CASES (the callers compareCallers compares). */
  cases?: readonly CallerCase[];
}

/** tallyOutcomes for each caller case: compareCallers' comparison with each schedule counted once. */
export function worstOutcomes(opts: WorstOutcomesOptions = {}): OutcomeTally[] {
  const common = { ...COMPARE_DEFAULTS, ...(opts.common ?? {}) };
  return (opts.cases ?? CALLER_CASES).map((c) =>
    tallyOutcomes(c.scenario, { preemptions: opts.preemptions ?? 1, params: { ...common, ...c.params } }, c.caller),
  );
}

/** Cases of one scenario over a grid of params, e.g. follow-vs-zap for every (variant, leaf). */
export function paramGridCases(
  scenario: string,
  grid: Record<string, readonly ParamValue[]>,
  label?: (p: Record<string, ParamValue>) => string,
): CallerCase[] {
  const keys = Object.keys(grid);
  let combos: Record<string, ParamValue>[] = [{}];
  for (const k of keys) {
    const vals = grid[k]!;
    if (!Array.isArray(vals) || vals.length === 0)
      throw new Error(`paramGridCases: grid.${k} must be a non-empty array of values`);
    combos = combos.flatMap((c) => vals.map((v) => ({ ...c, [k]: v })));
  }
  return combos.map((params) => ({
    caller: label ? label(params) : keys.map((k) => String(params[k])).join(" · "),
    scenario,
    params,
  }));
}

export interface CallerOutcomeBarsOptions {
  title?: string;
  groupAxis?: string;
  percent?: boolean;
}

/**
 * Stacked bars, one per caller, from tallyOutcomes/worstOutcomes (each schedule once, as
 * its worst class). Rows from compareCallers work too, but there a schedule can count in
 * several classes, so a bar's height is not the number of schedules.
 */
export function callerOutcomeBars(
  rows: readonly Pick<CallerOutcomes, "caller" | "outcomes">[],
  opts: CallerOutcomeBarsOptions = {},
): PlotlyFigure {
  if (!Array.isArray(rows) || rows.length === 0)
    throw new Error("callerOutcomeBars: rows must be a non-empty array of { caller, outcomes }");
  const groups = rows.map((r, i) => {
    if (typeof r.caller !== "string") throw new Error(`callerOutcomeBars: rows[${i}].caller must be a string`);
    // Drop classes no caller showed, so the legend lists only what happened.
    return { group: r.caller, counts: { ...r.outcomes } as Record<string, number> };
  });
  const seen = new Set(
    groups.flatMap((g) =>
      Object.entries(g.counts)
        .filter(([, v]) => v > 0)
        .map(([k]) => k),
    ),
  );
  for (const g of groups) for (const k of Object.keys(g.counts)) if (!seen.has(k)) delete g.counts[k];
  const fig = outcomeBars({
    groups,
    title: opts.title ?? "Outcome per schedule, by caller (worst class of each schedule)",
    countOf: "schedules",
    groupAxis: opts.groupAxis ?? "caller",
    percent: opts.percent,
  });
  fig.layout.width = Math.min(MAX_FIGURE_WIDTH, Math.max(760, 110 * rows.length + 260));
  // Caller names wrap under their bar (tilted labels ran into the axis title): as many
  // characters a line as a bar slot holds at ~6.3 px a character.
  const slot = ((fig.layout.width as number) - 70 - 20 - 140) / rows.length;
  const perLine = Math.max(8, Math.floor(slot / 6.3));
  const names = groups.map((g) => g.group);
  fig.layout.xaxis = {
    ...(fig.layout.xaxis as object),
    tickangle: 0,
    automargin: true,
    tickmode: "array",
    tickvals: names,
    ticktext: names.map((n) => wrapWords(n, perLine, 3).join("<br>")),
  };
  fig.layout.margin = { l: 70, r: 20, t: 60, b: 60 };
  return fig;
}
