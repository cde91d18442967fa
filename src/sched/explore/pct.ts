/**
 * PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
 * "A Randomized Scheduler with Probabilistic Guarantees of Finding Bugs", ASPLOS 2010).
 *
 * Each run gives the n tasks distinct random priorities d, d+1, ..., d+n-1 and picks d-1
 * random change points among the k steps of a run; the highest-priority eligible task
 * always runs, and when step number k_i (i = 1..d-1) comes, the task that would run drops
 * to priority i (below every initial priority). A bug of depth d (needing d ordering
 * constraints) is found in each run with probability at least 1/(n * k^(d-1)).
 * k is estimated as the longest run seen so far.
 */
import { runPrng } from "../prng";
import type { Chooser } from "../scheduler";
import type { RunReport } from "./runner";
import type { Strategy } from "./strategy";

export class PctStrategy implements Strategy {
  readonly name = "pct";
  private k: number;

  constructor(
    private readonly seed: number | string,
    private readonly depth: number,
    initialSteps = 20,
  ) {
    if (!Number.isInteger(depth) || depth < 1) throw new Error(`PctStrategy: depth ${depth} must be an integer >= 1`);
    this.k = Math.max(1, initialSteps);
  }

  nextRun(run: number, tasks: number): Chooser {
    const rng = runPrng(this.seed, run);
    const d = this.depth;
    // Initial priorities: a random permutation of d .. d+n-1 (higher runs first).
    const initial: number[] = [];
    for (let i = 0; i < tasks; i++) initial.push(d + i);
    const prio = rng.shuffle(initial);
    // d-1 distinct change points among steps 1..k; change point i lowers to priority i.
    const steps: number[] = [];
    for (let s = 1; s <= this.k; s++) steps.push(s);
    const changeAt = new Map<number, number>();
    rng
      .shuffle(steps)
      .slice(0, Math.min(d - 1, steps.length))
      .forEach((s, i) => {
        changeAt.set(s, i + 1);
      });
    return (ctx) => {
      const highest = () => {
        let best = ctx.eligible[0]!;
        for (const t of ctx.eligible) if ((prio[t.id] ?? 0) > (prio[best.id] ?? 0)) best = t;
        return best;
      };
      const change = changeAt.get(ctx.step);
      if (change !== undefined) prio[highest().id] = change;
      return highest();
    };
  }

  finished(report: RunReport): void {
    if (report.end.steps > this.k) this.k = report.end.steps;
  }
}
