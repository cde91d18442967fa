import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DfsStrategy } from "../../src/sched/explore/dfs";
import { explore } from "../../src/sched/explore/explorer";
import { conflicts, footprintOf, type Footprint } from "../../src/sched/explore/footprint";
import { finishRun, prepareRun } from "../../src/sched/explore/runner";
import { listScenarios } from "../../src/scenarios/registry";
import { resolveParams, type Scenario } from "../../src/scenarios/scenario";
import "../../src/scenarios/index";
import { leafOp, toyProgram, toyScenario } from "./toy-program";

/**
 * The number of Mazurkiewicz traces, counted by brute force: run every schedule (plain
 * DFS, no bound), record each step's task and footprint, and key a schedule by the order
 * it puts every pair of conflicting steps in. Independent of dpor.ts.
 */
function bruteForceTraces(
  s: Scenario<any>,
  params: Record<string, string | number | boolean> = {},
): { traces: number; schedules: number; outcomes: Set<string> } {
  const p = resolveParams(s, params);
  const dfs = new DfsStrategy(Infinity);
  const keys = new Set<string>();
  const outcomes = new Set<string>();
  let schedules = 0;
  for (;;) {
    const prepared = prepareRun(s, p, { trace: false });
    const choose = dfs.nextRun(schedules, prepared.sched.tasks.length);
    if (!choose) break;
    const events: { task: number; n: number; fp: Footprint }[] = [];
    const perTask = new Map<number, number>();
    let afterRelax = false;
    prepared.sched.run((ctx) => {
      const t = choose(ctx);
      const n = (perTask.get(t.id) ?? 0) + 1;
      perTask.set(t.id, n);
      events.push({ task: t.id, n, fp: footprintOf(t, prepared.sched, afterRelax) });
      afterRelax = t.pending?.kind === "cpuRelax";
      return t;
    });
    const report = finishRun(s, p, prepared);
    dfs.finished();
    schedules++;
    for (const o of report.outcomes) outcomes.add(o);
    const order: string[] = [];
    for (let i = 0; i < events.length; i++) {
      for (let j = i + 1; j < events.length; j++) {
        const a = events[i]!;
        const b = events[j]!;
        if (a.task !== b.task && conflicts(a.fp, b.fp)) order.push(`${a.task}.${a.n}<${b.task}.${b.n}`);
      }
    }
    keys.add(
      `${events
        .map((e) => `${e.task}.${e.n}`)
        .sort()
        .join(",")}|${order.sort().join(",")}`,
    );
  }
  return { traces: keys.size, schedules, outcomes };
}

function classes(r: { outcomes: Record<string, number> }): string[] {
  return Object.keys(r.outcomes).sort();
}

describe("dpor: one schedule per Mazurkiewicz trace", () => {
  it("tasks whose steps touch nothing shared are one trace, whatever the number of tasks and steps", () => {
    for (const [tasks, steps] of [
      [2, 3],
      [3, 4],
      [4, 5],
    ] as const) {
      // Plain dfs: (tasks*steps)! / (steps!)^tasks schedules (90 for 2x3... 11.7e9 for 4x5).
      const r = explore("interleave", { preemptions: Infinity, reduction: "dpor", params: { tasks, steps } });
      expect(r.schedules).toBe(1);
      expect(r.exhausted).toBe(true);
    }
  });

  it("lost-update with two tasks has 4 traces (the two loads commute; each store orders against the other task's load and store)", () => {
    const r = explore("lost-update", { preemptions: Infinity, reduction: "dpor" });
    expect(r.schedules).toBe(4);
    expect(bruteForceTraces(listScenarios().find((s) => s.name === "lost-update")!).traces).toBe(4);
    expect(classes(r)).toEqual(["lost-update", "ok"]);
  });

  it("locked-counter with two tasks has 4 traces: who locks first, and whether the other contends or finds the lock free", () => {
    const r = explore("locked-counter", { preemptions: Infinity, reduction: "dpor" });
    expect(r.schedules).toBe(4);
    const plain = explore("locked-counter", { preemptions: Infinity });
    expect(plain.schedules).toBe(8);
  });

  it("random toy programs: dpor runs exactly as many schedules as there are traces and finds the same outcome classes as every schedule", () => {
    fc.assert(
      fc.property(toyProgram, (prog) => {
        const s = toyScenario(prog);
        const brute = bruteForceTraces(s);
        const r = explore(s, { preemptions: Infinity, reduction: "dpor", schedules: 1e6 });
        expect(r.exhausted).toBe(true);
        expect(r.schedules).toBe(brute.traces);
        expect(classes(r)).toEqual([...brute.outcomes].sort());
      }),
      { seed: 16, numRuns: 30 },
    );
  });

  it("random symmetric toy programs (2-3 copies of one task): dpor with symmetry finds every outcome class of every schedule", () => {
    fc.assert(
      fc.property(
        fc.array(leafOp, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 2, max: 3 }),
        fc.boolean(),
        (ops, copies, locked) => {
          // Brute force stays small: at most 3 copies of 3 accesses, optionally in one lock section.
          if (locked) ops = [{ op: "locked", lock: 0, inner: ops.slice(0, 2) }];
          const s = toyScenario(
            Array.from({ length: copies }, () => ops),
            true,
          );
          const brute = bruteForceTraces(s);
          const r = explore(s, { preemptions: Infinity, reduction: "dpor", schedules: 1e6 });
          expect(classes(r)).toEqual([...brute.outcomes].sort());
          expect(r.schedules).toBeLessThanOrEqual(brute.traces);
        },
      ),
      { seed: 1616, numRuns: 40 },
    );
  });

  it("random toy programs under preemption bounds 0-2: the same outcome classes as plain dfs at the same bound", () => {
    fc.assert(
      fc.property(toyProgram, fc.integer({ min: 0, max: 2 }), (prog, bound) => {
        const s = toyScenario(prog);
        const plain = explore(s, { preemptions: bound, schedules: 1e6 });
        const r = explore(s, { preemptions: bound, reduction: "dpor", schedules: 1e6 });
        expect(r.exhausted).toBe(true);
        expect(classes(r)).toEqual(classes(plain));
        expect(r.schedules).toBeLessThanOrEqual(plain.schedules);
      }),
      { seed: 1612, numRuns: 40 },
    );
  });

  it("follow-vs-zap with one lookup: 5 traces among the 33,229 schedules of the whole space, and dpor runs exactly those 5", () => {
    const s = listScenarios().find((x) => x.name === "follow-vs-zap")!;
    const brute = bruteForceTraces(s, { variant: "v6.12" });
    expect(brute.schedules).toBe(33229);
    // The zap's clear conflicts only with the lookup's reads of that pmd entry and its use of the pfn.
    expect(brute.traces).toBe(5);
    const r = explore(s, { preemptions: Infinity, reduction: "dpor", params: { variant: "v6.12" } });
    expect(r.schedules).toBe(5);
    expect(classes(r)).toEqual([...brute.outcomes].sort());
  }, 300_000);
});

describe("dpor finds what plain dfs finds on every scenario", () => {
  // Every registered scenario with its default params, at every bound where plain dfs
  // covers the space within the cap: same outcome classes, same first failure (shrunk).
  const CAP = 3000;
  for (const s of listScenarios()) {
    it(`${s.name}: same outcome classes and first failure at bounds 0, 1, 2 and unbounded (where plain dfs finishes)`, () => {
      let compared = 0;
      for (const bound of [0, 1, 2, Infinity]) {
        const plain = explore(s, { preemptions: bound, schedules: CAP });
        if (!plain.exhausted) continue;
        const r = explore(s, { preemptions: bound, reduction: "dpor", schedules: CAP });
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

  it("follow-vs-zap with 2 and 3 lookups: the whole space proves the fix and finds the v6.12 stale pfn", () => {
    for (const lookups of [2, 3]) {
      const bug = explore("follow-vs-zap", {
        preemptions: Infinity,
        reduction: "dpor",
        shrink: false,
        params: { variant: "v6.12", lookups },
      });
      const fixed = explore("follow-vs-zap", {
        preemptions: Infinity,
        reduction: "dpor",
        shrink: false,
        params: { variant: "fixed", lookups },
      });
      expect(bug.exhausted && fixed.exhausted).toBe(true);
      expect(bug.outcomes["stale-pfn"]).toBeGreaterThan(0);
      expect(fixed.firstFailure).toBeNull();
      expect(classes(fixed)).toEqual(["einval", "ok"]);
    }
  }, 300_000);

  it("symmetry (interchangeable lookups) changes neither the outcome classes nor the first failure, with fewer schedules", () => {
    for (const lookups of [2, 3]) {
      for (const variant of ["v6.12", "fixed"]) {
        const o = { preemptions: Infinity, reduction: "dpor" as const, params: { variant, lookups } };
        const sym = explore("follow-vs-zap", o);
        const all = explore("follow-vs-zap", { ...o, symmetry: false });
        expect(classes(sym)).toEqual(classes(all));
        expect(sym.firstFailure?.replay ?? null).toBe(all.firstFailure?.replay ?? null);
        expect(sym.schedules).toBeLessThan(all.schedules);
      }
    }
  }, 300_000);

  it("follow-vs-zap with 2 lookups at bound 2: same classes and first failure as the 2,642 plain schedules", () => {
    const plain = explore("follow-vs-zap", { preemptions: 2, params: { lookups: 2 } });
    const r = explore("follow-vs-zap", { preemptions: 2, reduction: "dpor", params: { lookups: 2 } });
    expect(plain.schedules).toBe(2642);
    expect(classes(r)).toEqual(classes(plain));
    expect(r.firstFailure!.replay).toBe(plain.firstFailure!.replay);
  }, 300_000);

  it("rejects a reduction with random or pct, naming the option", () => {
    expect(() => explore("lost-update", { strategy: "random", reduction: "dpor" })).toThrow(
      /reduction dpor needs strategy dfs/,
    );
    expect(() => explore("lost-update", { reduction: "bogus" as never })).toThrow(/unknown reduction 'bogus'/);
  });
});
