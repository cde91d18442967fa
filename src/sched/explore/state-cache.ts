/**
 * State caching for exhaustive dfs: a run stops at a state some earlier run already reached
 * (with at least as many preemptions left), since everything after it was explored from there;
 * and dfs does not even start an alternative whose next state it can name and was explored.
 *
 * What a state is. The tasks are deterministic generators that cannot be copied, so a
 * task's local state is named by what determines it: its code (the task, or its symmetry
 * name) and its steps, each with what it read (footprint.ts says what a step touches):
 *  - a page-table entry (a `ValueCell`, mm/pagetable.ts): its value. Two runs in which a
 *    lookup read the same pmd value are the same to that lookup, whoever wrote it when;
 *  - a lock it takes (acquire, or the wake-up after waiting): what the code right after it
 *    may read, i.e. what holders of that lock wrote under it (entries by value when they
 *    differ from the built world) and the latest global step. Who held the lock before is
 *    not recorded, so N lookups taking one ptlock in N! orders meet in one state;
 *  - any other cell (no readable value: a notifier's bookkeeping, the TLB): the step that
 *    wrote it last, whose own record names what it read in turn;
 *  - a global step (footprint null: reads everything): the whole digest below.
 * Each step becomes an interned event number; a task's local state is its latest event.
 *
 * The model state is the digest: the latest global step, the latest step that wrote page
 * tables without naming the entry, every named entry whose value differs from the built
 * world, and the last writers of the other cells. The key of a state is each task's
 * latest event, its scheduler state (runnable, blocked with its place in the lock's
 * queue, done), who ran last and whether that was cpu_relax() (eligibility and, under a
 * bound, what counts as a preemption), and the digest. Lock holders need no entry: they
 * follow from the tasks' histories. With a preemption bound the cache keeps the most
 * preemptions left at each state: a visit with more left is not pruned.
 *
 * Assumptions (the ones dpor.ts makes, plus lock discipline): footprints are sound (a
 * step touches no cell it does not declare; undeclared steps are global), and code right
 * after taking a lock reads only what is written under that lock, declared cells, or what
 * global steps wrote. The soundness tests compare every registered scenario and random
 * toy programs with plain dfs.
 *
 * Predicting instead of running. A dfs alternative costs a whole run (rebuild the world,
 * replay the prefix) even when it leads straight into an explored state. When the step
 * that alternative would take was taken before in some run (the same event: same task
 * history, same values read) and changes nothing but named entries, other cells' last
 * writers, the task itself and a lock's queue, its result is known (the memo: the task's
 * state after it and the values it wrote), so the cache names the next state without
 * running it; dfs skips the alternative when that state was explored (state-cache tests
 * check every followed prediction against the key the run then computes).
 *
 * Replayed steps. A run repeats the run before it up to its branch (dfs.ts), and the
 * tasks are deterministic, so each replayed step is the event the run before took at that
 * step: the run takes it from there (RunState.apply) instead of naming what the step read
 * again, which is most of the bookkeeping (at 5-8 lookups ~90% of the steps are replayed).
 * `verify` names them anyway and checks.
 *
 * Symmetry (opt in): tasks the scenario declares interchangeable (TaskSpec.symmetry: same
 * code, same parameters) enter the key as a sorted multiset, so a state and its mirror
 * image with two lookups swapped are one state. Sound for the set of outcome classes when
 * classification does not depend on which of the interchangeable tasks did what.
 *
 * Why the first failure stays the same: a dfs run reaching a cached state S has an earlier
 * run R' that reached S (or its mirror) first, and dfs explored all of S's continuations
 * right after it, so any failing continuation of the pruned run has a failing twin that
 * dfs (cached or not) runs earlier. Hence the first failing run of plain dfs is never
 * pruned, and caching reports the same first failure and outcome classes.
 *
 * Not modelled: the runaway bound (Scheduler.stepBound: steps without any task finishing)
 * counts steps, not events; a cached exploration reaches it only if plain dfs does.
 */
import type { ChoiceContext, Chooser, Scheduler } from "../scheduler";
import type { SimTask } from "../task";
import { footprintOf, type Footprint } from "./footprint";
import type { StableCells } from "./invisible";
import { type CacheTables, type EventResult, RunState } from "./run-state";

/**
 * Thrown by the chooser at a state that was explored before: the rest of this run is
 * covered. One instance, thrown again and again (an Error per cut run would capture a
 * stack each time).
 */
export class StateCached extends Error {
  static readonly instance = new StateCached();
  private constructor() {
    super("state cache: this state was explored before (run covered elsewhere)");
  }
}

export interface StateCacheStats {
  /** Distinct states seen (with symmetry: up to swapping interchangeable tasks). */
  states: number;
  /** Runs cut short at a state explored before, or never started (foreseen). */
  hits: number;
  /** Of the hits, alternatives not run at all (predicted to reach an explored state). */
  foreseen: number;
  /** Distinct events (task steps with what they saw). */
  events: number;
}

export class StateCache implements CacheTables {
  /** State key -> most preemptions left at any visit. */
  private readonly seen = new Map<string, number>();
  readonly eventIds = new Map<string, number>();
  readonly siteIds = new Map<string, number>();
  readonly cellIds = new Map<string, number>();
  readonly memo = new Map<number, EventResult>();
  /** Set by explore() (no preemption bound): invisible steps explored alone (invisible.ts). */
  stable: StableCells | null = null;
  /** Call when the run in progress has ended (its last step is recorded: what it wrote). */
  endRun: () => void = () => {};
  /** The run in progress (wrap). */
  private run: RunState | null = null;
  private afterRelax = false;
  private expected: { step: number; key: string } | null = null;
  /** Runs cut short (the alternative or the state it reached was explored before). */
  hits = 0;
  /** Of those, alternatives never run: the predictor named an explored state. */
  foreseen = 0;
  /** Check every prediction a run follows against the key the run then computes (tests). */
  verify = false;
  /** Predictions checked so far (verify). */
  verified = 0;

  constructor(
    readonly bound: number = Infinity,
    readonly symmetry = false,
  ) {}

  get stats(): StateCacheStats {
    return { states: this.seen.size, hits: this.hits, foreseen: this.foreseen, events: this.eventIds.size };
  }

  get states(): number {
    return this.seen.size;
  }

  /** The key of the state one step of `t` would lead to in the run in progress, when known without running it (else null). */
  predict(t: SimTask): string | null {
    return this.run?.predict(t, this.afterRelax) ?? null;
  }

  /** The task to explore alone from the state now (its next step is invisible), or null. */
  solo(ctx: ChoiceContext): number | null {
    return this.run && this.stable ? this.stable.solo(ctx, this.run.sched, this.afterRelax) : null;
  }

  /**
   * Whether the state `key` was explored with at least `left` preemptions left (a dfs
   * alternative leading there need not be run: counted as a cut run).
   */
  covers(key: string | null, left: number): boolean {
    // Verifying: every predicted alternative runs, so each prediction gets checked.
    if (key === null || this.verify) return false;
    const had = this.seen.get(key);
    if (had === undefined || had < left) return false;
    this.hits++;
    this.foreseen++;
    return true;
  }

  /**
   * The alternative about to run at `step` was predicted to lead to `key`: with `verify`
   * on, the run checks the key it computes after that step and throws if it differs.
   */
  expect(step: number, key: string | null): void {
    this.expected = key === null || !this.verify ? null : { step, key };
  }

  /**
   * A chooser for one run: `inner` picks the tasks; before each step from `checkFrom` on
   * (the steps before it replay a prefix whose states were seen), the state is looked up
   * and the run stops (StateCached) when it was explored with at least as many
   * preemptions left. `groups`: per task, its symmetry name or null.
   */
  wrap(inner: Chooser, sched: Scheduler, groups: readonly (string | null | undefined)[], checkFrom: number): Chooser {
    const run = new RunState(sched, this, this.bound, groups, this.symmetry);
    this.run = run;
    this.afterRelax = false;
    // The steps before the branch replay the run before, so their events are known: they
    // skip naming what they read (record) and the cache's learning (apply instead of commit).
    const before = this.events;
    const events: number[] = [];
    this.events = events;
    const replayTo = checkFrom - 1;
    let preempts = 0;
    let pendingTask = -1;
    let pendingStep = -1;
    let pendingRec: string | null = null;
    let pendingFp: Footprint = null;
    const commit = () => {
      if (pendingRec !== null) events[pendingStep] = run.commit(pendingTask, pendingRec, pendingFp);
      else {
        const id = before[pendingStep]!;
        run.apply(pendingTask, id, pendingFp);
        events[pendingStep] = id;
      }
      pendingTask = -1;
    };
    // The last step of a run that ends has no next choice to commit it at.
    this.endRun = () => {
      if (pendingTask >= 0) commit();
    };
    return (ctx: ChoiceContext) => {
      if (pendingTask >= 0) commit();
      const ex = this.expected;
      if (ex !== null && ex.step === ctx.step - 1) {
        const key = run.keyOf(ctx.prev, this.afterRelax);
        if (key !== ex.key)
          throw new Error(`state cache: the state after step ${ex.step} is ${key}, the predictor said ${ex.key}`);
        this.verified++;
        this.expected = null;
      }
      if (ctx.step >= checkFrom) {
        const key = run.keyOf(ctx.prev, this.afterRelax);
        const left = this.bound - preempts;
        const had = this.seen.get(key);
        if (had !== undefined && had >= left) {
          this.hits++;
          throw StateCached.instance;
        }
        this.seen.set(key, left);
      }
      const t: SimTask = inner(ctx);
      if (ctx.prevEligible && t !== ctx.prev) preempts++;
      pendingFp = footprintOf(t, sched, this.afterRelax);
      pendingStep = ctx.step;
      pendingTask = t.id;
      if (ctx.step < replayTo && before[ctx.step] !== undefined) {
        if (this.verify) this.checkReplay(run.record(t, pendingFp)!, before[ctx.step]!, ctx.step);
        else run.trackReads(t, pendingFp);
        pendingRec = null;
      } else pendingRec = run.record(t, pendingFp)!;
      this.afterRelax = t.pending!.kind === "cpuRelax";
      return t;
    };
  }

  /** Per step of the latest run, its event (the next run replays them up to its branch). */
  private events: number[] = [];

  /** verify: a replayed step must be the event the run before took there. */
  private checkReplay(rec: string, id: number, step: number): void {
    if (this.eventIds.get(rec) !== id)
      throw new Error(`state cache: step ${step} replays event ${id}, but the run now records ${rec}`);
  }
}
