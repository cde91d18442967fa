/**
 * Exhaustive exploration with dynamic partial-order reduction: source-set DPOR with sleep
 * sets (Abdulla, Aronis, Jonsson, Sagonas, "Optimal dynamic partial order reduction",
 * POPL 2014, Algorithm 1; after Flanagan & Godefroid, POPL 2005), stateless like dfs.ts.
 *
 * Two schedules that differ only in the order of independent adjacent steps (footprint.ts)
 * end in the same state with the same outcome: they are one Mazurkiewicz trace. DPOR runs
 * at least one schedule of every trace, and the sleep sets make it run at most one
 * complete schedule per trace; a run whose every eligible task is asleep is cut short
 * (its continuations were all covered elsewhere) and not counted as a schedule.
 *
 * How: every step gets a vector clock of the happens-before order (program order plus
 * conflicting steps). When a new step e' races with an earlier step e of another task
 * (they conflict and nothing in between orders them), the schedule that reverses them
 * must be tried: at the state before e, some task that can start that reversal (an
 * "initial" of the steps after e that do not depend on e, followed by e') is added to
 * the backtrack set, unless one is there already.
 *
 * With a preemption bound (Coons, Musuvathi, McKinley, "Bounded partial-order
 * reduction", OOPSLA 2013), the reversal may cost a preemption too many at e; so the task
 * is also added where the task of e was last switched to, sleep sets are off (a sleeping
 * task may have been covered only by a schedule the bound cut), and alternatives beyond
 * the bound are skipped. Like loom's bounded DPOR (src/rt/path.rs), this is conservative.
 *
 * The alternatives at each step are tried default first (continue the task that ran
 * last), as in dfs.ts, so the first schedule is the same non-preemptive one.
 */
import type { ChoiceContext, Chooser, Scheduler } from "../scheduler";
import type { SimTask } from "../task";
import { conflicts, footprintOf, type Footprint } from "./footprint";
import type { Strategy } from "./strategy";

/** Thrown by the chooser when every eligible task sleeps: the rest of the run is covered. */
export class SleepBlocked extends Error {
  constructor() {
    super("dpor: every eligible task is in the sleep set (run covered elsewhere)");
  }
}

/** Task sets are bit masks (a scenario has at most MAX_TASKS tasks under dpor). */
const MAX_TASKS = 30;
const bit = (id: number): number => 1 << id;

interface Frame {
  /** Eligible task ids at this state, default first. */
  enabled: number[];
  /** Footprint of a task's next step at this state, computed for those that need it (undefined: not yet). */
  fps: (Footprint | undefined)[];
  /** Task run at this step by the current schedule. */
  chosen: number;
  backtrack: number;
  done: number;
  /** Inherited sleep set: tasks whose next step (still pending) was covered elsewhere. */
  sleep: number;
  before: number;
  prevEligibleId: number | null;
  /** A task that is runnable but not eligible here because it just called cpu_relax(). */
  relaxing: number | null;
  /** Where the task that runs here was last switched to (for the bounded case). */
  blockStart: number;
  // The executed step (valid once analysed):
  fp: Footprint;
  /** Happens-before clock: per task, how many of its steps happen before or are this one. */
  vc: Int32Array;
  /** 1-based index of this step among its task's steps. */
  count: number;
  /** History id of every task at this state (symmetry: equal ids = identical local states). */
  hist: Int32Array;
}

function popcount(m: number): number {
  let c = 0;
  for (; m !== 0; m &= m - 1) c++;
  return c;
}

export class DporStrategy implements Strategy {
  readonly name = "dpor";
  private frames: Frame[] = [];
  private done = false;
  private started = false;
  private sched: Scheduler | null = null;
  /** Steps below this index are the unchanged prefix of the previous schedule (already analysed). */
  private analysedUpTo = 0;
  private tasks = 0;
  private readonly useSleep: boolean;
  /** Runs cut short because every eligible task slept. */
  sleepBlocked = 0;
  /** Backtrack points added (races found). */
  races = 0;
  /** Alternatives skipped because a symmetric task in the same local state was tried there. */
  symmetric = 0;
  /** Symmetry name of each task (null: none), from the scenario's task specs. */
  private symmetry: (string | null)[] = [];
  private readonly useSymmetry: boolean;
  /** Interned task histories: "parent id|step" -> id (exact, no hashing). */
  private readonly histIds = new Map<string, number>();

  constructor(
    readonly bound: number = Infinity,
    symmetry = true,
  ) {
    if (!(bound >= 0)) throw new Error(`DporStrategy: preemption bound ${bound} must be >= 0`);
    this.useSleep = bound === Infinity;
    this.useSymmetry = symmetry && bound === Infinity;
  }

  get exhausted(): boolean {
    return this.done;
  }

  /**
   * The scheduler of the run about to start (the chooser looks at lock state and waiters),
   * and each task's symmetry name (TaskSpec.symmetry).
   */
  attach(sched: Scheduler, symmetry: readonly (string | null | undefined)[] = []): void {
    this.sched = sched;
    this.symmetry = symmetry.map((x) => x ?? null);
  }

  nextRun(_run: number, tasks: number): Chooser | null {
    if (this.started && !this.backtrack()) {
      this.done = true;
      return null;
    }
    if (tasks > MAX_TASKS)
      throw new Error(`DporStrategy: ${tasks} tasks; partial-order reduction handles at most ${MAX_TASKS}`);
    this.started = true;
    this.tasks = Math.max(this.tasks, tasks);
    let preempts = 0;
    let afterRelax = false;
    // Task histories for symmetry: each step adds its site and, for every cell it touches,
    // the step that last wrote that cell (what it read), so equal histories of tasks running
    // the same code mean equal local states.
    const hist = new Int32Array(tasks);
    const lastWrite = new Map<unknown, number>();
    let lastGlobal = -1;
    return (ctx) => {
      const s = ctx.step;
      if (s > 0) this.analyse(s - 1);
      let f = this.frames[s];
      if (!f) {
        f = this.newFrame(ctx, preempts, afterRelax);
        this.frames.push(f);
      } else {
        // Replaying the prefix: the world was rebuilt, so footprints must name this run's objects.
        f.fps = [];
        this.fillFootprints(f, ctx.eligible, f.sleep | f.done, afterRelax);
      }
      const id = f.chosen;
      if (f.prevEligibleId !== null && id !== f.prevEligibleId) preempts++;
      const t = this.taskOf(ctx.eligible, id);
      if (!t)
        throw new Error(
          `DporStrategy: task ${id} is not eligible at step ${s}: the scenario is not deterministic (setup must build the same state every time)`,
        );
      f.fp = f.fps[id] ?? (f.fps[id] = footprintOf(t, this.sched!, afterRelax));
      if (this.useSymmetry) {
        f.hist = hist.slice();
        let key = `${hist[id]}|${t.pending!.kind}:${t.pending!.site}`;
        const fp = f.fp;
        if (fp === null) {
          key += `|G${s}`;
          lastGlobal = s;
        } else {
          for (const x of fp) key += `|${Math.max(lastWrite.get(x.cell) ?? -1, lastGlobal)}`;
          for (const x of fp) if (x.write) lastWrite.set(x.cell, s);
        }
        let h = this.histIds.get(key);
        if (h === undefined) this.histIds.set(key, (h = this.histIds.size + 1));
        hist[id] = h;
      }
      afterRelax = t.pending?.kind === "cpuRelax";
      return t;
    };
  }

  private taskOf(eligible: readonly SimTask[], id: number): SimTask | undefined {
    for (const t of eligible) if (t.id === id) return t;
    return undefined;
  }

  /** Footprints of the eligible tasks in `mask` (the ones the next step's sleep set looks at). */
  private fillFootprints(f: Frame, eligible: readonly SimTask[], mask: number, afterRelax: boolean): void {
    if (mask === 0) return;
    for (const t of eligible) if ((mask & bit(t.id)) !== 0) f.fps[t.id] = footprintOf(t, this.sched!, afterRelax);
  }

  /** Coverage estimate (progress.ts): backtrack sets still grow, so this runs ahead of the truth. */
  coverage(): number {
    let covered = 0;
    let weight = 1;
    for (const f of this.frames) {
      weight /= popcount(f.backtrack);
      covered += popcount(f.done) * weight;
    }
    return covered;
  }

  /** The run ended (or was cut): analyse its last step. */
  finished(): void {
    this.endRun();
  }

  private endRun(): void {
    const n = this.sched ? this.sched.steps : this.frames.length;
    if (n > 0 && n <= this.frames.length) this.analyse(n - 1);
  }

  private newFrame(ctx: ChoiceContext, preempts: number, afterRelax: boolean): Frame {
    const s = ctx.step;
    const enabled = [ctx.defaultTask.id];
    for (const t of ctx.eligible) if (t !== ctx.defaultTask) enabled.push(t.id);
    // Sleep set: what slept at the parent (plus its covered alternatives), minus what the parent's step conflicts with.
    let sleep = 0;
    if (this.useSleep && s > 0) {
      const p = this.frames[s - 1]!;
      const cands = (p.sleep | p.done) & ~bit(p.chosen);
      for (let m = cands; m !== 0; m &= m - 1) {
        const id = 31 - Math.clz32(m & -m);
        const fp = p.fps[id];
        if (fp !== undefined && !conflicts(fp, p.fp)) sleep |= bit(id);
      }
    }
    let chosen = -1;
    for (const id of enabled) {
      if ((sleep & bit(id)) === 0) {
        chosen = id;
        break;
      }
    }
    if (chosen < 0) {
      this.sleepBlocked++;
      throw new SleepBlocked();
    }
    const prevEligibleId = ctx.prevEligible ? ctx.prev!.id : null;
    const prevFrame = s > 0 ? this.frames[s - 1]! : null;
    const blockStart = prevFrame && prevFrame.chosen === chosen ? prevFrame.blockStart : s;
    const f: Frame = {
      enabled,
      fps: [],
      chosen,
      backtrack: bit(chosen),
      done: 0,
      sleep,
      before: preempts,
      prevEligibleId,
      relaxing: ctx.prev && !ctx.prevEligible && ctx.prev.state === "runnable" ? ctx.prev.id : null,
      blockStart,
      fp: null,
      vc: EMPTY,
      count: 0,
      hist: EMPTY,
    };
    this.fillFootprints(f, ctx.eligible, sleep, afterRelax);
    return f;
  }

  /** Happens-before clock of step j and the races it closes (steps below analysedUpTo are done). */
  private analyse(j: number): void {
    if (j < this.analysedUpTo) return;
    const frames = this.frames;
    const f = frames[j]!;
    const p = f.chosen;
    const fp = f.fp;
    const n = this.tasks;
    // Clock of p's previous step.
    let prev: Frame | null = null;
    for (let k = j - 1; k >= 0; k--) {
      if (frames[k]!.chosen === p) {
        prev = frames[k]!;
        break;
      }
    }
    const vc = new Int32Array(n);
    if (prev) vc.set(prev.vc.subarray(0, n));
    f.count = (prev ? prev.count : 0) + 1;
    // Conflicting earlier steps of other tasks, latest first. One already ordered before j
    // (through p's own past or a later conflicting step) adds nothing; any other is a race.
    let races: number[] | null = null;
    for (let i = j - 1; i >= 0; i--) {
      const e = frames[i]!;
      if (e.chosen === p || vc[e.chosen]! >= e.count) continue;
      if (!conflicts(e.fp, fp)) continue;
      (races ??= []).push(i);
      const ev = e.vc;
      for (let q = 0; q < n; q++) if (ev[q]! > vc[q]!) vc[q] = ev[q]!;
    }
    vc[p] = f.count;
    f.vc = vc;
    this.analysedUpTo = j + 1;
    if (races) for (const i of races) this.reverse(i, j);
  }
  /** Steps i < j race: make sure some schedule runs j's side first from the state before i. */
  private reverse(i: number, j: number): void {
    const frames = this.frames;
    const e = frames[i]!;
    const p = frames[j]!.chosen;
    // j's task blocked (waiting for a lock) at i: only a release at i itself can have
    // woken it, and a wake-up cannot run before the release that grants it.
    if (!e.enabled.includes(p) && e.relaxing !== p) return;
    const target = this.initialFor(i, j);
    this.addBacktrack(i, target);
    if (this.bound !== Infinity && e.blockStart < i) this.addBacktrack(e.blockStart, target);
  }

  /**
   * The tasks that can start the reversal at the state before step i: those whose first
   * step among v (the steps after i not ordered after it, then j) has no step of v before
   * it in happens-before order.
   */
  private initialFor(i: number, j: number): number[] {
    const frames = this.frames;
    const ei = frames[i]!;
    const ti = ei.chosen;
    const n = this.tasks;
    const firstInV = new Int32Array(n); // count of each task's first step in v (0: none yet)
    const initials: number[] = [];
    for (let k = i + 1; k <= j; k++) {
      const ek = frames[k]!;
      if (k < j && ek.vc[ti]! >= ei.count) continue; // ordered after i: not in v
      const q = ek.chosen;
      if (firstInV[q]! !== 0) continue; // not q's first step in v
      firstInV[q] = ek.count;
      let initial = true;
      for (let r = 0; r < n; r++) {
        if (r !== q && firstInV[r]! !== 0 && ek.vc[r]! >= firstInV[r]!) {
          initial = false;
          break;
        }
      }
      if (initial) initials.push(q);
    }
    return initials;
  }

  private addBacktrack(i: number, initials: number[]): void {
    const f = this.frames[i]!;
    for (const q of initials) if (((f.backtrack | f.sleep) & bit(q)) !== 0) return;
    const pick = initials.find((q) => f.enabled.includes(q));
    this.races++;
    if (pick === undefined) {
      // Not expected (an initial is enabled there); stay sound: try everything.
      for (const q of f.enabled) f.backtrack |= bit(q);
      return;
    }
    f.backtrack |= bit(pick);
  }

  /**
   * A task symmetric to `id`, in the same local state (same history) at this state, was
   * already run here: the schedules starting with `id` are those with the two swapped.
   */
  private mirrorsDone(f: Frame, id: number): boolean {
    const sym = this.symmetry[id];
    if (!sym) return false;
    for (let m = f.done; m !== 0; m &= m - 1) {
      const q = 31 - Math.clz32(m & -m);
      if (q !== id && this.symmetry[q] === sym && f.hist[q] === f.hist[id]) return true;
    }
    return false;
  }

  /** Next schedule: deepest step with a backtrack alternative not yet run, not asleep, within the bound. */
  private backtrack(): boolean {
    const frames = this.frames;
    while (frames.length > 0) {
      const k = frames.length - 1;
      const f = frames[k]!;
      f.done |= bit(f.chosen);
      const open = f.backtrack & ~f.done & ~f.sleep;
      if (open !== 0) {
        for (const id of f.enabled) {
          if ((open & bit(id)) === 0) continue;
          const cost = f.before + (f.prevEligibleId !== null && id !== f.prevEligibleId ? 1 : 0);
          if (cost > this.bound) continue;
          if (this.useSymmetry && this.mirrorsDone(f, id)) {
            // Its subtree is the mirror image of one already explored: count it as done.
            f.done |= bit(id);
            this.symmetric++;
            continue;
          }
          f.chosen = id;
          const prevFrame = k > 0 ? frames[k - 1]! : null;
          f.blockStart = prevFrame && prevFrame.chosen === id ? prevFrame.blockStart : k;
          this.analysedUpTo = k;
          return true;
        }
      }
      frames.pop();
    }
    return false;
  }
}

const EMPTY = new Int32Array(0);
