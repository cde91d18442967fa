/** Test helper: small random programs (tasks of steps and lock sections) as scenarios. */
import fc from "fast-check";
import { acquire, release, step } from "../../src/sched/effect";
import { Lock } from "../../src/sched/lock";
import type { LockKind } from "../../src/sched/lock";
import { defineScenario } from "../../src/scenarios/scenario";
import type { Scenario } from "../../src/scenarios/scenario";
import type { CostName } from "../../src/sched/effect";

export type Op =
  | { op: "step"; cost: CostName; units: number }
  | { op: "locked"; lock: number; read: boolean; inner: number };
export interface Program {
  kinds: LockKind[];
  tasks: Op[][];
}

const costs: CostName[] = ["ptRead", "ptWrite", "pfnUse", "work", "memcpy"];

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("step" as const),
    cost: fc.constantFrom(...costs),
    units: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    op: fc.constant("locked" as const),
    lock: fc.integer({ min: 0, max: 1 }),
    read: fc.boolean(),
    inner: fc.integer({ min: 0, max: 2 }),
  }),
);

export const programArb: fc.Arbitrary<Program> = fc.record({
  kinds: fc
    .tuple(
      fc.constantFrom<LockKind>("spinlock", "rwsem", "mutex"),
      fc.constantFrom<LockKind>("spinlock", "rwsem", "mutex"),
    )
    .map((t) => [...t]),
  tasks: fc.array(fc.array(opArb, { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 3 }),
});

/** The program as a scenario; outcome "even"/"odd" from a shared counter so classification depends on the schedule. */
export function programScenario(p: Program, name = "random-program"): Scenario {
  return defineScenario({
    name,
    summary: "random test program",
    models: "none",
    params: [],
    failures: ["deadlock"],
    setup() {
      const locks = p.kinds.map((k, i) => new Lock(k, `&l${i}`, `l${i}`));
      const state = { x: 0 };
      return {
        tasks: p.tasks.map((ops, ti) => ({
          name: `t${ti}`,
          body: function* () {
            for (const [i, o] of ops.entries()) {
              if (o.op === "step") {
                yield* step(o.cost, `t${ti}.${i}`, o.units);
                state.x = state.x * 3 + ti + 1;
              } else {
                const l = locks[o.lock]!;
                const mode = o.read && l.kind === "rwsem" ? "read" : "write";
                yield* acquire(l, mode, `t${ti}.${i} lock`);
                for (let k = 0; k < o.inner; k++) yield* step("work", `t${ti}.${i} inner`);
                yield* release(l, mode, `t${ti}.${i} unlock`);
              }
            }
          },
        })),
        classify: () => [state.x % 2 === 0 ? "even" : "odd"],
      };
    },
  });
}
