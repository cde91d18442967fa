/**
 * Single runs by name or object: `replay` (one schedule exactly, with its trace), `simulate`
 * (one timed run), and the trace as printed lines.
 */
import type { ParamValue, Scenario } from "../scenario";
import { resolveParams } from "../scenario";
import { getScenario } from "../scenario-registry";
import type { CostModel } from "../cost-model";
import { formatTraceLines } from "../trace";
import { describeLivelock } from "../deadlock";
import { parseReplay } from "./replay-string";
import { finishRun, prefixChooser, prepareRun, runTimedOnce } from "./runner";
import type { RunOptions, RunReport } from "./runner";

/** A scenario given as itself or by its registered name. */
export function resolveScenario(s: Scenario | string): Scenario {
  return typeof s === "string" ? getScenario(s) : s;
}

/** The trace of a run as lines, with the end (deadlock cycle, livelock, outcomes) appended. */
export function traceLines(r: RunReport): string[] {
  const w = Math.max(4, ...r.taskNames.map((n) => n.length));
  const lines = formatTraceLines(r.trace, w);
  if (r.end.deadlock) lines.push(`deadlock: ${r.end.deadlock.cycle}`);
  if (r.end.livelock) lines.push(`livelock: ${describeLivelock(r.end.livelock)}`);
  for (const v of r.end.violations) lines.push(`${v.rule}: ${v.message}`);
  if (r.events.length > 0) lines.push(`events: ${r.events.join(", ")}`);
  lines.push(`outcomes: ${r.outcomes.join(", ")}`);
  return lines;
}

export interface ReplayOptions {
  /** Params besides those in the replay string (must not contradict them). */
  params?: Record<string, ParamValue | undefined>;
  costs?: Partial<CostModel> | undefined;
  livelockBound?: number | undefined;
}

/** Re-runs the schedule named by `replayString` exactly, with the trace. */
export function replay(scenarioOrName: Scenario | string, replayString: string, opts: ReplayOptions = {}): RunReport {
  const scenario = resolveScenario(scenarioOrName);
  const extra: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(opts.params ?? {})) if (v !== undefined) extra[k] = v;
  const parsed = parseReplay(scenario, replayString, extra);
  const runOpts: RunOptions = { trace: true };
  if (opts.costs) runOpts.costs = opts.costs;
  if (opts.livelockBound !== undefined) runOpts.livelockBound = opts.livelockBound;
  const prepared = prepareRun(scenario, parsed.params, runOpts);
  prepared.sched.run(prefixChooser(parsed.schedule, true, () => prepared.sched.tasks.map((t) => t.name)));
  return finishRun(scenario, parsed.params, prepared);
}

export interface SimulateOptions {
  params?: Record<string, ParamValue | undefined>;
  costs?: Partial<CostModel>;
  livelockBound?: number;
}

/** One timed run: every task's next effect runs at its own simulated time, earliest first. */
export function simulate(scenarioOrName: Scenario | string, opts: SimulateOptions = {}): RunReport {
  const scenario = resolveScenario(scenarioOrName);
  const params = resolveParams(scenario, opts.params ?? {});
  const runOpts: RunOptions = { trace: true };
  if (opts.costs) runOpts.costs = opts.costs;
  if (opts.livelockBound !== undefined) runOpts.livelockBound = opts.livelockBound;
  return runTimedOnce(scenario, params, runOpts);
}
