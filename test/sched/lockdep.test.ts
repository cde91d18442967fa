import { describe, expect, it } from "vitest";
import { Checker, CheckerError } from "../../src/base/checker";
import { acquire, mightSleep, release, step } from "../../src/sched/effect";
import type { Steps } from "../../src/sched/effect";
import { Lock } from "../../src/sched/lock";
import { lockdep } from "../../src/sched/lockdep";
import { Scheduler } from "../../src/sched/scheduler";
import { createSyncTask, runSteps } from "../../src/sched/sync";

function* nested(outer: Lock, inner: Lock, site: string): Steps<void> {
  yield* acquire(outer, "write", `${site}: outer`);
  yield* acquire(inner, "write", `${site}: inner`);
  yield* release(inner, "write", `${site}: unlock inner`);
  yield* release(outer, "write", `${site}: unlock outer`);
}

describe("lockdep", () => {
  it("reports a lock-order inversion (A then B, later B then A) once, naming the cycle, even without a deadlock", () => {
    const checker = new Checker();
    const a = new Lock("spinlock", "&a");
    const b = new Lock("spinlock", "&b");
    const ctx = { task: createSyncTask(), checker };
    runSteps(nested(a, b, "first"), ctx, "first");
    expect(checker.list()).toEqual([]);
    runSteps(nested(b, a, "second"), ctx, "second");
    runSteps(nested(b, a, "third"), ctx, "third");
    const v = checker.list("lock-order-inversion");
    expect(v).toHaveLength(1);
    expect(v[0]!.message).toContain("Cycle: &b -> &a -> &b");
    expect(v[0]!.site).toBe("second: inner");
    expect(lockdep.orderEdges(checker).map((e) => `${e.from}->${e.to}`)).toEqual(["&a->&b", "&b->&a"]);
  });

  it("finds a three-lock cycle A->B, B->C, C->A through the held-before graph", () => {
    const checker = new Checker();
    const [a, b, c] = ["&a", "&b", "&c"].map((n) => new Lock("mutex", n));
    const ctx = { task: createSyncTask(), checker };
    runSteps(nested(a!, b!, "ab"), ctx, "ab");
    runSteps(nested(b!, c!, "bc"), ctx, "bc");
    expect(checker.list()).toEqual([]);
    runSteps(nested(c!, a!, "ca"), ctx, "ca");
    const [v] = checker.list("lock-order-inversion");
    expect(v!.message).toContain("Cycle: &c -> &a -> &b -> &c");
  });

  it("reports recursive acquisition of the same lock; in the scheduler the task then deadlocks on itself", () => {
    const s = new Scheduler();
    const l = new Lock("spinlock", "&ptl");
    s.spawn({
      name: "self",
      body: function* () {
        yield* acquire(l, "write", "first");
        yield* acquire(l, "write", "again");
      },
    });
    const end = s.runTimed();
    expect(end.violations.map((v) => v.rule)).toEqual(["recursive-lock"]);
    expect(end.status).toBe("deadlock");
    expect(end.deadlock!.cycle).toBe("self -> &ptl -> self");
  });

  it("reports a release by a task that does not hold the lock (bad unlock balance) and leaves the lock with its owner", () => {
    const s = new Scheduler();
    const l = new Lock("mutex", "&m");
    s.spawn({
      name: "owner",
      body: function* () {
        yield* acquire(l, "write", "owner: lock");
        yield* step("work", "owner: work", 5);
        yield* release(l, "write", "owner: unlock");
      },
    });
    s.spawn({
      name: "thief",
      body: function* () {
        yield* step("work", "thief: wait");
        yield* release(l, "write", "thief: unlock");
      },
    });
    const end = s.runTimed();
    const [v] = end.violations;
    expect(v!.rule).toBe("bad-unlock-balance");
    expect(v!.task).toBe("thief");
    expect(v!.message).toContain("held by owner");
    expect(end.status).toBe("done");
    expect(s.lockStat.rows()[0]!.acquisitions).toBe(1);
  });

  it("reports sleeping while holding a spinlock: might_sleep(), and taking a mutex or rwsem under it", () => {
    const s = new Scheduler();
    const spin = new Lock("spinlock", "&pte_lock");
    const mutex = new Lock("mutex", "&dev->lock");
    s.spawn({
      name: "t",
      body: function* () {
        yield* acquire(spin, "write", "lock ptl");
        yield* mightSleep("ioremap_prot");
        yield* acquire(mutex, "write", "mutex_lock");
        yield* release(mutex, "write", "mutex_unlock");
        yield* release(spin, "write", "unlock ptl");
        yield* mightSleep("ioremap_prot after unlock");
      },
    });
    const end = s.runTimed();
    expect(end.violations.map((v) => `${v.rule}@${v.site}`)).toEqual([
      "sleep-in-atomic@ioremap_prot",
      "sleep-in-atomic@mutex_lock",
    ]);
  });

  it("with a checker in throw mode, a lockdep report crashes the task and the run is classified as misuse, not crash", () => {
    const checker = new Checker("throw");
    const s = new Scheduler({ checker });
    const l = new Lock("mutex", "&m");
    s.spawn({
      name: "t",
      body: function* () {
        yield* release(l, "write", "unlock without lock");
      },
    });
    const end = s.runTimed();
    expect(end.crashed).toEqual([{ task: "t", error: expect.stringContaining("bad-unlock-balance"), byChecker: true }]);
    expect(() => runSteps(release(l, "write", "x"), { task: createSyncTask(), checker }, "unlock")).toThrow(
      CheckerError,
    );
  });

  it("the plain driver (runSteps) refuses to block: a held lock outside the scheduler is an error naming the holder", () => {
    const checker = new Checker();
    const l = new Lock("spinlock", "&ptl");
    const other = createSyncTask("other", 1);
    l.holders.set(other, "write");
    expect(() => runSteps(acquire(l, "write", "start"), { task: createSyncTask(), checker }, "lookup")).toThrow(
      /^lookup: lock &ptl is held by other: start would wait forever/,
    );
  });
});
