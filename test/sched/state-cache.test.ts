import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DfsStrategy } from "../../src/sched/explore/dfs";
import { explore } from "../../src/sched/explore/explorer";
import { conflicts, footprintOf, type Footprint } from "../../src/sched/explore/footprint";
import { formatProgress, type ExploreProgress } from "../../src/sched/explore/progress";
import { finishRun, prepareRun } from "../../src/sched/explore/runner";
import { listScenarios } from "../../src/scenarios/registry";
import { resolveParams, type Scenario } from "../../src/scenarios/scenario";
import "../../src/scenarios/index";
import { leafOp, toyOp, toyProgram, toyScenario } from "./toy-program";

/**
 * Brute force, independent of state-cache.ts: run every schedule (plain dfs, no bound) and
 * key every prefix that still has a step to take by its Mazurkiewicz trace (each task's
 * step count, and the order of every pair of conflicting steps). Without symmetry the cache
 * must see exactly these states.
 */
function bruteForcePrefixStates(s: Scenario): { states: number; outcomes: Set<string> } {
  const p = resolveParams(s, {});
  const dfs = new DfsStrategy(Infinity);
  const keys = new Set<string>();
  const outcomes = new Set<string>();
  for (let n = 0; ; n++) {
    const prepared = prepareRun(s, p, { trace: false });
    const choose = dfs.nextRun(n, prepared.sched.tasks.length);
    if (!choose) break;
    const events: { task: number; n: number; fp: Footprint }[] = [];
    const perTask = new Map<number, number>();
    const order: string[] = [];
    prepared.sched.run((ctx) => {
      const key = `${[...perTask].sort((a, b) => a[0] - b[0]).join(";")}|${[...order].sort().join(",")}`;
      keys.add(key);
      const t = choose(ctx);
      const k = (perTask.get(t.id) ?? 0) + 1;
      perTask.set(t.id, k);
      const fp = footprintOf(t, prepared.sched, false);
      for (const e of events) if (e.task !== t.id && conflicts(e.fp, fp)) order.push(`${e.task}.${e.n}<${t.id}.${k}`);
      events.push({ task: t.id, n: k, fp });
      return t;
    });
    for (const o of finishRun(s, p, prepared).outcomes) outcomes.add(o);
  }
  return { states: keys.size, outcomes };
}

/** Small enough for brute force over every prefix of every schedule. */
const smallToyProgram = fc.array(fc.array(toyOp, { minLength: 1, maxLength: 2 }), { minLength: 2, maxLength: 3 });

function classes(r: { outcomes: Record<string, number> }): string[] {
  return Object.keys(r.outcomes).sort();
}

describe("state cache: known state counts", () => {
  it("k tasks of n independent steps: (n+1)^k - 1 states (each task's progress; the end state has no step to take)", () => {
    for (const [tasks, steps] of [
      [2, 3],
      [3, 3],
      [4, 4],
    ] as const) {
      const r = explore("interleave", { preemptions: Infinity, cache: true, params: { tasks, steps } });
      expect(r.exhausted).toBe(true);
      expect(r.states).toBe((steps + 1) ** tasks - 1);
      expect(classes(r)).toEqual(["ok"]);
    }
  });

  it("follow-vs-zap, whole space: 149 states for one lookup (v6.12), 1,483 for two (fixed, lookups swapped count once)", () => {
    const one = explore("follow-vs-zap", { preemptions: Infinity, cache: true, params: { variant: "v6.12" } });
    expect(one.states).toBe(149);
    expect(one.schedules).toBe(10);
    const two = explore("follow-vs-zap", {
      preemptions: Infinity,
      cache: true,
      params: { variant: "fixed", lookups: 2 },
    });
    expect(two.states).toBe(1483);
    expect(two.firstFailure).toBeNull();
  }, 300_000);

  it("random toy programs: exactly the states of brute force (one per trace prefix), the same outcome classes and first failure as plain dfs", () => {
    fc.assert(
      fc.property(smallToyProgram, (prog) => {
        const s = toyScenario(prog);
        const brute = bruteForcePrefixStates(s);
        const plain = explore(s, { preemptions: Infinity, schedules: 1e6 });
        const r = explore(s, { preemptions: Infinity, cache: true, symmetry: false, schedules: 1e6 });
        expect(r.exhausted).toBe(true);
        expect(r.states).toBe(brute.states);
        expect(classes(r)).toEqual([...brute.outcomes].sort());
        expect(classes(r)).toEqual(classes(plain));
        expect(r.firstFailure?.replay ?? null).toBe(plain.firstFailure?.replay ?? null);
        expect(r.schedules + r.pruned).toBeLessThanOrEqual(plain.schedules);
      }),
      { seed: 1616, numRuns: 25 },
    );
  }, 300_000);

  it("random toy programs under preemption bounds 0-2: the same outcome classes and first failure as plain dfs at that bound", () => {
    fc.assert(
      fc.property(toyProgram, fc.integer({ min: 0, max: 2 }), (prog, bound) => {
        const s = toyScenario(prog);
        const plain = explore(s, { preemptions: bound, schedules: 1e6 });
        const r = explore(s, { preemptions: bound, cache: true, schedules: 1e6 });
        expect(r.exhausted).toBe(true);
        expect(classes(r)).toEqual(classes(plain));
        expect(r.firstFailure?.replay ?? null).toBe(plain.firstFailure?.replay ?? null);
      }),
      { seed: 1617, numRuns: 40 },
    );
  });

  it("random symmetric toy programs (2-3 copies of one task): symmetry keeps every outcome class and the first failure, with no more states", () => {
    fc.assert(
      fc.property(
        fc.array(leafOp, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 2, max: 3 }),
        fc.boolean(),
        (ops, copies, locked) => {
          if (locked) ops = [{ op: "locked", lock: 0, inner: ops.slice(0, 2) }];
          const s = toyScenario(
            Array.from({ length: copies }, () => ops),
            true,
          );
          const plain = explore(s, { preemptions: Infinity, schedules: 1e6 });
          const sym = explore(s, { preemptions: Infinity, cache: true, symmetry: true, schedules: 1e6 });
          const all = explore(s, { preemptions: Infinity, cache: true, symmetry: false, schedules: 1e6 });
          expect(classes(sym)).toEqual(classes(plain));
          expect(sym.firstFailure?.replay ?? null).toBe(plain.firstFailure?.replay ?? null);
          expect(sym.states!).toBeLessThanOrEqual(all.states!);
        },
      ),
      { seed: 1618, numRuns: 40 },
    );
  });
});

describe("state cache finds what plain dfs finds on every scenario", () => {
  const CAP = 3000;
  for (const s of listScenarios()) {
    it(`${s.name}: same outcome classes and first failure (shrunk) at bounds 0, 1, 2 and unbounded (where plain dfs finishes)`, () => {
      let compared = 0;
      for (const bound of [0, 1, 2, Infinity]) {
        const plain = explore(s, { preemptions: bound, schedules: CAP });
        if (!plain.exhausted) continue;
        const r = explore(s, { preemptions: bound, cache: true, schedules: CAP });
        expect(r.exhausted, `bound ${bound}`).toBe(true);
        expect(classes(r), `bound ${bound}`).toEqual(classes(plain));
        expect(r.firstFailure?.replay ?? null, `bound ${bound}`).toBe(plain.firstFailure?.replay ?? null);
        expect(r.firstFailure?.failure ?? null).toBe(plain.firstFailure?.failure ?? null);
        expect(r.schedules).toBeLessThanOrEqual(plain.schedules);
        compared++;
      }
      expect(compared).toBeGreaterThan(0);
    }, 300_000);
  }

  it("follow-vs-zap with 2 lookups at bound 2: same classes and first failure as the 2,642 plain schedules, in fewer runs", () => {
    const plain = explore("follow-vs-zap", { preemptions: 2, params: { lookups: 2 } });
    const r = explore("follow-vs-zap", { preemptions: 2, cache: true, params: { lookups: 2 } });
    expect(plain.schedules).toBe(2642);
    expect(classes(r)).toEqual(classes(plain));
    expect(r.firstFailure!.replay).toBe(plain.firstFailure!.replay);
    expect(r.schedules + r.pruned).toBeLessThan(plain.schedules);
  }, 300_000);

  it("follow-vs-zap with 2 lookups, whole space: the same classes as dpor, the fix proved, symmetry merging states without changing the first failure", () => {
    for (const variant of ["v6.12", "fixed"]) {
      const o = { preemptions: Infinity, params: { variant, lookups: 2 } };
      const dpor = explore("follow-vs-zap", { ...o, reduction: "dpor" });
      const sym = explore("follow-vs-zap", { ...o, cache: true });
      const all = explore("follow-vs-zap", { ...o, cache: true, symmetry: false });
      expect(sym.exhausted && all.exhausted).toBe(true);
      expect(classes(sym)).toEqual(classes(dpor));
      expect(classes(all)).toEqual(classes(dpor));
      expect(sym.firstFailure?.replay ?? null).toBe(all.firstFailure?.replay ?? null);
      expect(sym.firstFailure?.replay ?? null).toBe(dpor.firstFailure?.replay ?? null);
      expect(sym.states!).toBeLessThan(all.states!);
      if (variant === "fixed") expect(sym.firstFailure).toBeNull();
    }
  }, 300_000);

  it("rejects the cache with random/pct or together with dpor, naming the options", () => {
    expect(() => explore("lost-update", { strategy: "random", cache: true })).toThrow(/cache needs strategy dfs/);
    expect(() => explore("lost-update", { reduction: "dpor", cache: true })).toThrow(/cache with reduction dpor/);
  });

  it("progress reports the states explored and their rate, and the line shows them", () => {
    const seen: ExploreProgress[] = [];
    const r = explore("lost-update", {
      preemptions: Infinity,
      cache: true,
      onProgress: (p) => seen.push(p),
      progressMs: 0,
    });
    const last = seen[seen.length - 1]!;
    expect(last.states).toBe(r.states);
    expect(last.pruned).toBe(r.pruned);
    expect(formatProgress({ ...last, elapsedMs: 2000, stateRate: 5 })).toContain(`${r.states} states (5/s)`);
    const plain: ExploreProgress[] = [];
    explore("lost-update", { preemptions: Infinity, onProgress: (p) => plain.push(p), progressMs: 0 });
    expect(plain[plain.length - 1]!.states).toBeNull();
    expect(formatProgress(plain[plain.length - 1]!)).not.toContain("states");
  });
});
