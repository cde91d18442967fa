/** A toy program as a scenario, shared by the DPOR and state-cache tests: tasks of reads and writes of two cells (with declared footprints) and lock sections. */
import fc from "fast-check";
import { access, acquire, reads, release, writes } from "../../src/sched/effect";
import { Lock } from "../../src/sched/lock";
import { defineScenario, type Scenario } from "../../src/scenarios/scenario";

export type ToyOp =
  | { op: "read"; cell: number }
  | { op: "write"; cell: number }
  | { op: "locked"; lock: number; inner: ToyOp[] };

/** A random toy program as a scenario: cells read and written with declared footprints, lock sections; the outcome is what every task saw and the final cells. */
export function toyScenario(tasks: ToyOp[][], symmetric = false): Scenario {
  return defineScenario({
    name: "toy-program",
    summary: "random toy program",
    models: "none",
    params: [],
    failures: ["deadlock"],
    setup() {
      // Value cells (effect.ts ValueCell): the state cache compares them by value.
      const cells = [0, 1].map((i) => ({
        v: 0,
        stateName: () => `c${i}`,
        stateValue(): number {
          return this.v;
        },
      }));
      const locks = [new Lock("spinlock", "&a"), new Lock("mutex", "&b")];
      const seen: number[][] = tasks.map(() => []);
      function* run(ti: number, ops: ToyOp[], path: string): Generator<any, void, unknown> {
        for (const [i, o] of ops.entries()) {
          if (o.op === "read") {
            const c = cells[o.cell]!;
            yield* access("work", `t${ti}${path}.${i} read`, [reads(c)]);
            seen[ti]!.push(c.v);
          } else if (o.op === "write") {
            const c = cells[o.cell]!;
            yield* access("work", `t${ti}${path}.${i} write`, [writes(c)]);
            c.v = c.v * 5 + (symmetric ? 1 : ti + 1);
          } else {
            const l = locks[o.lock]!;
            yield* acquire(l, "write", `t${ti}${path}.${i} lock`);
            yield* run(ti, o.inner, `${path}.${i}`);
            yield* release(l, "write", `t${ti}${path}.${i} unlock`);
          }
        }
      }
      return {
        tasks: tasks.map((ops, ti) => ({
          name: `t${ti}`,
          body: () => run(ti, ops, ""),
          ...(symmetric ? { symmetry: "same" } : {}),
        })),
        // Symmetric programs: which task saw what must not matter, so the views are sorted.
        classify: () => [
          `seen ${(symmetric ? seen.map((s) => s.join(".")).sort() : seen.map((s) => s.join("."))).join("/")} cells ${cells.map((c) => c.v).join(",")}`,
        ],
      };
    },
  });
}

export const leafOp: fc.Arbitrary<ToyOp> = fc.oneof(
  fc.record({ op: fc.constant("read" as const), cell: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ op: fc.constant("write" as const), cell: fc.integer({ min: 0, max: 1 }) }),
);
export const toyOp: fc.Arbitrary<ToyOp> = fc.oneof(
  { weight: 3, arbitrary: leafOp },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("locked" as const),
      lock: fc.integer({ min: 0, max: 1 }),
      inner: fc.array(leafOp, { minLength: 0, maxLength: 2 }),
    }),
  },
);
/** 2-3 tasks of 1-3 operations each. */
export const toyProgram = fc.array(fc.array(toyOp, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 3 });
