/**
 * exploration: schedules per second of exhaustive DFS at preemption bound 2 on the
 * lookup-vs-zap races (follow-vs-zap, vfio-type1-vs-zap, taken from the scenario
 * registry by name), and the same race in Spin: a Promela model of follow-vs-zap with
 * the same steps and scheduling points (promela/follow-vs-zap.pml), verified by
 * Debian's spin + gcc + pan in the same process tree, with and without partial order
 * reduction.
 *
 * The two tools count different things. The explorer is stateless (CHESS-style): it
 * re-runs the scenario from setup for every schedule and counts schedules (paths).
 * Spin stores states and counts states and transitions. So the comparison is made on
 * the whole space of the race (our DFS without a bound, Spin's full search) by time to
 * cover it, and the verdicts are cross-checked: both must find the stale pfn in the
 * v6.12 variant and neither in the fixed one.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { explore, type ExploreResult } from "../sched/explore/explorer";
import { hasScenario } from "../scenarios/registry";
import "../scenarios/index"; // registers every built-in scenario
import { projectRoot } from "../runner/execute";
import { median, nowMs, row, type BenchOptions, type BenchReport, type BenchRow, type Benchmark } from "./harness";
import { findTool, runSpin, type SpinRun } from "./spin";

export const RACE_SCENARIOS = ["follow-vs-zap", "vfio-type1-vs-zap"] as const;
/** Stands in for a race scenario that is not registered (so the benchmark still runs). */
export const FALLBACK_SCENARIO = "lost-update";
export const PROMELA_MODEL = join(projectRoot, "src", "bench", "promela", "follow-vs-zap.pml");
const BOUND = 2;
/** Cap on schedules per exploration (the unbounded search of a bigger race could run long). */
const LIMIT = 200_000;

export interface ExplorationSample {
  result: ExploreResult;
  ms: number;
}

/** One exhaustive DFS, timed (no shrinking: that is reporting, not exploring). */
export function timedExplore(
  name: string,
  bound: number,
  params: Record<string, string | number | boolean> = {},
): ExplorationSample {
  const t0 = nowMs();
  const result = explore(name, { strategy: "dfs", preemptions: bound, schedules: LIMIT, shrink: false, params });
  return { result, ms: nowMs() - t0 };
}

function exploreRow(
  kase: string,
  name: string,
  bound: number,
  reps: number,
  params: Record<string, string | number | boolean> = {},
  warm = false,
): { row: BenchRow; last: ExplorationSample } {
  if (warm) timedExplore(name, bound, params); // JIT warm-up, not counted
  const samples: ExplorationSample[] = [];
  for (let i = 0; i < reps; i++) samples.push(timedExplore(name, bound, params));
  const last = samples[samples.length - 1]!;
  const counts = new Set(samples.map((s) => s.result.schedules));
  if (counts.size !== 1)
    throw new Error(`exploration: ${name} gave different schedule counts across runs: ${[...counts].join(", ")}`);
  const r = row(
    "exploration",
    kase,
    "schedules/s",
    samples.map((s) => s.result.schedules / (s.ms / 1000)),
    {
      extra: {
        scenario: name,
        bound: bound === Infinity ? "none" : bound,
        schedules: last.result.schedules,
        exhausted: last.result.exhausted,
        ms: median(samples.map((s) => s.ms)),
        maxSteps: last.result.maxSteps,
        outcomes: JSON.stringify(last.result.outcomes),
      },
    },
  );
  // The result of the last run, with the median time of all of them.
  return { row: r, last: { result: last.result, ms: median(samples.map((s) => s.ms)) } };
}

function spinRows(
  opts: BenchOptions,
  ours: ExplorationSample,
  oursBound2: ExplorationSample,
  oursFixed: ExplorationSample,
  notes: string[],
): BenchRow[] {
  const space =
    ours.result.preemptionBound === Infinity ? "whole space" : `bound ${ours.result.preemptionBound} (quick)`;
  const spin = findTool("spin");
  const gcc = findTool("gcc") ?? findTool("cc");
  if (!spin) {
    notes.push("spin not found: install Debian's `spin` package to compare against Spin");
    return [];
  }
  if (!gcc) {
    notes.push("gcc not found: Spin's verifier (pan.c) needs a C compiler");
    return [];
  }
  if (!existsSync(PROMELA_MODEL)) throw new Error(`exploration: Promela model ${PROMELA_MODEL} is missing`);
  const reps = opts.reps;
  const por = runSpin(PROMELA_MODEL, spin, gcc, { reps });
  const noPor = runSpin(PROMELA_MODEL, spin, gcc, { reps, ccFlags: ["-DNOREDUCE"] });
  // The verdicts: with the assertion "no stale pfn", v6.12 must fail and the fix must hold.
  const bug = runSpin(PROMELA_MODEL, spin, gcc, { modelDefines: ["CHECK=1"] });
  const fixed = runSpin(PROMELA_MODEL, spin, gcc, { modelDefines: ["CHECK=1", "FIXED=1"] });
  const oursBug = (ours.result.outcomes["stale-pfn"] ?? 0) > 0;
  const oursFixedBug = (oursFixed.result.outcomes["stale-pfn"] ?? 0) > 0;
  const agree = oursBug === bug.pan.errors > 0 && oursFixedBug === fixed.pan.errors > 0;
  if (!agree) {
    throw new Error(
      `exploration: Spin and the explorer disagree on follow-vs-zap: stale pfn v6.12 ours=${oursBug} spin=${bug.pan.errors > 0}, ` +
        `fixed ours=${oursFixedBug} spin=${fixed.pan.errors > 0}; the Promela model no longer matches the scenario`,
    );
  }
  notes.push(
    `verdicts agree: stale pfn found in v6.12 by both (ours: ${ours.result.outcomes["stale-pfn"]} of ${ours.result.schedules} schedules; ` +
      `spin: assertion violated), none in the fixed variant by either`,
  );
  const oursMs = ours.ms;
  const mk = (kase: string, s: SpinRun): BenchRow[] => {
    const panMs = median(s.panMs);
    const states = s.pan.statesStored;
    const extra = {
      statesStored: states,
      transitions: s.pan.transitions,
      depth: s.pan.depth,
      spinAMs: s.spinMs,
      gccMs: s.gccMs,
      panMs,
      oursSchedules: ours.result.schedules,
      oursMs,
    };
    return [
      row(
        "exploration",
        `${kase}: pan run`,
        "states/s",
        s.panMs.map((ms) => states / (ms / 1000)),
        {
          extra,
        },
      ),
      // Time to cover the whole race: > 1 means the explorer is faster.
      row("exploration", `${kase}: pan run vs our DFS, ${space}`, "ms (pan)", s.panMs, {
        ratio: panMs / oursMs,
        ratioOf: "pan time / ours (>1: ours faster)",
        goal: "> 1 (faster than Spin)",
        met: panMs / oursMs > 1,
        extra,
      }),
      row(
        "exploration",
        `${kase}: spin -a + gcc + pan vs our DFS, ${space}`,
        "ms (spin+gcc+pan)",
        s.panMs.map((ms) => ms + s.spinMs + s.gccMs),
        {
          ratio: (panMs + s.spinMs + s.gccMs) / oursMs,
          ratioOf: "spin total / ours (>1: ours faster)",
          extra,
        },
      ),
      // Time to an answer: our bound-2 search already finds the bug (CHESS's argument for bounds).
      row(
        "exploration",
        `${kase}: spin -a + gcc + pan vs our bound-2 DFS`,
        "ms (spin+gcc+pan)",
        s.panMs.map((ms) => ms + s.spinMs + s.gccMs),
        {
          ratio: (panMs + s.spinMs + s.gccMs) / oursBound2.ms,
          ratioOf: "spin total / ours bound 2 (>1: ours faster)",
          extra: {
            ...extra,
            oursBound2Schedules: oursBound2.result.schedules,
            oursBound2Ms: oursBound2.ms,
            oursBound2StalePfn: oursBound2.result.outcomes["stale-pfn"] ?? 0,
          },
        },
      ),
    ];
  };
  return [...mk("spin follow-vs-zap (POR)", por), ...mk("spin follow-vs-zap (no POR)", noPor)];
}

export const explorationBenchmark: Benchmark = {
  name: "exploration",
  description: "exhaustive DFS schedules/s at preemption bound 2 on the lookup-vs-zap races, and Spin on the same race",
  run(opts: BenchOptions): BenchReport {
    const rows: BenchRow[] = [];
    const notes: string[] = [];
    const reps = opts.reps;
    const warm = !opts.quick;
    let bound2: ExplorationSample | null = null;
    for (const name of RACE_SCENARIOS) {
      const use = hasScenario(name) ? name : FALLBACK_SCENARIO;
      if (use !== name) notes.push(`${name} is not registered: measured ${FALLBACK_SCENARIO} in its place`);
      opts.log(`exploration: ${use} dfs bound ${BOUND}`);
      const r = exploreRow(`${use} dfs bound ${BOUND}`, use, BOUND, reps, {}, warm);
      rows.push(r.row);
      if (name === "follow-vs-zap" && use === name) bound2 = r.last;
    }
    if (bound2) {
      // The whole space (every interleaving) for the comparison with Spin; the quick
      // mode stays at bound 2 (the whole space takes seconds).
      let whole = bound2;
      if (!opts.quick) {
        opts.log("exploration: follow-vs-zap dfs without a bound");
        const w = exploreRow("follow-vs-zap dfs no bound", "follow-vs-zap", Infinity, Math.min(reps, 3));
        rows.push(w.row);
        whole = w.last;
      }
      const fixed = timedExplore("follow-vs-zap", opts.quick ? BOUND : Infinity, { variant: "fixed" });
      opts.log("exploration: spin");
      rows.push(...spinRows(opts, whole, bound2, fixed, notes));
    } else {
      notes.push("follow-vs-zap is not registered: the Spin comparison was skipped");
    }
    notes.push(
      "ours: stateless DFS re-runs the scenario from setup per schedule (counts paths); Spin: stateful search " +
        "(counts states, each expanded once) in a compiled C verifier",
    );
    return { name: "exploration", description: this.description, rows, notes, seconds: 0 };
  },
};
