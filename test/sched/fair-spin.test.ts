// Each task is its own CPU: a task spinning in cpu_relax() never keeps another CPU from
// running, so two spinners that wait for a third task are not a livelock under any
// preemption bound, while tasks that only wait for each other still are.
import { describe, expect, it } from "vitest";
import { defineScenario } from "../../src/scenarios/scenario";
import { cpuRelax, step } from "../../src/sched/effect";
import { explore } from "../../src/sched/explore/explorer";
import "../../src/scenarios/index";

/** Spin until `ready()`, then return. */
function* spinUntil(ready: () => boolean, name: string) {
  for (;;) {
    yield* step("ptRead", `${name}: read flag`);
    if (ready()) return;
    yield* cpuRelax(`${name}: cpu_relax`);
  }
}

const twoSpinnersAndSetter = defineScenario({
  name: "two-spinners-and-setter",
  summary: "two tasks spin on a flag that a third sets after some work",
  models: "none",
  params: [],
  failures: ["livelock"],
  setup() {
    const state = { flag: false };
    return {
      tasks: [
        { name: "spin0", body: () => spinUntil(() => state.flag, "spin0") },
        { name: "spin1", body: () => spinUntil(() => state.flag, "spin1") },
        {
          name: "setter",
          body: function* () {
            for (let i = 0; i < 3; i++) yield* step("work", "setter: work");
            state.flag = true;
          },
        },
      ],
      classify: () => ["released"],
    };
  },
});

// Each task raises its own flag only after it saw the other's: nobody can ever end the wait.
const waitForEachOther = defineScenario({
  name: "wait-for-each-other",
  summary: "two tasks each spin on the other's flag, which is raised only after that wait",
  models: "none",
  params: [],
  failures: ["livelock"],
  setup() {
    const flags = [false, false];
    const task = (me: number) =>
      function* () {
        yield* spinUntil(() => flags[1 - me]!, `t${me}`);
        flags[me] = true;
      };
    return {
      tasks: [
        { name: "t0", body: task(0) },
        { name: "t1", body: task(1) },
        { name: "idle", body: function* () {} },
      ],
      classify: () => ["released"],
    };
  },
});

describe("cpu_relax is fair: a spinner's wait ends whenever some task can end it", () => {
  for (const bound of [0, 1, 2, 3, Infinity]) {
    it(`two spinners waiting for a third task are not a livelock (dfs, preemption bound ${bound})`, () => {
      const r = explore(twoSpinnersAndSetter, { preemptions: bound, schedules: 20_000 });
      expect(r.exhausted).toBe(true);
      expect(r.firstFailure).toBeNull();
      expect(Object.keys(r.outcomes)).toEqual(["released"]);
      expect(r.schedules).toBeGreaterThan(bound === 0 ? 0 : 1);
    });
  }

  it("two tasks each spinning on the other's flag are still reported as a livelock", () => {
    const r = explore(waitForEachOther, { preemptions: 0 });
    expect(r.firstFailure).not.toBeNull();
    expect(r.outcomes.livelock).toBeGreaterThan(0);
  });

  // Measured: both report einval, ok and (from bound 1) retried, never livelock.
  for (const [name, params] of [
    ["vfio-type1-vs-zap", { notifier: "interval", callers: 2 }],
    ["kvm-vs-zap", { callers: 2 }],
  ] as const) {
    it(`${name} ${JSON.stringify(params)} with two spinning callers reports no livelock at bounds 0..2`, () => {
      for (const bound of [0, 1, 2]) {
        const r = explore(name, { params, preemptions: bound });
        expect(r.exhausted, `bound ${bound}`).toBe(true);
        expect(r.outcomes.livelock, `bound ${bound}`).toBeUndefined();
        expect(r.firstFailure, `bound ${bound}`).toBeNull();
        expect(Object.keys(r.outcomes).sort(), `bound ${bound}`).toEqual(
          bound === 0 ? ["einval", "ok"] : ["einval", "ok", "retried"],
        );
      }
    }, 300_000);
  }
});
