import { describe, expect, it } from "vitest";
import { acquire, cpuRelax, current, note, release, step } from "../../src/sched/effect";
import { EventHeap } from "../../src/sched/heap";
import { Lock } from "../../src/sched/lock";
import { Scheduler } from "../../src/sched/scheduler";
import { createCostModel } from "../../src/sched/cost-model";
import { manual } from "../../src/sched/explore/manual";
import { resolveParams } from "../../src/scenarios/scenario";
import { getScenario, listScenarios } from "../../src/scenarios/registry";
import "../../src/scenarios/index";

describe("scheduler", () => {
  it("the event heap pops by time, then priority, then insertion order", () => {
    const h = new EventHeap<string>();
    h.push(10, 1, "c");
    h.push(5, 2, "b");
    h.push(5, 1, "a2");
    h.push(5, 1, "a3");
    h.push(0, 9, "first");
    const out: string[] = [];
    while (h.size) out.push(h.pop()!.item);
    expect(out).toEqual(["first", "a2", "a3", "b", "c"]);
  });

  it("timed mode runs the earliest pending effect first, each task on its own clock", () => {
    const s = new Scheduler({ costs: { ptRead: 10, tlbFlush: 1000 } });
    s.spawn({
      name: "slow",
      body: function* () {
        yield* step("tlbFlush", "flush");
        yield* step("ptRead", "after flush");
      },
    });
    s.spawn({
      name: "fast",
      body: function* () {
        for (let i = 0; i < 3; i++) yield* step("ptRead", `read ${i}`);
      },
    });
    s.runTimed();
    expect(s.trace.filter((r) => r.kind === "step").map((r) => `${r.time}:${r.task}`)).toEqual([
      "0:slow",
      "0:fast",
      "10:fast",
      "20:fast",
      "1000:slow",
    ]);
  });

  it("an rwsem lets readers share, queues a writer, and queues later readers behind the waiting writer", () => {
    const s = new Scheduler();
    const l = new Lock("rwsem", "&mm->mmap_lock");
    const order: string[] = [];
    const reader = (name: string, delay: number) => ({
      name,
      body: function* () {
        if (delay) yield* step("work", `${name}: arrive`, delay);
        yield* acquire(l, "read", `${name}: down_read`);
        order.push(name);
        yield* step("work", `${name}: read`, 10);
        yield* release(l, "read", `${name}: up_read`);
      },
    });
    s.spawn(reader("r1", 0));
    s.spawn({
      name: "w",
      body: function* () {
        yield* step("work", "w: arrive", 1);
        yield* acquire(l, "write", "w: down_write");
        order.push("w");
        yield* release(l, "write", "w: up_write");
      },
    });
    s.spawn(reader("r2", 2));
    const end = s.runTimed();
    expect(end.status).toBe("done");
    expect(order).toEqual(["r1", "w", "r2"]);
    expect(s.trace.filter((r) => r.kind === "contend").map((r) => r.task)).toEqual(["w", "r2"]);
  });

  it("cpuRelax makes a spinning task step aside in controlled mode, without counting a preemption", () => {
    const s = new Scheduler();
    const flag = { set: false };
    s.spawn({
      name: "spin",
      body: function* () {
        for (;;) {
          yield* step("ptRead", "check");
          if (flag.set) return;
          yield* cpuRelax("relax");
        }
      },
    });
    s.spawn({
      name: "set",
      body: function* () {
        yield* step("ptWrite", "set");
        flag.set = true;
      },
    });
    const end = s.run((ctx) => ctx.defaultTask);
    expect(end.status).toBe("done");
    expect(s.preemptions).toBe(0);
    expect(s.schedule).toEqual([0, 0, 1, 0]); // check, relax, (step aside) set, check -> done
  });

  it("current() answers the running task and note() writes into the trace without a scheduling point", () => {
    const s = new Scheduler();
    const seen: string[] = [];
    s.spawn({
      name: "me",
      body: function* () {
        const t = yield* current();
        seen.push(t.name);
        yield* note(`hello from ${t.name}`);
        yield* step("work", "w");
      },
    });
    s.runTimed();
    expect(seen).toEqual(["me"]);
    expect(s.steps).toBe(1);
    expect(s.trace.map((r) => r.kind)).toEqual(["note", "step", "done"]);
  });

  it("a task that throws is recorded as crashed and the others go on", () => {
    const s = new Scheduler();
    s.spawn({
      name: "bad",
      body: function* () {
        yield* step("work", "w");
        throw new Error("boom");
      },
    });
    s.spawn({
      name: "good",
      body: function* () {
        yield* step("work", "w");
        return 7;
      },
    });
    const end = s.runTimed();
    expect(end.crashed).toEqual([{ task: "bad", error: "Error: boom", byChecker: false }]);
    expect(end.results).toEqual({ good: 7 });
  });

  it("the cost model rejects unknown keys and negative costs with the key named", () => {
    expect(() => createCostModel({ nope: 1 } as never)).toThrow(/unknown cost 'nope'/);
    expect(() => createCostModel({ ptRead: -1 })).toThrow(/cost ptRead = -1 must be a finite number >= 0/);
    expect(createCostModel({ ptRead: 3 }).ptRead).toBe(3);
  });
});

describe("manual mode", () => {
  it("lists runnable tasks with their next effect, steps the one the student picks, and shows the lost update", () => {
    const m = manual("lost-update");
    expect(m.options().map((o) => `${o.letter} ${o.task} ${o.action}${o.isDefault ? " (default)" : ""}`)).toEqual([
      "a inc0 work @ load counter (default)",
      "b inc1 work @ load counter",
    ]);
    m.step("inc0");
    expect(m.options().find((o) => o.task === "inc1")!.preempts).toBe(true);
    m.step("b");
    m.step(1);
    expect(m.state()).toContain("counter = 1 (expected 2)");
    m.auto();
    expect(m.finished).toBe(true);
    expect(m.result().outcomes).toEqual(["lost-update"]);
    expect(m.result().replay).toBe("ab");
    expect(() => m.step("inc0")).toThrow(/cannot run now \(done\)/);
  });

  it("shows who holds and who waits for each lock", () => {
    const m = manual("abba");
    m.step("t0");
    m.step("t1");
    m.step("t1");
    m.step("t1"); // t1 now waits for A
    const st = m.state();
    expect(st).toContain("t1 (cpu1, 70ns) blocked: waits for &lock_a (A) @ t1: lock A; holds &lock_b (B)[W]");
    expect(st).toContain("lock &lock_a (A): t0[W]; waiting: t1[W]");
    expect(m.options().map((o) => o.task)).toEqual(["t0"]);
  });
});

describe("scenario params", () => {
  it("parses textual values (-p key=value) by type and names param, value and rule on errors", () => {
    const s = getScenario("locked-counter");
    expect(resolveParams(s, { tasks: "3", kind: "mutex" })).toEqual({
      tasks: 3,
      increments: 1,
      kind: "mutex",
      work: 1,
    });
    expect(() => resolveParams(s, { tasks: "two" })).toThrow(
      "scenario locked-counter: param tasks: value 'two' is not an integer (rule: int, >= 1, <= 8)",
    );
    expect(() => resolveParams(s, { kind: "rwlock" })).toThrow(
      'scenario locked-counter: param kind: value "rwlock" is not one of spinlock|mutex|rwsem',
    );
    expect(() => resolveParams(s, { tasks: "9" })).toThrow("is above the maximum 8");
    expect(() => resolveParams(s, { task: "2" })).toThrow(
      "unknown param 'task' (known: tasks, increments, kind, work)",
    );
    expect(() => resolveParams(getScenario("abba"), { ordered: "maybe" })).toThrow("is not a boolean");
  });

  it("registers the toy scenarios, each with a summary and the code it models", () => {
    expect(listScenarios().map((s) => s.name)).toEqual(
      expect.arrayContaining(["abba", "interleave", "locked-counter", "lost-update", "spin-wait"]),
    );
    expect(() => getScenario("nope")).toThrow(/unknown scenario 'nope' \(known: abba, /);
  });
});
