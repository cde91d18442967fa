/**
 * One run of a scenario: fresh state from `setup`, tasks spawned in order, a driver
 * (a chooser for controlled runs, or the timed event loop), then classification.
 */
import type { ParamValues, RunReport, Scenario } from "../scenario";
import { failuresOf } from "../scenario";
import type { CostModel } from "../cost-model";
import { Scheduler } from "../scheduler";
import type { Chooser } from "../scheduler";
import { formatReplay } from "./replay-string";

export interface RunOptions {
  costs?: Partial<CostModel>;
  livelockBound?: number;
  /** Record the trace (default true). */
  trace?: boolean;
}

export type { RunReport };

/** Builds a fresh run of the scenario: the scheduler with the tasks spawned. */
export function prepareRun(scenario: Scenario, params: ParamValues, opts: RunOptions = {}) {
  const run = scenario.setup(params);
  if (!run || !Array.isArray(run.tasks) || run.tasks.length === 0) {
    throw new Error(`scenario ${scenario.name}: setup() returned no tasks`);
  }
  const sched = new Scheduler({
    costs: { ...(run.costs ?? {}), ...(opts.costs ?? {}) },
    ...(run.checker ? { checker: run.checker } : {}),
    ...((opts.livelockBound ?? run.livelockBound) !== undefined
      ? { livelockBound: opts.livelockBound ?? run.livelockBound }
      : {}),
    trace: opts.trace ?? true,
  });
  for (const spec of run.tasks) sched.spawn(spec);
  return { run, sched };
}

/** Classifies a finished run and packs the report. */
export function finishRun(scenario: Scenario, params: ParamValues, prepared: ReturnType<typeof prepareRun>): RunReport {
  const { run, sched } = prepared;
  const end = sched.end();
  const found: string[] = [];
  const add = (c: string): void => {
    if (!found.includes(c)) found.push(c);
  };
  for (const c of run.classify(end)) add(c);
  const events = run.events ? [...new Set(run.events())] : [];
  if (end.status === "deadlock") add("deadlock");
  if (end.status === "livelock") add("livelock");
  if (end.violations.length > 0) add("misuse");
  if (end.crashed.some((c) => !c.byChecker)) add("crash");
  if (found.length === 0) add("ok");
  const fails = failuresOf(scenario);
  const failures = found.filter((c) => fails.includes(c));
  const prefix = sched.replayPrefix();
  const report: RunReport = {
    scenario: scenario.name,
    params,
    outcomes: found,
    events,
    failures,
    failed: failures.length > 0,
    end,
    schedule: [...sched.schedule],
    preemptions: sched.preemptions,
    prefixSteps: prefix.length,
    replay: formatReplay(scenario, params, prefix),
    trace: sched.trace,
    lockStat: sched.lockStat,
    taskNames: sched.tasks.map((t) => t.name),
  };
  if (run.describe) report.state = run.describe();
  return report;
}

/** A controlled run with the given chooser. */
export function runControlled(
  scenario: Scenario,
  params: ParamValues,
  choose: Chooser,
  opts: RunOptions = {},
): RunReport {
  const prepared = prepareRun(scenario, params, opts);
  prepared.sched.run(choose);
  return finishRun(scenario, params, prepared);
}

/** A timed run: earliest simulated time first. */
export function runTimedOnce(scenario: Scenario, params: ParamValues, opts: RunOptions = {}): RunReport {
  const prepared = prepareRun(scenario, params, opts);
  prepared.sched.runTimed();
  return finishRun(scenario, params, prepared);
}

/**
 * A chooser that follows `prefix` (task indices) and then the default. Strict: a listed
 * task that cannot run is an error (the replay does not belong to this scenario/params).
 * Lenient (for shrinking): such a step takes the default instead.
 */
export function prefixChooser(prefix: readonly number[], strict: boolean, names?: () => string[]): Chooser {
  return (ctx) => {
    if (ctx.step < prefix.length) {
      const want = prefix[ctx.step]!;
      const t =
        ctx.eligible.find((x) => x.id === want) ??
        (ctx.prev?.id === want && ctx.prev.state === "runnable" ? ctx.prev : undefined);
      if (t) return t;
      if (strict) {
        const n = names?.()[want];
        throw new Error(
          `step ${ctx.step} wants task ${want < 26 ? String.fromCharCode(97 + want) : `[${want}]`}${n ? ` (${n})` : ""}, ` +
            `which cannot run there (runnable: ${ctx.eligible.map((x) => `${String.fromCharCode(97 + x.id)}=${x.name}`).join(", ")}); ` +
            `the replay string does not match this scenario and params`,
        );
      }
    }
    return ctx.defaultTask;
  };
}
