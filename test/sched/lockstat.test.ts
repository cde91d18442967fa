import { describe, expect, it } from "vitest";
import { acquire, release, step } from "../../src/sched/effect";
import { Lock } from "../../src/sched/lock";
import type { LockKind } from "../../src/sched/lock";
import { formatLockStat, lockStatTime } from "../../src/sched/lockstat";
import { Scheduler } from "../../src/sched/scheduler";

/**
 * Two tasks on CPUs 0 and 1 take one lock at time 0. Costs: acquire 20, release 5 (spinlock)
 * or 20/20 (mutex), cache-line bounce 100, wakeup 3000, work 50 per unit.
 *  - A (cpu0) wins the tie (spawned first): acquires at 0, holds from 20 (no bounce: first use).
 *  - B (cpu1) finds it held at 0: a contention; the lock was last taken on cpu0, so a con-bounce.
 *  - A works 2 units (100 ns) and releases at 120; the release completes at 120 + release cost.
 *  - B is handed the lock: + acquire 20 + bounce 100 (+ wakeup 3000 for a sleeping mutex waiter).
 *  - B works 1 unit (50 ns) and releases.
 */
function twoTasks(kind: LockKind) {
  const s = new Scheduler();
  const l = new Lock(kind, "&demo_lock", "demo");
  s.spawn({
    name: "A",
    body: function* () {
      yield* acquire(l, "write", "A:lock");
      yield* step("work", "A:work", 2);
      yield* release(l, "write", "A:unlock");
    },
  });
  s.spawn({
    name: "B",
    body: function* () {
      yield* acquire(l, "write", "B:lock");
      yield* step("work", "B:work", 1);
      yield* release(l, "write", "B:unlock");
    },
  });
  const end = s.runTimed();
  return { s, end };
}

describe("lock_stat numbers, checked by hand on two tasks with known costs", () => {
  it("spinlock: one contention, wait 245 ns, holds 100 and 50 ns, one con-bounce and one acq-bounce", () => {
    const { s, end } = twoTasks("spinlock");
    expect(end.status).toBe("done");
    // B waits from 0 until 120 (A's release) + 5 (release) + 20 (acquire) + 100 (bounce) = 245.
    const [row] = s.lockStat.rows();
    expect(row).toEqual({
      className: "&demo_lock",
      mode: "",
      conBounces: 1,
      contentions: 1,
      waittimeMin: 245,
      waittimeMax: 245,
      waittimeTotal: 245,
      waittimeAvg: 245,
      acqBounces: 1,
      acquisitions: 2,
      holdtimeMin: 50,
      holdtimeMax: 100,
      holdtimeTotal: 150,
      holdtimeAvg: 75,
    });
    expect(s.lockStat.spans()).toEqual([
      { task: "B", lock: "demo", className: "&demo_lock", mode: "write", kind: "wait", start: 0, end: 245 },
      { task: "A", lock: "demo", className: "&demo_lock", mode: "write", kind: "hold", start: 20, end: 120 },
      { task: "B", lock: "demo", className: "&demo_lock", mode: "write", kind: "hold", start: 245, end: 295 },
    ]);
    expect(s.lockStat.samples.map((x) => `${x.task}:${x.kind}:${x.ns}`)).toEqual([
      "A:hold:100",
      "B:wait:245",
      "B:hold:50",
    ]);
    expect(end.time).toBe(300);
  });

  it("mutex: the sleeping waiter also pays the wake-up, so B waits 120 + 20 + 3000 + 20 + 100 = 3260 ns", () => {
    const { s } = twoTasks("mutex");
    const [row] = s.lockStat.rows();
    expect(row!.waittimeMax).toBe(3260);
    expect(row!.holdtimeTotal).toBe(150);
  });

  it("prints lock_stat's text format: header, class line in microseconds, contention and contending points", () => {
    const { s } = twoTasks("spinlock");
    const text = formatLockStat(s.lockStat);
    const lines = text.split("\n");
    expect(lines[0]).toBe("lock_stat version 0.4");
    expect(lines[1]).toBe("-".repeat(221));
    expect(lines[2]).toMatch(/^ {30}class name {4}con-bounces {4}contentions {3}waittime-min .* holdtime-avg$/);
    expect(lines[2]!.length).toBe(40 + 12 * 15);
    const classLine = lines.find((l) => l.includes("&demo_lock:"))!;
    expect(classLine.startsWith(" ".repeat(30) + "&demo_lock:")).toBe(true); // %40s:
    // con-bounces contentions wait-min wait-max wait-total wait-avg acq-bounces acquisitions hold-min hold-max hold-total hold-avg
    expect(classLine.slice(41).trim().split(/\s+/)).toEqual([
      "1",
      "1",
      "0.25",
      "0.25",
      "0.25",
      "0.25",
      "1",
      "2",
      "0.05",
      "0.10",
      "0.15",
      "0.08",
    ]);
    expect(text).toContain("&demo_lock              1                       [<sim>] B:lock"); // contention point
    expect(text).toContain("&demo_lock              1                       [<sim>] A:lock"); // contending point (the holder)
  });

  it("formats times like the kernel's snprint_time (ns + 5, then microseconds with two truncated decimals)", () => {
    expect(lockStatTime(0)).toBe("0.00");
    expect(lockStatTime(4)).toBe("0.00");
    expect(lockStatTime(5)).toBe("0.01");
    expect(lockStatTime(245)).toBe("0.25");
    expect(lockStatTime(1234567)).toBe("1234.57");
  });

  it("rwsem readers share the lock (no contention) and get separate -R statistics; a writer then waits for both", () => {
    const s = new Scheduler();
    const l = new Lock("rwsem", "&mm->mmap_lock", "mm1");
    const reader = (name: string) => ({
      name,
      body: function* () {
        yield* acquire(l, "read", `${name}:mmap_read_lock`);
        yield* step("ptRead", `${name}:walk`, 10);
        yield* release(l, "read", `${name}:mmap_read_unlock`);
      },
    });
    s.spawn(reader("r1"));
    s.spawn(reader("r2"));
    s.spawn({
      name: "w",
      body: function* () {
        yield* step("work", "w:prepare"); // arrive after the readers took the lock
        yield* acquire(l, "write", "w:mmap_write_lock");
        yield* release(l, "write", "w:mmap_write_unlock");
      },
    });
    s.runTimed();
    const rows = s.lockStat.rows();
    expect(rows.map((r) => r.mode)).toEqual(["W", "R"]);
    const [w, r] = rows;
    expect(r!.acquisitions).toBe(2);
    expect(r!.contentions).toBe(0);
    expect(w!.contentions).toBe(1);
    // r1 (cpu0) holds from 25 (acquire 25); r2 (cpu1) shares it but its acquisition moves the
    // line from cpu0: 25 + 100 = 125. r1 releases at 125, r2 at 225 (10 ptReads = 100 ns each),
    // its release completes at 245. The writer (cpu2) queued at 50 (after 'work'), sleeps,
    // and gets the lock at 245 + 3000 wakeup + 25 acquire + 100 bounce = 3370: waited 3320.
    expect(r!.acqBounces).toBe(1);
    expect(r!.holdtimeTotal).toBe(200);
    expect(w!.waittimeMax).toBe(3320);
    const text = formatLockStat(s.lockStat);
    expect(text).toMatch(/ {24}&mm->mmap_lock-W:/);
    expect(text).toMatch(/ {24}&mm->mmap_lock-R:/);
  });

  it("a lock still held at the end shows as an open span in the timeline and is not counted as an acquisition", () => {
    const s = new Scheduler();
    const l = new Lock("spinlock", "&leak", "leak");
    s.spawn({
      name: "leaker",
      body: function* () {
        yield* acquire(l, "write", "leaker:lock");
        yield* step("work", "leaker:work");
      },
    });
    const end = s.runTimed();
    expect(end.violations.map((v) => v.rule)).toEqual(["lock-held-at-exit"]);
    expect(s.lockStat.rows()).toEqual([]);
    expect(s.lockStat.spans()).toEqual([
      { task: "leaker", lock: "leak", className: "&leak", mode: "write", kind: "hold", start: 20, end: 70, open: true },
    ]);
  });
});
