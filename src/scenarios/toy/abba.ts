/**
 * Toy: the ABBA deadlock. Task t0 takes lock A then B, task t1 takes B then A. One
 * preemption (t0 holds A, t1 takes B) deadlocks them; lockdep reports the inverted order
 * even on schedules that happen not to deadlock.
 */
import { acquire, release, step } from "../../sched/effect";
import { ownedSite } from "../../sched/site";
import { Lock } from "../../sched/lock";
import type { LockKind } from "../../sched/lock";
import { defineScenario } from "../scenario";

export const abba = defineScenario({
  name: "abba",
  summary: "two tasks take locks A and B in opposite orders; one preemption deadlocks them",
  models:
    "no kernel function: the lock-order inversion lockdep's check_noncircular (kernel/locking/lockdep.c) exists to catch",
  params: [
    {
      name: "kind",
      type: "string",
      default: "mutex",
      choices: ["spinlock", "mutex", "rwsem"],
      doc: "kind of both locks (rwsem taken for write)",
    },
    {
      name: "ordered",
      type: "bool",
      default: false,
      doc: "true: both tasks take A before B (the fix), so no deadlock",
    },
  ],
  failures: ["deadlock", "misuse", "crash"],
  setup(p) {
    const kind = p.kind as LockKind;
    const a = new Lock(kind, "&lock_a", "A");
    const b = new Lock(kind, "&lock_b", "B");
    const body = (first: Lock, second: Lock, who: string) =>
      function* () {
        yield* acquire(first, "write", ownedSite(who, `lock ${first.name}`));
        yield* step("work", ownedSite(who, `work under ${first.name}`));
        yield* acquire(second, "write", ownedSite(who, `lock ${second.name}`));
        yield* step("work", ownedSite(who, "work under both"));
        yield* release(second, "write", ownedSite(who, `unlock ${second.name}`));
        yield* release(first, "write", ownedSite(who, `unlock ${first.name}`));
      };
    return {
      tasks: [
        { name: "t0", body: body(a, b, "t0") },
        { name: "t1", body: p.ordered ? body(a, b, "t1") : body(b, a, "t1") },
      ],
      classify: () => [],
    };
  },
});
