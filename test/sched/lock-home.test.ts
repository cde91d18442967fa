/**
 * The lock layer's own homes (issue 17 items 2 and 3): take/drop/mustWait/wouldBlock in
 * lock.ts, the wait queue's handoff policy, the run's path, and the effect interpreter
 * that runSteps and the scheduler share.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Checker } from "../../src/base/checker";
import { acquire, current, note, step } from "../../src/sched/effect";
import { Path } from "../../src/sched/explore/path";
import { drop, Lock, mustWait, take, wouldBlock } from "../../src/sched/lock";
import { Scheduler } from "../../src/sched/scheduler";
import { createSyncTask, runSteps } from "../../src/sched/sync";
import { SimTask } from "../../src/sched/task";
import { WaitQueue } from "../../src/sched/wait-queue";

const entry = (lock: Lock, mode: "read" | "write" = "write", site = "s") => ({ lock, mode, site, since: 0 });

describe("lock state in one home (lock.ts)", () => {
  it("take and drop keep a lock's holders and the task's held list in step, whatever the order", () => {
    const tasks = [createSyncTask("a", 0), createSyncTask("b", 1), createSyncTask("c", 2)];
    const locks = [new Lock("rwsem", "r0"), new Lock("rwsem", "r1"), new Lock("mutex", "m")];
    const op = fc.record({ task: fc.nat(2), lock: fc.nat(2), take: fc.boolean() });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        for (const l of locks) l.holders.clear();
        for (const t of tasks) t.held.length = 0;
        for (const o of ops) {
          const t = tasks[o.task]!;
          const l = locks[o.lock]!;
          const mode = l.kind === "rwsem" ? "read" : "write";
          if (o.take && !mustWait(l, mode, t)) take(t, entry(l, mode));
          else if (!o.take) drop(t, l);
        }
        for (const t of tasks) {
          expect(t.held.map((h) => h.lock).sort((x, y) => x.id - y.id)).toEqual(locks.filter((l) => l.holders.has(t)));
        }
      }),
      { numRuns: 200, seed: 1717 },
    );
  });

  it("drop removes only the dropped lock's entry and keeps the others in acquisition order", () => {
    const t = createSyncTask();
    const [a, b, c] = [new Lock("mutex", "a"), new Lock("spinlock", "b"), new Lock("mutex", "c")];
    for (const l of [a, b, c]) take(t, entry(l));
    drop(t, b);
    expect(t.held.map((h) => h.lock.name)).toEqual(["a", "c"]);
    expect(b.isLocked()).toBe(false);
    drop(t, b);
    expect(t.held.map((h) => h.lock.name)).toEqual(["a", "c"]);
  });

  it("mustWait: a free lock never waits, rwsem readers share, a writer excludes, and a holder waits on itself", () => {
    const [me, other] = [createSyncTask("me", 0), createSyncTask("other", 1)];
    const sem = new Lock("rwsem", "sem");
    expect(mustWait(sem, "write", me)).toBe(false);
    take(other, entry(sem, "read"));
    expect(mustWait(sem, "read", me)).toBe(false);
    expect(mustWait(sem, "write", me)).toBe(true);
    take(me, entry(sem, "read"));
    expect(mustWait(sem, "read", me)).toBe(true);
    const m = new Lock("mutex", "m");
    take(other, entry(m));
    expect(mustWait(m, "write", me)).toBe(true);
  });

  it("a plain acquire of a lock the task holds fails naming the task itself as the holder (recursive locking)", () => {
    const checker = new Checker();
    const me = createSyncTask("main");
    const l = new Lock("mutex", "&m");
    take(me, entry(l));
    expect(() => runSteps(acquire(l, "write", "f: lock again"), { task: me, checker }, "f")).toThrow(
      "f: lock &m is held by main (this task: recursive locking): f: lock again would wait forever",
    );
    // The function named is the one the driver was told, never read back from the site's text.
    expect(wouldBlock("g: x", l, "h").message).toMatch(/^h: lock &m is held by main: g: x would wait forever/);
    expect(me.held).toHaveLength(1);
  });
});

describe("the wait queue hands a released lock on", () => {
  const waiter = (id: number, mode: "read" | "write") => ({
    task: new SimTask(id, `t${id}`, id),
    mode,
    site: `w${id}`,
    since: id,
  });

  it("a free mutex goes to the head waiter alone; a held one to nobody", () => {
    const q = new WaitQueue();
    const m = new Lock("mutex", "m");
    q.push(waiter(1, "write"));
    q.push(waiter(2, "write"));
    const holder = createSyncTask("h");
    take(holder, entry(m));
    expect(q.grantees(m)).toEqual([]);
    drop(holder, m);
    expect(q.grantees(m).map((w) => w.task.name)).toEqual(["t1"]);
    expect(q.list().map((w) => w.task.name)).toEqual(["t2"]);
  });

  it("an rwsem whose head waits to read admits every queued reader at once; the writer keeps its place", () => {
    const q = new WaitQueue();
    const sem = new Lock("rwsem", "sem");
    for (const [id, mode] of [
      [1, "read"],
      [2, "write"],
      [3, "read"],
    ] as const)
      q.push(waiter(id, mode));
    expect(q.grantees(sem).map((w) => w.task.name)).toEqual(["t1", "t3"]);
    expect(q.list().map((w) => w.task.name)).toEqual(["t2"]);
    expect(q.length).toBe(1);
  });
});

describe("the path of a run (explore/path.ts)", () => {
  it("counts preemptions and ends the replay prefix at the last step that left the default", () => {
    const p = new Path();
    p.push(0, 0, false);
    p.push(1, 0, true);
    p.push(1, 1, false);
    p.push(0, 0, false);
    expect(p.preemptions).toBe(1);
    expect(p.replayPrefix()).toEqual([0, 1]);
    const q = new Path();
    q.push(0, 0, false);
    q.push(0, 0, false);
    expect(q.replayPrefix()).toEqual([0]);
  });
});

describe("one effect interpreter for both drivers", () => {
  function* body() {
    const me = yield* current();
    yield* note(`hello from ${me.name}`);
    yield* step("ptRead", "read");
    return me.name;
  }

  it("current() answers the running task and note() is no step, under runSteps and under the scheduler", () => {
    expect(runSteps(body(), { task: createSyncTask("plain"), checker: new Checker() }, "body")).toBe("plain");
    const s = new Scheduler();
    s.spawn({ name: "sched", body });
    const end = s.runTimed();
    expect(end.results).toEqual({ sched: "sched" });
    expect(end.steps).toBe(1);
    expect(s.trace.map((r) => [r.kind, r.text ?? r.site])).toEqual([
      ["note", "hello from sched"],
      ["step", "read"],
      ["done", "returned sched"],
    ]);
  });
});
