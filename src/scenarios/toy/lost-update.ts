/**
 * Toy: the lost update. Each task increments a shared counter as load, then store, with
 * no lock. One preemption between a load and its store loses an increment: the smallest
 * data race, and the shape of every "read, then act on what was read" bug in the course
 * (follow_pfnmap's unlocked read, a caller's use of a pfn after end()).
 */
import { access, reads, writes } from "../../sched/effect";
import type { TaskSpec } from "../../sched/task";
import { defineScenario } from "../scenario";

export const lostUpdate = defineScenario({
  name: "lost-update",
  summary: "tasks increment a shared counter as load-then-store without a lock; one preemption loses an update",
  models: "no kernel function: the read-modify-write race that locks exist to prevent",
  params: [
    { name: "tasks", type: "int", default: 2, min: 2, max: 8, doc: "number of incrementing tasks" },
    { name: "increments", type: "int", default: 1, min: 1, max: 20, doc: "increments per task" },
  ],
  failures: ["lost-update", "crash"],
  setup(p) {
    const n = p.tasks as number;
    const k = p.increments as number;
    const state = { counter: 0 };
    const tasks: TaskSpec[] = [];
    for (let i = 0; i < n; i++) {
      tasks.push({
        name: `inc${i}`,
        body: function* () {
          for (let j = 0; j < k; j++) {
            yield* access("work", "load counter", [reads(state)]);
            const v = state.counter;
            yield* access("work", "store counter+1", [writes(state)]);
            state.counter = v + 1;
          }
          return state.counter;
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
