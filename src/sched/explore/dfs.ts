/**
 * Exhaustive depth-first exploration with a preemption bound, as CHESS does (Musuvathi &
 * Qadeer, "Iterative Context Bounding for Systematic Testing of Multithreaded Programs",
 * PLDI 2007). Stateless: every schedule re-runs the scenario from `setup`.
 *
 * A preemption is a step that switches away from the task that ran the previous step
 * while that task could still run (switching when it blocked, finished or called
 * cpuRelax() is free). With bound b, every schedule with at most b preemptions is run
 * exactly once; with no bound (Infinity), every interleaving of the steps is.
 *
 * At each step the alternatives are ordered default first (continue the previous task,
 * else the lowest index), so the first schedule is the non-preemptive one; backtracking
 * takes the deepest step that still has an untried alternative within the bound.
 */
import type { ChoiceContext, Chooser } from "../scheduler";
import type { SimTask } from "../task";
import type { Strategy } from "./strategy";

interface Frame {
  /** Eligible task ids, default first. */
  alts: number[];
  /** Index into alts taken by the current schedule. */
  chosen: number;
  /** Preemptions in the schedule before this step. */
  before: number;
  /** Task that ran the previous step, when it is still eligible (then switching costs one preemption). */
  prevEligibleId: number | null;
  /** Per alternative, the key of the state it leads to when a state cache can tell (else null). */
  next: (string | null)[] | null;
}

/**
 * A state cache's view of the alternatives (state-cache.ts): `predict` names the state a
 * step of `t` would lead to without running it, `covers` says that state was explored
 * with at least `left` preemptions left, so dfs skips that alternative; `chose` tells the
 * cache which prediction the step about to run was made with (it may check it).
 */
export interface DfsLookahead {
  predict(t: SimTask): string | null;
  covers(key: string | null, left: number): boolean;
  chose(step: number, key: string | null): void;
  /** A task whose next step is invisible: the only alternative explored here (or null). */
  solo?(ctx: ChoiceContext): number | null;
}

export class DfsStrategy implements Strategy {
  readonly name = "dfs";
  private readonly frames: Frame[] = [];
  private done = false;
  private started = false;
  /** Step whose choice the current schedule changed (-1 for the first schedule): the steps before it replay the previous one. */
  branch = -1;

  /** Set by a state cache: alternatives leading to explored states are not run. */
  lookahead: DfsLookahead | null = null;

  constructor(readonly bound: number = Infinity) {
    if (!(bound >= 0)) throw new Error(`DfsStrategy: preemption bound ${bound} must be >= 0`);
  }

  /** True once every schedule within the bound was handed out. */
  get exhausted(): boolean {
    return this.done;
  }

  nextRun(_run: number, _tasks: number): Chooser | null {
    if (this.started && !this.backtrack()) {
      this.done = true;
      return null;
    }
    this.branch = this.started ? this.frames.length - 1 : -1;
    this.started = true;
    let preempts = 0;
    return (ctx) => {
      let f = this.frames[ctx.step];
      if (!f) {
        const solo = this.lookahead?.solo?.(ctx) ?? null;
        const alts =
          solo !== null
            ? [solo]
            : [ctx.defaultTask.id, ...ctx.eligible.filter((t) => t !== ctx.defaultTask).map((t) => t.id)];
        const la = this.lookahead;
        const next = la
          ? alts.map((id, j) => (j === 0 ? null : la.predict(ctx.eligible.find((x) => x.id === id)!)))
          : null;
        f = { alts, chosen: 0, before: preempts, prevEligibleId: ctx.prevEligible ? ctx.prev!.id : null, next };
        this.frames.push(f);
      }
      const id = f.alts[f.chosen]!;
      this.lookahead?.chose(ctx.step, f.next?.[f.chosen] ?? null);
      if (f.prevEligibleId !== null && id !== f.prevEligibleId) preempts++;
      const t = ctx.eligible.find((x) => x.id === id);
      if (!t)
        throw new Error(
          `DfsStrategy: task ${id} is not eligible at step ${ctx.step}: the scenario is not deterministic (setup must build the same state every time)`,
        );
      return t;
    };
  }

  finished(): void {}

  coverage(): number {
    let covered = 0;
    let weight = 1;
    for (const f of this.frames) {
      let alts = 0;
      for (let j = 0; j < f.alts.length; j++) {
        if (f.before + (f.prevEligibleId !== null && f.alts[j] !== f.prevEligibleId ? 1 : 0) <= this.bound) alts++;
      }
      if (alts === 0) break;
      let before = 0;
      for (let j = 0; j < f.chosen; j++) {
        if (f.before + (f.prevEligibleId !== null && f.alts[j] !== f.prevEligibleId ? 1 : 0) <= this.bound) before++;
      }
      weight /= alts;
      covered += before * weight;
    }
    return covered;
  }

  /** Move to the next schedule: deepest frame with an untried alternative within the bound. */
  private backtrack(): boolean {
    while (this.frames.length > 0) {
      const f = this.frames[this.frames.length - 1]!;
      for (let j = f.chosen + 1; j < f.alts.length; j++) {
        const cost = f.before + (f.prevEligibleId !== null && f.alts[j] !== f.prevEligibleId ? 1 : 0);
        if (cost <= this.bound) {
          if (this.lookahead?.covers(f.next?.[j] ?? null, this.bound - cost)) continue;
          f.chosen = j;
          return true;
        }
      }
      this.frames.pop();
    }
    return false;
  }
}
