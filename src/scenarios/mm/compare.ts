/**
 * Helpers for notebooks: outcome counts per caller from exhaustive exploration (for a
 * stacked-bar figure), and a replayed race as a step-by-step list saying, for each step,
 * which task ran and where in our mirror of the kernel it was.
 */
import { PFN_OUTCOMES, type PfnOutcome } from "../../checks/sanitizer";
import { explore, replay, type ExploreResult } from "../../sched/explore/explorer";
import type { RunReport } from "../../sched/explore/runner";
import type { TraceKind } from "../../sched/trace";
import { withCallSites } from "../../sched/call-site";
import type { ParamValue } from "../scenario";
import { type MirrorLocation, mirrorsOfTrace } from "./mirrors";

export type { MirrorLocation } from "./mirrors";

/** One caller of the comparison: which scenario runs it with which params. */
export interface CallerCase {
  caller: string;
  scenario: string;
  params: Record<string, ParamValue>;
}

/** The callers compared by default, each in the same world (same leaf, zap and release). */
export const CALLER_CASES: readonly CallerCase[] = [
  { caller: "follow (start/use/end)", scenario: "follow-vs-zap", params: {} },
  { caller: "s390 MMIO", scenario: "s390-mmio-vs-zap", params: {} },
  { caller: "x86 PAT", scenario: "x86-pat-vs-zap", params: {} },
  { caller: "generic_access_phys", scenario: "generic-access-phys-vs-zap", params: {} },
  { caller: "KVM", scenario: "kvm-vs-zap", params: {} },
  { caller: "VFIO type1", scenario: "vfio-type1-vs-zap", params: { notifier: "none" } },
  { caller: "VFIO + interval notifier", scenario: "vfio-type1-vs-zap", params: { notifier: "interval" } },
  { caller: "naive follow_pte", scenario: "naive-follow-pte-vs-zap", params: { api: "follow_pte" } },
];

export interface CompareOptions {
  /** Preemption bound of the exhaustive search (default 1). */
  preemptions?: number;
  /** Params given to every caller's scenario (default: leaf pte, variant fixed, zap unmap_mapping_range, release reset-bar, refault false). */
  common?: Record<string, ParamValue>;
  /** Which callers (default CALLER_CASES). */
  cases?: readonly CallerCase[];
}

export interface CallerOutcomes {
  caller: string;
  scenario: string;
  params: Record<string, ParamValue>;
  schedules: number;
  exhausted: boolean;
  /** Schedules in which each class occurred (every class present, 0 when never). */
  outcomes: Record<PfnOutcome, number>;
  /** Replay string of the worst failure found, or null. */
  replay: string | null;
}

export const COMPARE_DEFAULTS: Readonly<Record<string, ParamValue>> = Object.freeze({
  leaf: "pte",
  variant: "fixed",
  zap: "unmap_mapping_range",
  release: "reset-bar",
  refault: false,
});

/** Explore every caller exhaustively (dfs) and count the outcome classes per caller. */
export function compareCallers(opts: CompareOptions = {}): CallerOutcomes[] {
  const preemptions = opts.preemptions ?? 1;
  const common = { ...COMPARE_DEFAULTS, ...(opts.common ?? {}) };
  return (opts.cases ?? CALLER_CASES).map((c) => {
    const params = { ...common, ...c.params };
    const r: ExploreResult = explore(c.scenario, { strategy: "dfs", preemptions, params });
    const outcomes = Object.fromEntries(PFN_OUTCOMES.map((k) => [k, r.outcomes[k] ?? 0])) as Record<PfnOutcome, number>;
    return {
      caller: c.caller,
      scenario: c.scenario,
      params,
      schedules: r.schedules,
      exhausted: r.exhausted,
      outcomes,
      replay: r.firstFailure?.replay ?? null,
    };
  });
}

/** One scheduling step of a replayed race. */
export interface RaceStep {
  step: number;
  /** Simulated ns. */
  time: number;
  task: string;
  kind: TraceKind;
  /** The effect's site, e.g. "followPfnmapStart: pmdp_get_lockless". */
  site: string;
  mirror: MirrorLocation | null;
  /** The line of our model the task was at, e.g. "src/mm/follow.ts:201". */
  line?: string;
  lock?: string;
  text?: string;
}

export interface RaceTrace {
  scenario: string;
  replay: string;
  preemptions: number;
  outcomes: string[];
  steps: RaceStep[];
  /** The scenario's final state (sanitizer verdicts included). */
  state: string;
  report: RunReport;
}

/** Replay `replayString` and list its steps with task, site and mirror location. */
export function raceTrace(scenario: string, replayString: string, params: Record<string, ParamValue> = {}): RaceTrace {
  // Replayed with call sites captured, so every step names the line of our mirror.
  const r = withCallSites(() => replay(scenario, replayString, { params }), { stacks: true });
  const mirrors = mirrorsOfTrace(r.trace);
  const steps: RaceStep[] = r.trace
    .map((t, i) => ({ t, mirror: mirrors[i] ?? null }))
    .filter(({ t }) => t.kind !== "done")
    .map(({ t, mirror }) => {
      const s: RaceStep = { step: t.step, time: t.time, task: t.task, kind: t.kind, site: t.site, mirror };
      if (t.at !== undefined) s.line = t.at;
      if (t.lock !== undefined) s.lock = t.lock;
      if (t.text !== undefined) s.text = t.text;
      return s;
    });
  return {
    scenario,
    replay: r.replay,
    preemptions: r.preemptions,
    outcomes: r.outcomes,
    steps,
    state: r.state ?? "",
    report: r,
  };
}
