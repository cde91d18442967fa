import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isValueCell, type ValueCell } from "../../src/sched/effect";
import { DfsStrategy } from "../../src/sched/explore/dfs";
import { explore } from "../../src/sched/explore/explorer";
import { conflicts, footprintOf, type Footprint } from "../../src/sched/explore/footprint";
import { formatProgress, type ExploreProgress } from "../../src/sched/explore/progress";
import { finishRun, prepareRun } from "../../src/sched/explore/runner";
import { listScenarios } from "../../src/scenarios/registry";
import { resolveParams, type Scenario } from "../../src/scenarios/scenario";
import "../../src/scenarios/index";
import { leafOp, type ToyOp, toyOp, toyProgram, toyScenario } from "./toy-program";

/**
 * Brute force, independent of state-cache.ts: run every schedule (plain dfs, no bound) and
 * key every prefix that still has a step to take three ways:
 *  - by the schedule itself: the cache's key is a function of it, so never more states;
 *  - by its Mazurkiewicz trace (each task's step count, and the order of every pair of
 *    conflicting steps): no more states either when nothing is written outside the locks
 *    that guard it (a lock's taker observes the guarded cells' values, which a write
 *    outside the lock can change without conflicting with the acquire);
 *  - by what it is, coarsely: each task's step count and scheduler state (with its place
 *    in a lock's queue) and the values of the cells. The cache's key determines all of
 *    that, so it never sees fewer states than these.
 */
function bruteForcePrefixStates(s: Scenario): {
  schedules: number;
  states: number;
  coarse: number;
  outcomes: Set<string>;
} {
  const p = resolveParams(s, {});
  const dfs = new DfsStrategy(Infinity);
  const keys = new Set<string>();
  const coarse = new Set<string>();
  const prefixes = new Set<string>();
  const outcomes = new Set<string>();
  for (let n = 0; ; n++) {
    const prepared = prepareRun(s, p, { trace: false });
    const sched = prepared.sched;
    const choose = dfs.nextRun(n, sched.tasks.length);
    if (!choose) break;
    const events: { task: number; n: number; fp: Footprint }[] = [];
    const perTask = new Map<number, number>();
    const order: string[] = [];
    const cells = new Set<ValueCell>();
    let prefix = "";
    sched.run((ctx) => {
      const key = `${[...perTask].sort((a, b) => a[0] - b[0]).join(";")}|${[...order].sort().join(",")}`;
      keys.add(key);
      prefixes.add(prefix);
      const tasks = sched.tasks.map((t) => {
        const p = t.pending;
        const queue =
          t.state === "blocked" && p && (p.kind === "acquire" || p.kind === "wake")
            ? sched.waitersOf(p.lock).findIndex((w) => w.task === t.name)
            : "";
        const woken = t.state === "runnable" && p?.kind === "wake" ? "w" : "";
        return `${perTask.get(t.id) ?? 0}${t.state}${woken}${queue}`;
      });
      const values = [...cells]
        .filter((c) => c.stateValue() !== 0)
        .map((c) => `${c.stateName()}=${c.stateValue()}`)
        .sort();
      coarse.add(`${tasks.join(" ")}|${values.join(",")}`);
      const t = choose(ctx);
      prefix += `${t.id},`;
      const k = (perTask.get(t.id) ?? 0) + 1;
      perTask.set(t.id, k);
      const fp = footprintOf(t, sched, false);
      for (const x of fp ?? []) if (isValueCell(x.cell)) cells.add(x.cell);
      for (const e of events) if (e.task !== t.id && conflicts(e.fp, fp)) order.push(`${e.task}.${e.n}<${t.id}.${k}`);
      events.push({ task: t.id, n: k, fp });
      return t;
    });
    for (const o of finishRun(s, p, prepared).outcomes) outcomes.add(o);
  }
  return { schedules: prefixes.size, states: keys.size, coarse: coarse.size, outcomes };
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
      const o = { preemptions: Infinity, cache: true, params: { tasks, steps } };
      const r = explore("interleave", { ...o, invisibleSteps: false });
      expect(r.exhausted).toBe(true);
      expect(r.states).toBe((steps + 1) ** tasks - 1);
      expect(classes(r)).toEqual(["ok"]);
      // Steps that touch nothing shared are invisible: one order of them is enough.
      const inv = explore("interleave", o);
      expect(inv.states).toBe(steps * tasks);
      expect(classes(inv)).toEqual(["ok"]);
    }
  });

  it("follow-vs-zap, whole space: 164 states for one lookup (v6.12), 1,524 for two (fixed, lookups swapped count once); 84 and 410 with invisible steps; every prediction right", () => {
    const one = { preemptions: Infinity, cache: true, params: { variant: "v6.12" }, verifyPredictions: true };
    const oneAll = explore("follow-vs-zap", { ...one, invisibleSteps: false });
    expect(oneAll.states).toBe(164);
    expect(oneAll.schedules).toBe(12);
    expect(explore("follow-vs-zap", one).states).toBe(84);
    const two = { preemptions: Infinity, cache: true, params: { variant: "fixed", lookups: 2 } };
    const twoAll = explore("follow-vs-zap", { ...two, invisibleSteps: false });
    expect(twoAll.states).toBe(1524);
    expect(twoAll.firstFailure).toBeNull();
    const twoInv = explore("follow-vs-zap", two);
    expect(twoInv.states).toBe(410);
    expect(twoInv.firstFailure).toBeNull();
  }, 300_000);

  it("random toy programs: between the coarse states and the schedule prefixes of brute force, the same outcome classes and first failure as plain dfs, every prediction right", () => {
    fc.assert(
      fc.property(smallToyProgram, (prog) => {
        const s = toyScenario(prog);
        const brute = bruteForcePrefixStates(s);
        const plain = explore(s, { preemptions: Infinity, schedules: 1e6 });
        const r = explore(s, {
          preemptions: Infinity,
          cache: true,
          symmetry: false,
          schedules: 1e6,
          verifyPredictions: true,
          invisibleSteps: false,
        });
        expect(r.exhausted).toBe(true);
        expect(r.states!).toBeLessThanOrEqual(brute.schedules);
        expect(r.states!).toBeGreaterThanOrEqual(brute.coarse);
        expect(classes(r)).toEqual([...brute.outcomes].sort());
        expect(classes(r)).toEqual(classes(plain));
        expect(r.firstFailure?.replay ?? null).toBe(plain.firstFailure?.replay ?? null);
        expect(r.schedules + r.pruned).toBeLessThanOrEqual(plain.schedules);
      }),
      { seed: 1616, numRuns: 25 },
    );
  }, 300_000);

  it("tasks that only take and drop locks: the cache forgets the order they took them in (one lock: exactly the coarse states; fewer than the trace prefixes from three tasks or two locks on)", () => {
    const lockOnly = (lock: number): ToyOp => ({ op: "locked", lock, inner: [] });
    for (const prog of [
      [[lockOnly(0)], [lockOnly(0)]],
      [[lockOnly(0)], [lockOnly(0)], [lockOnly(0)]],
      [
        [lockOnly(0), lockOnly(1)],
        [lockOnly(1), lockOnly(0)],
      ],
    ]) {
      const s = toyScenario(prog);
      const brute = bruteForcePrefixStates(s);
      const r = explore(s, {
        preemptions: Infinity,
        cache: true,
        symmetry: false,
        verifyPredictions: true,
        invisibleSteps: false,
      });
      if (prog[0]!.length === 1) expect(r.states).toBe(brute.coarse);
      // Two locks: a task that waited for its first lock and one that waited for its
      // second can stand at the same point with different histories (counted apart).
      else expect(r.states!).toBeGreaterThanOrEqual(brute.coarse);
      if (prog.length === 2 && prog[0]!.length === 1) expect(r.states).toBe(brute.states);
      else expect(r.states!).toBeLessThan(brute.states);
    }
  });

  it("random toy programs with invisible steps explored alone: the same outcome classes and first failure as plain dfs, in no more states", () => {
    fc.assert(
      fc.property(toyProgram, (prog) => {
        const s = toyScenario(prog);
        const plain = explore(s, { preemptions: Infinity, schedules: 1e6 });
        const o = { preemptions: Infinity, cache: true, schedules: 1e6, verifyPredictions: true } as const;
        const all = explore(s, { ...o, invisibleSteps: false });
        const inv = explore(s, o);
        expect(inv.exhausted).toBe(true);
        expect(classes(inv)).toEqual(classes(plain));
        expect(inv.firstFailure?.replay ?? null).toBe(plain.firstFailure?.replay ?? null);
        expect(inv.states!).toBeLessThanOrEqual(all.states!);
      }),
      { seed: 1619, numRuns: 60 },
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
    it(`${s.name}: same outcome classes and first failure (shrunk) at bounds 0, 1, 2 and unbounded (where plain dfs finishes), every prediction right`, () => {
      let compared = 0;
      for (const bound of [0, 1, 2, Infinity]) {
        const plain = explore(s, { preemptions: bound, schedules: CAP });
        if (!plain.exhausted) continue;
        const r = explore(s, { preemptions: bound, cache: true, schedules: CAP, verifyPredictions: true });
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
      // Plain dfs cannot finish here, so the first failure is compared by class: the
      // searches visit schedules in different orders.
      expect(sym.firstFailure?.failure ?? null).toBe(all.firstFailure?.failure ?? null);
      expect(sym.firstFailure?.failure ?? null).toBe(dpor.firstFailure?.failure ?? null);
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
