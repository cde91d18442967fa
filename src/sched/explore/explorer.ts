/**
 * The public entry points of exploration:
 *  - `explore(scenario, opts)`: run many schedules (random, PCT or exhaustive DFS with a
 *    preemption bound), count outcome classes, shrink and report the first failure;
 *  - `replay(scenario, replayString)`: re-run one schedule exactly, with its trace;
 *  - `simulate(scenario, opts)`: one timed run (earliest event first) for lock_stat and
 *    timelines.
 * A scenario may be given as an object or by its registered name.
 */
import type { ParamValues, Scenario } from "../scenario";
import { failuresOf, resolveParams } from "../scenario";
import { describeLivelock } from "../deadlock";
import { DfsStrategy } from "./dfs";
import { DporStrategy, SleepBlocked } from "./dpor";
import { ProgressMeter } from "./progress";
import { StableCells, StableViolated } from "./invisible";
import { StateCache, StateCached } from "./state-cache";
import { PctStrategy } from "./pct";
import { RandomStrategy } from "./random";
import { finishRun, prepareRun, runControlled } from "./runner";
import type { RunOptions, RunReport } from "./runner";
import { shrinkFailure } from "./shrink";
import { replay, resolveScenario, traceLines } from "./single-run";
import type { Strategy } from "./strategy";
import { type ExploreOptions, type ExploreResult, type FailureReport, REDUCTIONS, STRATEGIES } from "./explore-options";

export type { ExploreOptions, ExploreResult, FailureReport, ReductionName, StrategyName } from "./explore-options";

/** The exact shape `pfnlab explore --json` prints. */
export function exploreJson(r: ExploreResult): {
  scenario: string;
  strategy: string;
  schedules: number;
  exhausted: boolean;
  outcomes: Record<string, number>;
  events: Record<string, number>;
  firstFailure: { replay: string; trace: string[] } | null;
} {
  return {
    scenario: r.scenario,
    strategy: r.strategy,
    schedules: r.schedules,
    exhausted: r.exhausted,
    outcomes: r.outcomes,
    events: r.events,
    firstFailure: r.firstFailure ? { replay: r.firstFailure.replay, trace: r.firstFailure.trace } : null,
  };
}

function positiveInt(what: string, v: number | undefined, dflt: number): number {
  const n = v ?? dflt;
  if (!(Number.isInteger(n) && n >= 1) && n !== Infinity)
    throw new Error(`explore: ${what} ${String(v)} must be an integer >= 1`);
  return n;
}

export function explore(scenarioOrName: Scenario | string, opts: ExploreOptions = {}): ExploreResult {
  // With the state cache and no preemption bound, invisible steps are explored alone
  // (invisible.ts); an exploration that took a cell to be stable and then saw it written
  // starts over, knowing it.
  const stable =
    opts.cache && opts.preemptions === Infinity && (opts.invisibleSteps ?? true) ? new StableCells() : null;
  for (;;) {
    try {
      return exploreOnce(scenarioOrName, opts, stable);
    } catch (e) {
      if (!(e instanceof StableViolated) || !stable) throw e;
      stable.restart();
    }
  }
}

function exploreOnce(
  scenarioOrName: Scenario | string,
  opts: ExploreOptions,
  stable: StableCells | null,
): ExploreResult {
  const scenario = resolveScenario(scenarioOrName);
  const strategyName = opts.strategy ?? "dfs";
  if (!STRATEGIES.includes(strategyName))
    throw new Error(`explore: unknown strategy '${String(strategyName)}' (known: ${STRATEGIES.join(", ")})`);
  const params = resolveParams(scenario, opts.params ?? {});
  const seed = opts.seed ?? 0;
  const limit = positiveInt(
    "schedules",
    opts.schedules,
    scenario.exploreSchedules ?? (strategyName === "dfs" ? 100000 : 1000),
  );
  const bound = opts.preemptions ?? 2;
  if (!(bound >= 0) || (bound !== Infinity && !Number.isInteger(bound)))
    throw new Error(`explore: preemptions ${bound} must be an integer >= 0`);
  const depth = positiveInt("depth", opts.depth, 3);
  const runOpts: RunOptions = { trace: false };
  if (opts.costs) runOpts.costs = opts.costs;
  if (opts.livelockBound !== undefined) runOpts.livelockBound = opts.livelockBound;

  const reduction = opts.reduction ?? "none";
  if (!REDUCTIONS.includes(reduction))
    throw new Error(`explore: unknown reduction '${String(reduction)}' (known: ${REDUCTIONS.join(", ")})`);
  if (reduction !== "none" && strategyName !== "dfs")
    throw new Error(`explore: reduction ${reduction} needs strategy dfs (got ${strategyName})`);
  if (opts.cache && strategyName !== "dfs") throw new Error(`explore: cache needs strategy dfs (got ${strategyName})`);
  if (opts.cache && reduction !== "none")
    throw new Error(
      `explore: cache with reduction ${reduction} is not supported (a sleep set pruned at a cached state can hide schedules); use one of them`,
    );
  const cache = opts.cache ? new StateCache(bound, opts.symmetry ?? true) : null;
  if (cache) {
    cache.verify = opts.verifyPredictions ?? false;
    cache.stable = stable;
  }
  const dpor = reduction === "dpor" ? new DporStrategy(bound, opts.symmetry ?? true) : null;
  const strategy: Strategy =
    dpor ??
    (strategyName === "dfs"
      ? new DfsStrategy(bound)
      : strategyName === "pct"
        ? new PctStrategy(seed, depth)
        : new RandomStrategy(seed));
  if (cache && strategy instanceof DfsStrategy)
    strategy.lookahead = {
      predict: (t) => cache.predict(t),
      covers: (key, left) => cache.covers(key, left),
      chose: (step, key) => cache.expect(step, key),
      solo: (ctx) => cache.solo(ctx),
    };
  const meter = opts.onProgress
    ? new ProgressMeter(
        opts.onProgress,
        limit,
        opts.progressMs ?? 500,
        strategyName === "dfs",
        () => strategy.coverage?.() ?? null,
        () => cache?.states ?? null,
        cache ? "state cache" : null,
      )
    : null;
  const cutRuns = (): number => dpor?.sleepBlocked ?? cache?.hits ?? 0;
  let totalSteps = 0;
  let stoppedBy: ExploreResult["stoppedBy"] = "cap";

  const counts = new Map<string, number>();
  const eventCounts = new Map<string, number>();
  // First failing run per failure class; the reported one is the class listed first in the
  // scenario's failures (e.g. a deadlock before the lockdep report that predicts it).
  const firstByClass = new Map<string, RunReport>();
  const failureOrder = failuresOf(scenario);
  let schedules = 0;
  let exhausted = false;
  let maxSteps = 0;
  while (schedules < limit) {
    if (opts.stop?.()) {
      stoppedBy = "stopped";
      break;
    }
    const prepared = prepareRun(scenario, params, runOpts);
    if (dpor)
      dpor.attach(
        prepared.sched,
        prepared.run.tasks.map((t) => t.symmetry),
      );
    const next = strategy.nextRun(schedules, prepared.sched.tasks.length);
    if (!next) {
      exhausted = true;
      break;
    }
    const choose = cache
      ? cache.wrap(
          next,
          prepared.sched,
          prepared.run.tasks.map((t) => t.symmetry),
          (strategy as DfsStrategy).branch + 1,
        )
      : next;
    if (cache) {
      try {
        prepared.sched.run(choose);
      } catch (e) {
        if (!(e instanceof StateCached)) throw e;
        if (stable?.violated) throw new StableViolated(stable.violated);
        totalSteps += prepared.sched.steps;
        meter?.tick(schedules, cache.hits, totalSteps, counts, false);
        continue;
      }
    } else if (dpor) {
      try {
        prepared.sched.run(choose);
      } catch (e) {
        if (!(e instanceof SleepBlocked)) throw e;
        totalSteps += prepared.sched.steps;
        dpor.finished();
        meter?.tick(schedules, dpor.sleepBlocked, totalSteps, counts, false);
        continue;
      }
    } else {
      prepared.sched.run(choose);
    }
    cache?.endRun();
    if (stable?.violated) throw new StableViolated(stable.violated);
    const report = finishRun(scenario, params, prepared);
    strategy.finished(report);
    schedules++;
    opts.onRun?.(report);
    totalSteps += report.end.steps;
    if (report.end.steps > maxSteps) maxSteps = report.end.steps;
    for (const c of report.outcomes) counts.set(c, (counts.get(c) ?? 0) + 1);
    for (const e of report.events) eventCounts.set(e, (eventCounts.get(e) ?? 0) + 1);
    meter?.tick(schedules, cutRuns(), totalSteps, counts, false);
    if (report.failed) {
      for (const c of report.failures) if (!firstByClass.has(c)) firstByClass.set(c, report);
      if (opts.stopAtFirstFailure) {
        stoppedBy = "first-failure";
        break;
      }
    }
  }
  // A dfs that ran exactly `limit` schedules may also have finished: ask for one more.
  if (!exhausted && (strategy instanceof DfsStrategy || dpor) && schedules === limit && stoppedBy === "cap") {
    if (dpor) dpor.attach(prepareRun(scenario, params, runOpts).sched);
    exhausted = strategy.nextRun(schedules, 0) === null;
  }
  if (exhausted) stoppedBy = "exhausted";
  meter?.tick(schedules, cutRuns(), totalSteps, counts, true, exhausted);

  let firstFailing: RunReport | null = null;
  let keep = "";
  for (const c of failureOrder) {
    const r = firstByClass.get(c);
    if (r) {
      firstFailing = r;
      keep = c;
      break;
    }
  }
  const outcomes: Record<string, number> = {};
  for (const k of [...counts.keys()].sort()) outcomes[k] = counts.get(k)!;
  const events: Record<string, number> = {};
  for (const k of [...eventCounts.keys()].sort()) events[k] = eventCounts.get(k)!;
  return {
    scenario: scenario.name,
    strategy: strategyName,
    params,
    schedules,
    exhausted,
    outcomes,
    events,
    firstFailure: firstFailing ? reportFailure(scenario, params, firstFailing, keep, opts, runOpts) : null,
    preemptionBound: strategyName === "dfs" ? bound : null,
    depth: strategyName === "pct" ? depth : null,
    seed,
    maxSteps,
    reduction,
    stoppedBy,
    cap: limit,
    pruned: cutRuns(),
    states: cache ? cache.states : null,
    foreseen: cache ? cache.foreseen : null,
    steps: totalSteps,
  };
}

function reportFailure(
  scenario: Scenario,
  params: ParamValues,
  found: RunReport,
  keep: string,
  opts: ExploreOptions,
  runOpts: RunOptions,
): FailureReport {
  let chosen = found;
  let shrinkRuns = 0;
  if (opts.shrink ?? true) {
    const s = shrinkFailure(scenario, params, found, keep, runOpts);
    chosen = s.report;
    shrinkRuns = s.runs;
  }
  // Replay the chosen schedule with the trace on.
  const full = replay(scenario, chosen.replay, { costs: runOpts.costs, livelockBound: runOpts.livelockBound });
  return {
    replay: full.replay,
    trace: traceLines(full),
    outcomes: full.outcomes,
    failure: keep,
    preemptions: full.preemptions,
    steps: full.end.steps,
    deadlock: full.end.deadlock?.cycle ?? null,
    livelock: full.end.livelock ? describeLivelock(full.end.livelock) : null,
    violations: full.end.violations.map(
      (v) => `${v.rule}: ${v.message} (at ${v.site}${v.task ? `, task ${v.task}` : ""})`,
    ),
    found: { replay: found.replay, preemptions: found.preemptions, schedule: found.schedule.length },
    shrinkRuns,
  };
}

export { runControlled };
export { replay, resolveScenario, simulate, traceLines } from "./single-run";
export type { ReplayOptions, SimulateOptions } from "./single-run";
