import { describe, expect, it } from "vitest";
import { explore, replay } from "../../src/sched/explore/explorer";
import { decodeSchedule } from "../../src/sched/explore/replay-string";
import "../../src/scenarios/index";

describe("classic bugs are found at the right preemption bound", () => {
  it("lost update: not found with 0 preemptions, found with 1, and the shrunk replay has exactly 1 preemption", () => {
    const r0 = explore("lost-update", { preemptions: 0 });
    expect(r0.exhausted).toBe(true);
    expect(r0.outcomes).toEqual({ ok: 2 });
    expect(r0.firstFailure).toBeNull();

    const r1 = explore("lost-update", { preemptions: 1 });
    expect(r1.exhausted).toBe(true);
    expect(r1.outcomes["lost-update"]).toBe(2);
    const f = r1.firstFailure!;
    expect(f.failure).toBe("lost-update");
    expect(f.preemptions).toBe(1);
    // inc0 loads, inc1 runs to the end, inc0 stores its stale value: "ab" then defaults.
    expect(f.replay).toBe("ab");
    expect(replay("lost-update", f.replay).outcomes).toEqual(["lost-update"]);
  });

  it("lost update with several increments: the shrunk schedule keeps 1 preemption and is shorter than the one found", () => {
    const r = explore("lost-update", { preemptions: 2, params: { increments: 4 } });
    const f = r.firstFailure!;
    expect(f.preemptions).toBe(1);
    expect(decodeSchedule(f.replay.split("/")[1]!).length).toBeLessThanOrEqual(
      decodeSchedule(f.found.replay.split("/")[1]!).length,
    );
    expect(f.replay).toBe("increments=4/ab");
    expect(f.shrinkRuns).toBeGreaterThan(0);
  });

  it("random and PCT find the lost update too, with a 1-preemption shrunk replay", () => {
    for (const strategy of ["random", "pct"] as const) {
      const r = explore("lost-update", { strategy, seed: 1, schedules: 200 });
      expect(r.outcomes["lost-update"]).toBeGreaterThan(0);
      expect(r.exhausted).toBe(false);
      expect(r.firstFailure!.preemptions).toBe(1);
    }
  });

  it("ABBA deadlock: reported with its cycle task -> lock -> task, at 1 preemption, and lockdep flags the inversion on every schedule", () => {
    const r0 = explore("abba", { preemptions: 0 });
    expect(r0.outcomes.deadlock).toBeUndefined();
    expect(r0.outcomes.misuse).toBe(2); // lockdep sees A->B then B->A even without a deadlock

    const r1 = explore("abba", { preemptions: 1 });
    expect(r1.outcomes.deadlock).toBeGreaterThan(0);
    const f = r1.firstFailure!;
    expect(f.failure).toBe("deadlock");
    expect(f.preemptions).toBe(1);
    expect(f.deadlock).toBe("t0 -> &lock_b (B) -> t1 -> &lock_a (A) -> t0");
    expect(f.trace).toContain("deadlock: t0 -> &lock_b (B) -> t1 -> &lock_a (A) -> t0");
    expect(f.violations.some((v) => v.startsWith("lock-order-inversion"))).toBe(true);
  });

  it("ABBA with both tasks taking A before B never deadlocks and lockdep stays quiet (exhaustive, bound 2)", () => {
    const r = explore("abba", { preemptions: 2, params: { ordered: true } });
    expect(r.exhausted).toBe(true);
    expect(Object.keys(r.outcomes)).toEqual(["ok"]);
  });

  it("a lock-protected counter shows no failure exhaustively at bound 2 (spinlock, mutex, rwsem)", () => {
    for (const kind of ["spinlock", "mutex", "rwsem"]) {
      const r = explore("locked-counter", { preemptions: 2, params: { tasks: 2, increments: 2, kind } });
      expect(r.exhausted).toBe(true);
      expect(r.schedules).toBeGreaterThan(10);
      expect(r.outcomes).toEqual({ ok: r.schedules });
      expect(r.firstFailure).toBeNull();
    }
  });

  it("livelock: a spinning waiter whose flag is never set is reported by name", () => {
    const r = explore("spin-wait", { preemptions: 1, params: { setter: false } });
    expect(Object.keys(r.outcomes)).toEqual(["livelock"]);
    expect(r.firstFailure!.livelock).toMatch(/^waiter spins at waiter: (read flag|cpu_relax)/);
    const ok = explore("spin-wait", { preemptions: 2 });
    expect(ok.exhausted).toBe(true);
    expect(Object.keys(ok.outcomes)).toEqual(["ok"]);
  });

  it("stopAtFirstFailure stops at the first failing schedule", () => {
    const r = explore("lost-update", { preemptions: 1, stopAtFirstFailure: true });
    expect(r.schedules).toBe(2);
    expect(r.exhausted).toBe(false);
  });
});
