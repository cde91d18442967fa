/** Adapters from lock_stat data to lock figures, checked on a hand-made run and on a real one. */
import { describe, expect, it } from "vitest";
import {
  contentionSweepFigure,
  lockClassTimes,
  lockTimelineFigure,
  lockTimesFigure,
  timelineIntervals,
  lockClassColor,
} from "../../src/display/index";
import { Lock } from "../../src/sched/lock";
import { Scheduler } from "../../src/sched/scheduler";
import { acquire, release, step } from "../../src/sched/effect";
import type { LockStatData } from "../../src/sched/lockstat";
import { lookupContention } from "../../src/scenarios/experiments/huge-pfnmaps";

/** Two tasks take one spinlock, hold it for one ptWrite (20 ns); with default costs the second waits. */
function twoTasks(): LockStatData {
  const s = new Scheduler();
  const l = new Lock("spinlock", "&mm->page_table_lock", "mm1 page_table_lock");
  for (const name of ["a", "b"]) {
    s.spawn({
      name,
      body: function* () {
        yield* acquire(l, "write", `${name}: lock`);
        yield* step("ptWrite", `${name}: write`);
        yield* release(l, "write", `${name}: unlock`);
      },
    });
  }
  s.runTimed();
  return s.lockStat.data();
}

describe("lockClassTimes", () => {
  it("one hold per acquisition and one wait per acquisition, uncontended ones as 0", () => {
    const d = twoTasks();
    const [c] = lockClassTimes(d);
    expect(c.lockClass).toBe("&mm->page_table_lock");
    expect(c.holdNs).toHaveLength(2);
    expect(c.waitNs).toHaveLength(2);
    expect(c.waitNs.filter((w) => w === 0)).toHaveLength(1);
    expect(c.waitNs.find((w) => w > 0)).toBe(d.rows[0].waittimeTotal);
    expect(c.holdNs.reduce((a, b) => a + b, 0)).toBe(d.rows[0].holdtimeTotal);
  });
  it("names an unknown class", () => {
    expect(() => lockClassTimes(twoTasks(), ["ptlock (PTE)"])).toThrow(
      /lockClassTimes: lock class "ptlock \(PTE\)" has no statistics/,
    );
  });
});

describe("lockTimesFigure over runs", () => {
  const pud = lookupContention({ tasks: 4, lookupsPerTask: 10, leaf: "pud" });
  const pte = lookupContention({ tasks: 4, lookupsPerTask: 10, leaf: "pte" });
  const fig = lockTimesFigure([
    { label: "PUD leaves", data: pud.lockStat, classes: [pud.leafLockClass] },
    { label: "PTE leaves", data: pte.lockStat, classes: [pte.leafLockClass] },
  ]);
  it("has a hold and a wait trace per run, named class · label, coloured by the real class", () => {
    expect(fig.data.map((t) => t.name)).toEqual([
      "&mm->page_table_lock · PUD leaves",
      "&mm->page_table_lock · PUD leaves",
      "ptlock (PTE) · PTE leaves",
      "ptlock (PTE) · PTE leaves",
    ]);
    expect((fig.data[0].marker as { color: string }).color).toBe(lockClassColor("&mm->page_table_lock"));
    expect((fig.data[2].marker as { color: string }).color).toBe(lockClassColor("ptlock (PTE)"));
    expect((fig.data[1].y as number[]).length).toBe(40);
    const sum = (ys: unknown) => (ys as number[]).reduce((a, b) => a + b, 0);
    expect(sum(fig.data[1].y)).toBe(pud.leafLock.waitTotalNs);
    expect(sum(fig.data[3].y)).toBe(pte.leafLock.waitTotalNs);
  });
  it("rejects an empty list", () => {
    expect(() => lockTimesFigure([])).toThrow(/lockTimesFigure: runs must be a non-empty array/);
  });
});

describe("timeline adapters", () => {
  it("rows per (task, class) by default, filters by class, task and time", () => {
    const d = lookupContention({ tasks: 3, lookupsPerTask: 5, leaf: "pte" }).lockStat;
    const all = timelineIntervals(d);
    expect(all).toHaveLength(d.timeline.length);
    const rows = new Set(all.map((i) => `${i.task}/${i.lock}`));
    expect(rows.size).toBe(6); // 3 tasks x {mmap_lock, ptlock (PTE)}
    const byLock = new Set(timelineIntervals(d, { rowBy: "lock" }).map((i) => `${i.task}/${i.lock}`));
    expect(byLock.size).toBeGreaterThan(6);
    const some = timelineIntervals(d, { classes: ["ptlock (PTE)"], tasks: ["task1"], untilNs: 2000 });
    expect(some.length).toBeGreaterThan(0);
    expect(some.every((i) => i.task === "task1" && i.lockClass === "ptlock (PTE)" && i.startNs < 2000)).toBe(true);
    const fig = lockTimelineFigure(d, { tasks: ["task0", "task1", "task2"] });
    const bars = fig.data.filter((t) => t.type === "bar");
    expect(bars.reduce((a, t) => a + (t.x as number[]).length, 0)).toBe(all.length);
  });
});

describe("contentionSweepFigure", () => {
  it("one line per leaf level in pud, pmd, pte order, x = tasks, y = mean wait", () => {
    const fig = contentionSweepFigure([
      { leaf: "pte", tasks: 1, meanWaitNs: 0 },
      { leaf: "pte", tasks: 4, meanWaitNs: 1.25 },
      { leaf: "pud", tasks: 4, meanWaitNs: 800 },
      { leaf: "pud", tasks: 1, meanWaitNs: 0, leafLockClass: "&mm->page_table_lock" },
    ]);
    expect(fig.data.map((t) => t.name)).toEqual(["PUD (1 GiB): &mm->page_table_lock", "PTE (4 KiB)"]);
    expect(fig.data[0].x).toEqual([1, 4]);
    expect(fig.data[0].y).toEqual([0, 800]);
    expect(fig.data[1].y).toEqual([0, 1.3]);
    expect(() => contentionSweepFigure([{ leaf: "p4d" as never, tasks: 1, meanWaitNs: 0 }])).toThrow(
      /leaf "p4d" must be pte, pmd or pud/,
    );
  });
});
