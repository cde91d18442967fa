/**
 * Seeded random scheduling: at every step, a uniformly random eligible task. Cheap and
 * good at shallow bugs; it never proves absence (the space is not tracked).
 * Run i uses its own generator derived from (seed, i), so a run can be reproduced alone.
 */
import { runPrng } from "../prng";
import type { Chooser } from "../scheduler";
import type { Strategy } from "./strategy";

export class RandomStrategy implements Strategy {
  readonly name = "random";
  constructor(private readonly seed: number | string) {}

  nextRun(run: number, _tasks: number): Chooser {
    const rng = runPrng(this.seed, run);
    return (ctx) => (ctx.eligible.length === 1 ? ctx.eligible[0]! : rng.pick(ctx.eligible));
  }

  finished(): void {}
}
