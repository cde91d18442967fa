/**
 * What explore() takes and returns (explorer.ts): the options, every one documented with
 * its default, and the result.
 */
import type { ParamValue, ParamValues } from "../scenario";
import type { RunReport } from "./runner";
import type { CostModel } from "../cost-model";
import type { ExploreProgress } from "./progress";

export type StrategyName = "random" | "pct" | "dfs";
export const STRATEGIES: readonly StrategyName[] = ["random", "pct", "dfs"];

export interface ExploreOptions {
  /** Default "dfs". */
  strategy?: StrategyName;
  /** Seed of random and PCT (default 0). */
  seed?: number | string;
  /** Maximum schedules to run (default: the scenario's exploreSchedules, else 1000 for random/pct, 100000 for dfs). */
  schedules?: number;
  /** Preemption bound of dfs (default 2; Infinity for none). */
  preemptions?: number;
  /** PCT depth d (default 3). */
  depth?: number;
  /** Scenario params: typed values or strings as on the command line. */
  params?: Record<string, ParamValue | undefined>;
  costs?: Partial<CostModel>;
  livelockBound?: number;
  /** Stop at the first failing schedule (default false: count every outcome). The reported failure is the first run of the failure class listed first in the scenario's `failures`. */
  stopAtFirstFailure?: boolean;
  /** Shrink the first failure before reporting it (default true). */
  shrink?: boolean;
  /**
   * Partial-order reduction of dfs: "none" (default) runs every schedule; "dpor" runs one
   * schedule per class of schedules that differ only in the order of independent steps
   * (dpor.ts), which finds the same outcome classes in far fewer runs.
   */
  reduction?: ReductionName;
  /**
   * State caching for dfs (state-cache.ts): a run stops at a state an earlier run reached
   * with at least as many preemptions left, and an alternative known to lead to such a
   * state is not run at all. Same outcome classes and first failure as plain dfs, far fewer
   * runs; works with any preemption bound, not with reduction "dpor". Default false.
   */
  cache?: boolean;
  /**
   * With `cache`: check every prediction dfs follows against the state the run then
   * reaches, and throw on a difference (a self-test of the predictor; slower). Default false.
   */
  verifyPredictions?: boolean;
  /**
   * With `cache` and no preemption bound: explore a step alone when it only reads cells no
   * task writes (invisible.ts), which keeps every outcome in far fewer states. Default true.
   */
  invisibleSteps?: boolean;
  /**
   * Skip schedules that only swap tasks the scenario declares interchangeable
   * (TaskSpec.symmetry): with reduction "dpor" and no preemption bound, when they are in
   * the same local state; with `cache`, by keying states up to swapping them (default true).
   */
  symmetry?: boolean;
  /** Called about every `progressMs` (default 500) of wall time while exploring, and once at the end. */
  onProgress?: (p: ExploreProgress) => void;
  progressMs?: number;
  /** Asked before every schedule: true stops the exploration there (a time budget, a stop button). */
  stop?: () => boolean;
  /** Called with the report of every schedule run, in order (tallies of one's own, e.g. tallyOutcomes). */
  onRun?: (report: RunReport) => void;
}

export type ReductionName = "none" | "dpor";
export const REDUCTIONS: readonly ReductionName[] = ["none", "dpor"];

export interface FailureReport {
  /** Replay string of the (shrunk) failing schedule. */
  replay: string;
  /** Its trace, one formatted line per record. */
  trace: string[];
  outcomes: string[];
  /** The failure class that was kept while shrinking. */
  failure: string;
  preemptions: number;
  steps: number;
  deadlock: string | null;
  livelock: string | null;
  violations: string[];
  /** The schedule as first found, before shrinking. */
  found: { replay: string; preemptions: number; schedule: number };
  /** Runs spent shrinking. */
  shrinkRuns: number;
}

export interface ExploreResult {
  scenario: string;
  strategy: StrategyName;
  params: ParamValues;
  /** Schedules run (not counting shrinking). */
  schedules: number;
  /** True when dfs covered every schedule within the bound (never for random/pct). */
  exhausted: boolean;
  /** For each outcome class, the number of schedules in which it occurred (keys sorted). */
  outcomes: Record<string, number>;
  /** For each tallied event that is not a class (e.g. "lookup:stale-pfn"), the schedules in which it occurred (keys sorted). */
  events: Record<string, number>;
  firstFailure: FailureReport | null;
  preemptionBound: number | null;
  depth: number | null;
  seed: number | string;
  /** Longest run, in steps. */
  maxSteps: number;
  reduction: ReductionName;
  /** Why exploration stopped: the space was covered, the schedule cap was hit, or a failure was found (stopAtFirstFailure). */
  stoppedBy: "exhausted" | "cap" | "first-failure" | "stopped";
  /** The schedule cap in force. */
  cap: number;
  /** dpor or cache: runs cut short because all their continuations were covered elsewhere (not counted in `schedules`). */
  pruned: number;
  /** cache: distinct states explored (null without cache). */
  states: number | null;
  /** cache: of the pruned runs, the alternatives never started (predicted to reach an explored state; null without cache). */
  foreseen: number | null;
  /** Steps executed over all runs (the work done). */
  steps: number;
}
