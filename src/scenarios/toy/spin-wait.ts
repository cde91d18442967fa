/**
 * Toy: a task spins (cpu_relax) until another task sets a flag. With `setter=false` the
 * flag is never set and the run is a livelock; the report names the spinning task.
 */
import { cpuRelax, step } from "../../sched/effect";
import { ownedSite } from "../../sched/site";
import { defineScenario } from "../scenario";

export const spinWait = defineScenario({
  name: "spin-wait",
  summary: "a waiter spins with cpu_relax() until a setter sets a flag; without the setter it livelocks",
  models: "no kernel function: a retry loop such as KVM's mmu_invalidate_retry wait, reduced to a flag",
  params: [
    { name: "setter", type: "bool", default: true, doc: "false: nobody sets the flag (livelock)" },
    { name: "delay", type: "int", default: 2, min: 0, max: 20, doc: "steps the setter works before setting the flag" },
  ],
  failures: ["livelock", "crash"],
  setup(p) {
    const state = { flag: false, spins: 0 };
    return {
      tasks: [
        {
          name: "waiter",
          body: function* () {
            for (;;) {
              yield* step("ptRead", ownedSite("waiter", "read flag"));
              if (state.flag) return state.spins;
              state.spins++;
              yield* cpuRelax(ownedSite("waiter", "cpu_relax"));
            }
          },
        },
        {
          name: "setter",
          body: function* () {
            for (let i = 0; i < (p.delay as number); i++) yield* step("work", ownedSite("setter", "work"));
            if (!p.setter) return;
            yield* step("ptWrite", ownedSite("setter", "set flag"));
            state.flag = true;
          },
        },
      ],
      classify: () => [],
      livelockBound: 500,
      describe: () => `flag = ${state.flag}, spins = ${state.spins}`,
    };
  },
});
