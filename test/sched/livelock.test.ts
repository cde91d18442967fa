// Livelock means no progress, not "a lot of work": long runs complete, spinning is caught,
// a loop that neither spins nor finishes is stopped by the step bound, and experiments never
// return numbers from a run that did not complete.
import { describe, expect, it } from "vitest";
import { cpuRelax, step } from "../../src/sched/effect";
import { Scheduler } from "../../src/sched/scheduler";
import { assertCompleteRun } from "../../src/scenarios/experiments/complete-run";
import { lookupContention, MAX_LOOKUPS_PER_TASK } from "../../src/scenarios/experiments/lookup-contention";
import { getScenario, listScenarios } from "../../src/scenarios/registry";
import { simulate } from "../../src/sched/explore/explorer";
import "../../src/scenarios/index";

const worker = (n: number) =>
  function* () {
    for (let i = 0; i < n; i++) yield* step("work", "work");
    return n;
  };

describe("livelock detection follows progress, not a step count", () => {
  it("64 tasks of 1000 steps each (64,000 steps before any finishes) complete, in both modes", () => {
    for (const mode of ["timed", "controlled"] as const) {
      const s = new Scheduler({ trace: false });
      for (let i = 0; i < 64; i++) s.spawn({ name: `t${i}`, body: worker(1000) });
      // Controlled: round-robin, so that no task finishes before the others are nearly done.
      const end = mode === "timed" ? s.runTimed() : s.run((ctx) => ctx.eligible[ctx.step % ctx.eligible.length]!);
      expect(end.status, mode).toBe("done");
      expect(Object.keys(end.results)).toHaveLength(64);
      expect(end.steps).toBe(64000);
    }
  });

  it("a waiter spinning while another task works for 50,000 steps is not a livelock", () => {
    const state = { flag: false };
    const s = new Scheduler({ trace: false });
    s.spawn({
      name: "waiter",
      body: function* () {
        for (;;) {
          yield* step("ptRead", "read flag");
          if (state.flag) return;
          yield* cpuRelax("cpu_relax");
        }
      },
    });
    s.spawn({
      name: "setter",
      body: function* () {
        for (let i = 0; i < 50000; i++) yield* step("work", "work");
        state.flag = true;
      },
    });
    expect(s.run((ctx) => ctx.eligible[ctx.step % ctx.eligible.length]!).status).toBe("done");
  });

  it("a waiter spinning alone is a livelock of kind spin after livelockBound spinning steps, named with its site", () => {
    const s = new Scheduler({ livelockBound: 300 });
    s.spawn({
      name: "waiter",
      body: function* () {
        for (;;) {
          yield* step("ptRead", "waiter: read flag");
          yield* cpuRelax("waiter: cpu_relax");
        }
      },
    });
    const end = s.runTimed();
    expect(end.status).toBe("livelock");
    expect(end.livelock).toMatchObject({ task: "waiter", kind: "spin", totalSteps: 301 });
    expect(end.livelock!.site).toMatch(/^waiter: (read flag|cpu_relax)$/);
    expect(end.steps).toBeLessThan(310);
  });

  it("a loop that never spins nor finishes is stopped by stepBound as a runaway", () => {
    const s = new Scheduler({ livelockBound: 100, stepBound: 5000, trace: false });
    s.spawn({
      name: "loop",
      body: function* () {
        for (;;) yield* step("work", "loop: busy");
      },
    });
    s.spawn({ name: "short", body: worker(10) });
    const end = s.runTimed();
    expect(end.status).toBe("livelock");
    expect(end.livelock).toMatchObject({ task: "loop", kind: "runaway", totalSteps: 5001 });
  });

  it("refuses a stepBound below livelockBound", () => {
    expect(() => new Scheduler({ livelockBound: 100, stepBound: 50 })).toThrow(
      /stepBound 50 must be an integer >= livelockBound \(100\)/,
    );
  });
});

describe("experiments never return numbers from an incomplete run", () => {
  it("assertCompleteRun stops a livelocked run with the experiment's name and why", () => {
    const s = new Scheduler({ livelockBound: 50 });
    s.spawn({
      name: "waiter",
      body: function* () {
        for (;;) yield* cpuRelax("waiter: cpu_relax");
      },
    });
    const end = s.runTimed();
    expect(() => assertCompleteRun("lookupContention", "the run of 1 task", end)).toThrow(
      /^lookupContention: the run of 1 task did not complete \(livelock: waiter spins at waiter: cpu_relax .*\) after 51 steps; its numbers would be wrong/,
    );
  });

  it("lookupContention with 64 tasks (notebook 03's 'up to 64') counts every acquisition: 64 x 50 = 3200", () => {
    for (const leaf of ["pud", "pmd", "pte"] as const) {
      const r = lookupContention({ tasks: 64, lookupsPerTask: 50, leaf });
      expect(r.status).toBe("done");
      expect(r.leafLock.acquisitions, leaf).toBe(3200);
      expect(r.correct, leaf).toBe(3200);
    }
  });

  it("lookupContention works at the ends of its documented ranges", () => {
    for (const [tasks, lookupsPerTask] of [
      [1, 1],
      [64, 1],
      [1, MAX_LOOKUPS_PER_TASK],
      [64, MAX_LOOKUPS_PER_TASK],
    ]) {
      const r = lookupContention({ tasks, lookupsPerTask, leaf: "pud", holdWork: 0, thinkWork: 0 });
      expect(r.leafLock.acquisitions, `${tasks} x ${lookupsPerTask}`).toBe(tasks * lookupsPerTask);
    }
    const big = lookupContention({
      tasks: 2,
      lookupsPerTask: 3,
      holdWork: 100000,
      thinkWork: 100000,
      barSize: 64 * 2 ** 30,
      addresses: "same-page",
    });
    expect(big.correct).toBe(6);
    expect(() => lookupContention({ lookupsPerTask: MAX_LOOKUPS_PER_TASK + 1 })).toThrow(
      /lookupsPerTask 1001 must be an integer in \[1, 1000\]/,
    );
  }, 120_000);
});

describe("every documented parameter range of every scenario works", () => {
  for (const sc of listScenarios()) {
    const ints = sc.params.filter((p) => p.type === "int");
    if (ints.length === 0) continue;
    it(`${sc.name}: each int parameter at its min and max runs to an end that is not a runaway`, () => {
      for (const p of ints) {
        for (const v of [p.min, p.max]) {
          if (v === undefined) continue;
          const r = simulate(getScenario(sc.name), { params: { [p.name]: v } });
          expect(r.end.livelock?.kind, `${p.name}=${v}`).not.toBe("runaway");
          expect(r.outcomes, `${p.name}=${v}`).not.toContain("crash");
          if (sc.name === "pud-lock-contention") expect(r.end.status, `${p.name}=${v}`).toBe("done");
        }
      }
      // All int parameters at their max together, for the contention experiment (the heaviest).
      if (sc.name === "pud-lock-contention") {
        const all = Object.fromEntries(ints.map((p) => [p.name, p.max]));
        const r = simulate(getScenario(sc.name), { params: all });
        expect(r.end.status).toBe("done");
        expect(r.state).toBe(`${(all.tasks as number) * (all.lookups as number)} lookups done, 0 failed`);
      }
    }, 120_000);
  }
});
