/**
 * Toy: the lost-update counter made correct with a lock around load and store. Exhaustive
 * exploration shows no lost update; the timed run shows the lock's contention in lock_stat.
 */
import { access, acquire, reads, release, writes } from "../../sched/effect";
import { Lock } from "../../sched/lock";
import type { LockKind } from "../../sched/lock";
import type { TaskSpec } from "../../sched/task";
import { defineScenario } from "../scenario";

export const lockedCounter = defineScenario({
  name: "locked-counter",
  summary: "tasks increment a shared counter under a lock; no schedule loses an update",
  models: "no kernel function: a critical section under spin_lock/mutex_lock/down_write",
  params: [
    { name: "tasks", type: "int", default: 2, min: 1, max: 8, doc: "number of incrementing tasks" },
    { name: "increments", type: "int", default: 1, min: 1, max: 20, doc: "increments per task" },
    {
      name: "kind",
      type: "string",
      default: "spinlock",
      choices: ["spinlock", "mutex", "rwsem"],
      doc: "kind of the lock (rwsem taken for write)",
    },
    {
      name: "work",
      type: "int",
      default: 1,
      min: 0,
      max: 1000,
      doc: "units of 'work' cost spent inside the critical section",
    },
  ],
  failures: ["lost-update", "deadlock", "misuse", "crash"],
  setup(p) {
    const n = p.tasks as number;
    const k = p.increments as number;
    const lock = new Lock(p.kind as LockKind, "&counter_lock", "counter_lock");
    const state = { counter: 0 };
    const tasks: TaskSpec[] = [];
    for (let i = 0; i < n; i++) {
      tasks.push({
        name: `inc${i}`,
        body: function* () {
          for (let j = 0; j < k; j++) {
            yield* acquire(lock, "write", "inc: lock");
            yield* access("work", "load counter", [reads(state)]);
            const v = state.counter;
            yield* access("work", "store counter+1", [writes(state)], p.work as number);
            state.counter = v + 1;
            yield* release(lock, "write", "inc: unlock");
          }
        },
      });
    }
    return {
      tasks,
      classify: () => (state.counter === n * k ? ["ok"] : ["lost-update"]),
      describe: () => `counter = ${state.counter} (expected ${n * k})`,
    };
  },
});
