/**
 * race-scaling: follow-vs-zap with N = 1..8 concurrent lookups (-p lookups=N), the
 * whole space of both variants (v6.12 and fixed), explored by our dfs with partial-order
 * reduction (dpor) and verified by Spin with partial order reduction on a Promela model
 * parameterised by N (promela/follow-vs-zap-n.pml), in the same run.
 *
 * Per N and variant: our schedules (one per Mazurkiewicz trace) and time, Spin's states
 * and pan time (compile time apart), the growth per added lookup of each, and the
 * verdict (a stale pfn found or not). A disagreement between the two verdicts fails the
 * benchmark. Each of our explorations gets a budget of 60 s (wall clock, the benchmark's
 * only use of it besides timing): the N reached within it is compared with Spin's.
 *
 * Goals (from issue 16): reach at least Spin-with-POR's N within 60 s; prove the fixed
 * variant safe at N = 4 in under 5 s.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { explore, type ExploreResult } from "../sched/explore/explorer";
import "../scenarios/index";
import { projectRoot } from "../runner/execute";
import { nowMs, row, type BenchOptions, type BenchReport, type BenchRow, type Benchmark } from "./harness";
import { findTool, runSpin, type SpinRun } from "./spin";

export const PROMELA_N_MODEL = join(projectRoot, "src", "bench", "promela", "follow-vs-zap-n.pml");
export const BUDGET_MS = 60_000;
const VARIANTS = ["fixed", "v6.12"] as const;

export interface OursAtN {
  result: ExploreResult;
  ms: number;
  /** Stopped by the time budget before covering the space. */
  outOfTime: boolean;
}

/** Budget of the state-cache rows: the same as dpor's (each search gets the whole budget per N). */
export const CACHE_BUDGET_MS = BUDGET_MS;

/** The whole space of follow-vs-zap with `lookups` lookups, reduced (dpor) or cached, within `budgetMs`. */
export function exploreLookups(
  lookups: number,
  variant: string,
  budgetMs = BUDGET_MS,
  how: "dpor" | "cache" = "dpor",
): OursAtN {
  const t0 = nowMs();
  const result = explore("follow-vs-zap", {
    strategy: "dfs",
    preemptions: Infinity,
    ...(how === "dpor" ? { reduction: "dpor" as const } : { cache: true }),
    schedules: 1e9,
    shrink: false,
    params: { lookups, variant },
    stop: () => nowMs() - t0 > budgetMs,
  });
  return { result, ms: nowMs() - t0, outOfTime: !result.exhausted };
}

/** The entries that have a value (bench rows' extra holds no nulls). */
function compact(o: Record<string, string | number | boolean | null>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(o)) if (v !== null) out[k] = v;
  return out;
}

interface SpinAtN {
  run: SpinRun;
  /** The verdict run (assertion on): errors > 0 means a stale pfn. */
  stale: boolean;
}

function spinAt(n: number, variant: string, spin: string, gcc: string, reps: number): SpinAtN {
  const defines = [`N=${n}`, `FIXED=${variant === "fixed" ? 1 : 0}`];
  // The whole space with the assertion ignored (-A), then the verdict with it.
  const run = runSpin(PROMELA_N_MODEL, spin, gcc, { modelDefines: defines, panArgs: ["-w22", "-A"], reps });
  const verdict = runSpin(PROMELA_N_MODEL, spin, gcc, { modelDefines: defines, panArgs: ["-w22"] });
  return { run, stale: verdict.pan.errors > 0 };
}

export const raceScalingBenchmark: Benchmark = {
  name: "race-scaling",
  description: "follow-vs-zap with N = 1..8 lookups, whole space, fixed and v6.12: our dfs with dpor vs Spin with POR",
  run(opts: BenchOptions): BenchReport {
    const rows: BenchRow[] = [];
    const notes: string[] = [];
    const maxN = opts.quick ? 2 : 8;
    const budget = opts.quick ? 10_000 : BUDGET_MS;
    const spin = findTool("spin");
    const gcc = findTool("gcc") ?? findTool("cc");
    if (!existsSync(PROMELA_N_MODEL)) throw new Error(`race-scaling: Promela model ${PROMELA_N_MODEL} is missing`);
    if (!spin || !gcc)
      notes.push(
        `${spin ? "gcc" : "spin"} not found: our side only (install Debian's spin and gcc for the comparison)`,
      );
    // Per variant, the largest N whose whole space each side covered within the budget.
    const reached: Record<string, { ours: number; spin: number }> = {
      fixed: { ours: 0, spin: 0 },
      "v6.12": { ours: 0, spin: 0 },
    };
    const prev: Record<string, { schedules: number; states: number } | undefined> = {};
    const outOfTime = new Set<string>();
    let fixedAt4: OursAtN | null = null;
    const spinStale = new Map<string, boolean>();
    for (let n = 1; n <= maxN; n++) {
      for (const variant of VARIANTS) {
        let ours: OursAtN | null = null;
        if (!outOfTime.has(variant)) {
          opts.log(`race-scaling: ours lookups=${n} ${variant}`);
          ours = exploreLookups(n, variant, budget);
          if (ours.outOfTime) outOfTime.add(variant);
        }
        let sp: SpinAtN | null = null;
        if (spin && gcc) {
          opts.log(`race-scaling: spin lookups=${n} ${variant}`);
          sp = spinAt(n, variant, spin, gcc, opts.quick ? 1 : Math.min(opts.reps, 3));
        }
        const oursStale = ours?.result.exhausted ? (ours.result.outcomes["stale-pfn"] ?? 0) > 0 : null;
        if (sp && oursStale !== null && oursStale !== sp.stale) {
          throw new Error(
            `race-scaling: Spin and the explorer disagree on follow-vs-zap lookups=${n} variant=${variant}: ` +
              `stale pfn ours=${oursStale} spin=${sp.stale}; the Promela model no longer matches the scenario`,
          );
        }
        const expectStale = variant === "v6.12";
        if (oursStale !== null && oursStale !== expectStale)
          throw new Error(`race-scaling: ours says stale=${oursStale} for ${variant} at N=${n}`);
        const r = reached[variant]!;
        if (ours?.result.exhausted && ours.ms <= budget) r.ours = Math.max(r.ours, n);
        if (sp && Math.min(...sp.run.panMs) <= budget) r.spin = Math.max(r.spin, n);
        if (sp) spinStale.set(`${n} ${variant}`, sp.stale);
        if (n === 4 && variant === "fixed") fixedAt4 = ours;
        const key = variant;
        const p = prev[key];
        const schedules = ours?.result.exhausted ? ours.result.schedules : null;
        const states = sp ? sp.run.pan.statesStored : null;
        const panMs = sp ? sp.run.panMs.reduce((a, b) => Math.min(a, b), Infinity) : null;
        const extra = compact({
          lookups: n,
          variant,
          oursSchedules: ours ? ours.result.schedules : null,
          oursExhausted: ours ? ours.result.exhausted : null,
          oursMs: ours ? Math.round(ours.ms) : null,
          oursSteps: ours ? ours.result.steps : null,
          oursSchedulesPerSec: ours ? Math.round((ours.result.schedules * 1000) / Math.max(1, ours.ms)) : null,
          oursStepsPerSec: ours ? Math.round((ours.result.steps * 1000) / Math.max(1, ours.ms)) : null,
          oursVerdict: oursStale === null ? "not reached" : oursStale ? "stale pfn" : "safe",
          oursGrowth: p && schedules !== null && p.schedules > 0 ? +(schedules / p.schedules).toFixed(2) : null,
          spinStates: states,
          spinTransitions: sp ? sp.run.pan.transitions : null,
          spinPanMs: panMs,
          spinCompileMs: sp ? Math.round(sp.run.spinMs + sp.run.gccMs) : null,
          spinVerdict: sp ? (sp.stale ? "stale pfn" : "safe") : null,
          spinGrowth: p && states !== null && p.states > 0 ? +(states / p.states).toFixed(2) : null,
        });
        prev[key] = { schedules: schedules ?? 0, states: states ?? 0 };
        if (ours) {
          rows.push(
            row("race-scaling", `lookups=${n} ${variant}: ours (dpor, whole space)`, "ms", [ours.ms], {
              ...(panMs !== null && ours.result.exhausted
                ? { ratio: panMs / ours.ms, ratioOf: "pan time / ours (>1: ours faster)" }
                : {}),
              extra,
            }),
          );
        } else {
          notes.push(
            `lookups=${n} ${variant}: ours not run (a smaller N already used up the ${budget / 1000} s budget)`,
          );
        }
        if (sp)
          rows.push(row("race-scaling", `lookups=${n} ${variant}: spin (POR, pan)`, "ms", sp.run.panMs, { extra }));
      }
    }
    const dporReached = { fixed: reached.fixed!.ours, "v6.12": reached["v6.12"]!.ours };
    // dfs with the state cache (no partial-order reduction): states, runs and their rates.
    const cacheBudget = Math.min(budget, CACHE_BUDGET_MS);
    const cacheReached: Record<string, number> = {};
    const prevStates: Record<string, number> = {};
    for (const variant of VARIANTS) {
      for (let n = 1; n <= maxN; n++) {
        opts.log(`race-scaling: ours+cache lookups=${n} ${variant}`);
        const c = exploreLookups(n, variant, cacheBudget, "cache");
        const stale = (c.result.outcomes["stale-pfn"] ?? 0) > 0;
        if (c.result.exhausted && stale !== (variant === "v6.12"))
          throw new Error(`race-scaling: dfs+cache says stale=${stale} for ${variant} at N=${n}`);
        const spinSays = spinStale.get(`${n} ${variant}`);
        if (c.result.exhausted && spinSays !== undefined && spinSays !== stale)
          throw new Error(
            `race-scaling: Spin and the explorer (dfs + state cache) disagree on follow-vs-zap lookups=${n} variant=${variant}: stale pfn ours=${stale} spin=${spinSays}`,
          );
        const states = c.result.states ?? 0;
        const runs = c.result.schedules + c.result.pruned;
        rows.push(
          row("race-scaling", `lookups=${n} ${variant}: ours (dfs + state cache, whole space)`, "ms", [c.ms], {
            extra: compact({
              lookups: n,
              variant,
              exhausted: c.result.exhausted,
              states,
              runs,
              schedules: c.result.schedules,
              foreseen: c.result.foreseen ?? null,
              statesPerSec: Math.round((states * 1000) / Math.max(1, c.ms)),
              runsPerSec: Math.round((runs * 1000) / Math.max(1, c.ms)),
              stepsPerSec: Math.round((c.result.steps * 1000) / Math.max(1, c.ms)),
              stateGrowth:
                c.result.exhausted && prevStates[variant] ? +(states / prevStates[variant]!).toFixed(2) : null,
              verdict: c.result.exhausted ? (stale ? "stale pfn" : "safe") : "not reached",
            }),
          }),
        );
        prevStates[variant] = states;
        if (!c.result.exhausted) break;
        cacheReached[variant] = n;
        if (c.ms <= budget) reached[variant]!.ours = Math.max(reached[variant]!.ours, n);
      }
    }
    notes.push(
      `dfs + state cache within ${cacheBudget / 1000} s: N = ${cacheReached.fixed ?? 0} (fixed), ${cacheReached["v6.12"] ?? 0} (v6.12); ` +
        "a state is each task's steps with the values they read, the page-table entries by value and the lock queues (up to swapping lookups); " +
        "alternatives predicted to reach an explored state are not run (foreseen), and invisible steps (touching nothing another task touches) are explored alone",
    );
    if (spin && gcc) {
      for (const variant of VARIANTS) {
        const r = reached[variant]!;
        rows.push(
          row(
            "race-scaling",
            `largest N with the whole space covered in the budget (${variant})`,
            "lookups",
            [r.ours],
            {
              goal: `>= Spin with POR (${r.spin})`,
              met: r.ours >= r.spin,
              extra: {
                ours: r.ours,
                oursDpor: dporReached[variant],
                oursCache: cacheReached[variant] ?? 0,
                spin: r.spin,
                budgetMs: budget,
              },
            },
          ),
        );
      }
    }
    if (!opts.quick) {
      const ms = fixedAt4 ? fixedAt4.ms : Infinity;
      rows.push(
        row("race-scaling", "fixed variant proved safe at N=4", "ms", [ms], {
          goal: "< 5000 ms",
          met: !!fixedAt4 && fixedAt4.result.exhausted && ms < 5000,
          extra: compact({ schedules: fixedAt4?.result.schedules ?? null }),
        }),
      );
    }
    notes.push(
      "ours: stateless dfs with source-set DPOR and sleep sets, one schedule per Mazurkiewicz trace, each re-run from setup; " +
        "Spin: stateful search with POR in compiled C (states stored). Growth = count at N / count at N-1.",
    );
    return { name: "race-scaling", description: this.description, rows, notes, seconds: 0 };
  },
};
