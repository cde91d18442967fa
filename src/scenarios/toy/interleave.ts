/**
 * Toy: tasks of n independent steps, no shared state. Its schedule counts have closed
 * forms (two tasks of n steps: C(2n, n) interleavings without a bound), which the tests
 * use to check the explorer.
 */
import { access } from "../../sched/effect";
import type { TaskSpec } from "../../sched/task";
import { defineScenario } from "../scenario";

export const interleave = defineScenario({
  name: "interleave",
  summary: "tasks of n independent steps: for counting schedules (C(2n,n) for two tasks)",
  models: "no kernel function: the interleaving space itself",
  params: [
    { name: "tasks", type: "int", default: 2, min: 1, max: 8, doc: "number of tasks" },
    { name: "steps", type: "int", default: 3, min: 1, max: 50, doc: "steps per task" },
  ],
  failures: ["crash"],
  setup(p) {
    const tasks: TaskSpec[] = [];
    for (let i = 0; i < (p.tasks as number); i++) {
      tasks.push({
        name: `t${i}`,
        body: function* () {
          // The steps touch nothing shared (touches: []): every order is one Mazurkiewicz trace.
          for (let s = 0; s < (p.steps as number); s++) yield* access("work", `t${i} step ${s}`, []);
        },
      });
    }
    return { tasks, classify: () => ["ok"] };
  },
});
