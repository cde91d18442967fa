/**
 * Outcome classes per caller from exhaustive exploration, each schedule counted once as
 * its most severe class (the partition display/race-figures.ts' callerOutcomeBars stacks).
 * The explorer runs the schedules; its onRun hook hands each run's report to the tally.
 */
import { PFN_OUTCOMES } from "../../checks/sanitizer";
import { explore } from "../../sched/explore/explorer";
import type { ParamValue } from "../../sched/scenario";
import { CALLER_CASES, COMPARE_DEFAULTS, type CallerCase, type CallerOutcomes } from "./compare";

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
