/**
 * The scheduler: runs several tasks (generators yielding Effects) interleaved, each on
 * its own simulated CPU with its own clock, with real lock semantics.
 *
 * One *step* executes the pending effect of one task, then runs that task's code up to
 * its next effect. Two ways to pick the task of the next step:
 *  - timed (`runTimed`): a tiny event loop over a heap ordered by (time, priority,
 *    sequence): the earliest pending effect runs first. Use it for lock hold/wait plots.
 *  - controlled (`run(choose)` or `step(task)`): an exploration strategy, a replay string
 *    or a student picks which eligible task runs next.
 * Both share the same effect semantics and cost accounting, so a timed run's schedule can
 * be replayed in controlled mode and gives the same trace.
 *
 * Locks: a busy lock puts the task in the lock's FIFO waiter queue (blocked). A release
 * hands the lock to the head waiter directly, as qspinlock's MCS queue does; for an rwsem
 * whose head waiter is a reader, every queued reader is granted at once (rwsem_mark_wake,
 * kernel/locking/rwsem.c). New acquirers queue behind existing waiters (no lock stealing).
 * A spinning waiter (spinlock) is woken after the handoff cost; a sleeping one (mutex,
 * rwsem) also pays the wake-up latency. Wait time is counted for both, as lock_stat does.
 */
import { Checker, CheckerError } from "../base/checker";
import type { Violation } from "../base/checker";
import { acquireCost, createCostModel, releaseCost, stepCost, waitersSleep } from "./cost-model";
import type { CostModel } from "./cost-model";
import { findDeadlock } from "./deadlock";
import type { DeadlockReport, LivelockReport } from "./deadlock";
import type { Effect } from "./effect";
import { EventHeap } from "./heap";
import type { Lock, LockMode } from "./lock";
import { lockdep } from "./lockdep";
import { LockStat } from "./lockstat";
import { SimTask } from "./task";
import type { Pending, TaskSpec, TaskState } from "./task";
import type { TraceKind, TraceRecord } from "./trace";

export interface SchedulerOptions {
  /** Cost overrides (simulated ns); see cost-model.ts. */
  costs?: Partial<CostModel>;
  /** Where lockdep and the model report misuse (default: a fresh recording Checker). */
  checker?: Checker;
  /**
   * Spinning steps in a row without progress before the run is declared a livelock
   * (deadlock.ts says what counts as progress). Default 10000.
   */
  livelockBound?: number;
  /**
   * Steps in a row without any task finishing before the run is stopped as a runaway
   * (reported as a livelock of kind "runaway"). Default 100 x livelockBound; a run whose
   * tasks have more work than that (a timed experiment) passes a bound that fits its work.
   */
  stepBound?: number;
  /** Record the trace (default true). Exploration turns it off for speed and replays failures with it on. */
  trace?: boolean;
}

export type RunStatus = "running" | "done" | "deadlock" | "livelock";

/** How a run ended. */
export interface RunEnd {
  status: Exclude<RunStatus, "running">;
  deadlock: DeadlockReport | null;
  livelock: LivelockReport | null;
  /** Return value of each finished task, by task name. */
  results: Record<string, unknown>;
  /** Tasks that threw, with the message; `byChecker` when it was a CheckerError (checker in "throw" mode). */
  crashed: { task: string; error: string; byChecker: boolean }[];
  violations: Violation[];
  /** Latest task clock (simulated ns). */
  time: number;
  steps: number;
}

/** What the controlled driver offers a chooser at each step. */
export interface ChoiceContext {
  /** 0-based index of the step about to run. */
  step: number;
  /** Tasks that may run now, by id. */
  eligible: readonly SimTask[];
  /** The task that ran the previous step (null at the start). */
  prev: SimTask | null;
  /** Whether `prev` is eligible: choosing another task is then a preemption. */
  prevEligible: boolean;
  /** The non-preemptive default: `prev` when eligible, else the eligible task with the lowest id. */
  defaultTask: SimTask;
}

export type Chooser = (ctx: ChoiceContext) => SimTask;

/** Heap priority of a pending effect when times are equal: releases first, acquires last. */
function priorityOf(p: Pending): number {
  switch (p.kind) {
    case "release":
      return 0;
    case "wake":
      return 1;
    case "acquire":
      return 3;
    default:
      return 2;
  }
}

interface Waiter {
  task: SimTask;
  mode: LockMode;
  site: string;
  since: number;
  /** Call site of the acquire (while call sites are captured): where the woken task stands. */
  at?: string;
}

/** Per-run state of a lock that the Lock data object does not carry. */
interface LockRuntime {
  waiters: Waiter[];
  /** CPU of the last acquisition (lock->cpu in lockdep), undefined before the first. */
  lastCpu: number | undefined;
  /** Site of the last acquisition (lock->ip): the "contending point" for waiters. */
  lastSite: string | undefined;
  /** Time at which the last release completed. */
  freeAt: number;
  /** Acquisition time of each current holder. */
  holdStart: Map<SimTask, number>;
}

export class Scheduler {
  readonly tasks: SimTask[] = [];
  readonly costs: CostModel;
  readonly checker: Checker;
  readonly lockStat = new LockStat();
  readonly trace: TraceRecord[] = [];
  readonly livelockBound: number;
  readonly stepBound: number;
  /** Task id of every executed step: the full schedule. */
  readonly schedule: number[] = [];
  /** For every step, the id of the non-preemptive default task (see ChoiceContext). */
  readonly defaults: number[] = [];
  /** Steps that switched away from a task that was still eligible. */
  preemptions = 0;
  private readonly recordTrace: boolean;
  private readonly locks = new Map<Lock, LockRuntime>();
  private stepCount = 0;
  /** Simulated time at which the last step started. */
  private lastStart = 0;
  /** Spinning steps since the last progress. */
  private sinceProgress = 0;
  /** Steps since a task last finished. */
  private sinceFinish = 0;
  /** Per task id: spinning steps since the last progress, and steps since a task last finished. */
  private readonly spinsByTask: number[] = [];
  private readonly sinceFinishByTask: number[] = [];
  private livelock: LivelockReport | null = null;
  private prevTask: SimTask | null = null;
  /** Tasks made runnable during the current step (for the timed event loop). */
  private woken: SimTask[] = [];
  private ended: RunEnd | null = null;

  constructor(opts: SchedulerOptions = {}) {
    this.costs = createCostModel(opts.costs);
    this.checker = opts.checker ?? new Checker();
    const bound = opts.livelockBound ?? 10000;
    if (!Number.isInteger(bound) || bound < 1)
      throw new Error(`Scheduler: livelockBound ${bound} must be a positive integer`);
    this.livelockBound = bound;
    const stepBound = opts.stepBound ?? 100 * bound;
    if (!Number.isInteger(stepBound) || stepBound < bound)
      throw new Error(`Scheduler: stepBound ${stepBound} must be an integer >= livelockBound (${bound})`);
    this.stepBound = stepBound;
    this.recordTrace = opts.trace ?? true;
  }

  /** Add a task; its code runs up to its first effect now. */
  spawn(spec: TaskSpec): SimTask {
    if (this.stepCount > 0)
      throw new Error(`Scheduler.spawn: task ${spec.name} spawned after the run started (step ${this.stepCount})`);
    if (!spec.name) throw new Error("Scheduler.spawn: task name is empty");
    if (this.tasks.some((t) => t.name === spec.name))
      throw new Error(`Scheduler.spawn: task name '${spec.name}' is already used`);
    const id = this.tasks.length;
    const cpu = spec.cpu ?? id;
    if (!Number.isInteger(cpu) || cpu < 0)
      throw new Error(`Scheduler.spawn: task ${spec.name} cpu ${cpu} must be an integer >= 0`);
    const t = new SimTask(id, spec.name, cpu);
    t.gen = spec.body(t);
    this.tasks.push(t);
    this.advance(t, undefined);
    return t;
  }

  get steps(): number {
    return this.stepCount;
  }

  /** Latest clock over all tasks. */
  get now(): number {
    let m = 0;
    for (const t of this.tasks) if (t.clock > m) m = t.clock;
    return m;
  }

  status(): RunStatus {
    if (this.livelock) return "livelock";
    if (this.tasks.some((t) => t.state === "runnable")) return "running";
    return this.tasks.some((t) => t.state === "blocked") ? "deadlock" : "done";
  }

  runnable(): SimTask[] {
    return this.tasks.filter((t) => t.state === "runnable");
  }

  /**
   * Tasks a controlled driver may pick: the runnable ones, except that a task which just
   * did cpuRelax() steps aside when another task can run (it waits for someone else).
   */
  eligible(): SimTask[] {
    if (this.livelock) return [];
    const r = this.runnable();
    const p = this.prevTask;
    if (p?.relaxed && r.length > 1) return r.filter((t) => t !== p);
    return r;
  }

  /** The choice context for the next step, or null when nothing can run. */
  choiceContext(): ChoiceContext | null {
    const eligible = this.eligible();
    if (eligible.length === 0) return null;
    const prev = this.prevTask;
    const prevEligible = prev !== null && eligible.includes(prev);
    return { step: this.stepCount, eligible, prev, prevEligible, defaultTask: prevEligible ? prev! : eligible[0]! };
  }

  /** Controlled run: `choose` picks the task of every step until nothing can run. */
  run(choose: Chooser): RunEnd {
    for (;;) {
      const ctx = this.choiceContext();
      if (!ctx) break;
      const t = choose(ctx);
      if (t?.state !== "runnable") {
        throw new Error(
          `Scheduler.run: the chooser picked ${t?.name ?? String(t)}, which is not runnable at step ${ctx.step} (eligible: ${ctx.eligible.map((x) => x.name).join(", ")})`,
        );
      }
      this.stepIn(ctx, t);
    }
    return this.end();
  }

  /**
   * The shortest prefix of the executed schedule that reproduces it when every later step
   * takes the default task (at least one step). This is what replay strings encode.
   */
  replayPrefix(): number[] {
    let last = 0;
    for (let i = 0; i < this.schedule.length; i++) if (this.schedule[i] !== this.defaults[i]) last = i;
    return this.schedule.slice(0, Math.min(this.schedule.length, last + 1));
  }

  /** Timed run: earliest pending effect first, ties by priority then FIFO. */
  runTimed(): RunEnd {
    const heap = new EventHeap<SimTask>();
    const push = (t: SimTask): void => {
      if (t.state === "runnable" && t.pending) heap.push(t.clock, priorityOf(t.pending), t);
    };
    for (const t of this.tasks) push(t);
    while (heap.size > 0 && !this.livelock) {
      const ev = heap.pop()!;
      const t = ev.item;
      if (t.state !== "runnable") continue;
      this.stepIn(this.choiceContext(), t, true);
      push(t);
      for (const w of this.woken) push(w);
      this.woken = [];
    }
    return this.end();
  }

  /** Execute one step of `task` (which must be runnable; any runnable task, eligible or not). */
  step(task: SimTask): void {
    this.stepIn(this.choiceContext(), task);
  }

  private stepIn(ctx: ChoiceContext | null, task: SimTask, timed = false): void {
    if (task.state !== "runnable" || !task.pending) {
      throw new Error(`Scheduler.step: task ${task.name} is ${task.state}, not runnable`);
    }
    if (this.livelock) throw new Error(`Scheduler.step: the run already ended in a livelock of ${this.livelock.task}`);
    this.schedule.push(task.id);
    this.defaults.push(ctx ? ctx.defaultTask.id : task.id);
    if (ctx?.prevEligible && ctx.prev !== task) this.preemptions++;
    const p = task.pending;
    const stepNo = this.stepCount++;
    task.steps++;
    this.prevTask = task;
    // A spinning step: cpu_relax() itself, or the re-read right after it. Any other step is progress.
    if (p.kind === "cpuRelax" || task.relaxed) {
      this.sinceProgress++;
      this.spinsByTask[task.id] = (this.spinsByTask[task.id] ?? 0) + 1;
    } else if (this.sinceProgress > 0) {
      this.sinceProgress = 0;
      this.spinsByTask.fill(0);
    }
    this.sinceFinish++;
    this.sinceFinishByTask[task.id] = (this.sinceFinishByTask[task.id] ?? 0) + 1;
    task.relaxed = p.kind === "cpuRelax";
    // Controlled runs: the chosen order is the order things happen in, so a step starts no
    // earlier than the step before it (a task not chosen was idle): one global, monotonic
    // simulated time. Timed runs already pick the earliest pending effect, so this changes nothing there.
    if (!timed && task.clock < this.lastStart) task.clock = this.lastStart;
    const t0 = task.clock;
    this.lastStart = t0;

    switch (p.kind) {
      case "step":
        this.record(stepNo, t0, task, "step", p.site, {
          cost: p.cost,
          ...(p.units === undefined ? {} : { units: p.units }),
        });
        task.clock = t0 + stepCost(this.costs, p.cost, p.units);
        this.advance(task, undefined);
        break;
      case "mightSleep":
        this.guard(task, () => lockdep.mightSleep(this.checker, task, p.site));
        this.record(stepNo, t0, task, "mightSleep", p.site);
        this.advance(task, undefined);
        break;
      case "cpuRelax":
        this.record(stepNo, t0, task, "cpuRelax", p.site);
        task.clock = t0 + this.costs.cpuRelax;
        this.advance(task, undefined);
        break;
      case "acquire":
        this.doAcquire(stepNo, task, p.lock, p.mode, p.site);
        break;
      case "release":
        this.doRelease(stepNo, task, p.lock, p.site);
        break;
      case "wake":
        this.record(stepNo, t0, task, "acquired", p.site, {
          ...lockFields(p.lock),
          mode: p.mode,
          text: `after waiting ${t0 - (task.waiting?.since ?? t0)}ns`,
        });
        task.waiting = null;
        this.advance(task, undefined);
        break;
    }

    const after = task.state as TaskState;
    if (after === "done" || after === "crashed") {
      this.sinceProgress = 0;
      this.sinceFinish = 0;
      this.spinsByTask.fill(0);
      this.sinceFinishByTask.fill(0);
    } else if (this.sinceProgress > this.livelockBound || this.sinceFinish > this.stepBound) {
      const kind = this.sinceProgress > this.livelockBound ? "spin" : "runaway";
      let worst = task;
      let most = -1;
      for (const t of this.tasks) {
        const n = (kind === "spin" ? this.spinsByTask[t.id] : this.sinceFinishByTask[t.id]) ?? 0;
        if (n > most) {
          most = n;
          worst = t;
        }
      }
      this.livelock = {
        task: worst.name,
        site: worst.site,
        steps: most,
        totalSteps: kind === "spin" ? this.sinceProgress : this.sinceFinish,
        kind,
      };
    }
  }

  /** How the run ended (valid once nothing can run; also callable early, e.g. by manual mode). */
  end(): RunEnd {
    if (this.ended) return this.ended;
    const status = this.status();
    if (status === "running")
      throw new Error("Scheduler.end: tasks can still run; step them or call run()/runTimed() first");
    const deadlock = status === "deadlock" ? findDeadlock(this.tasks) : null;
    const now = this.now;
    const results: Record<string, unknown> = {};
    const crashed: RunEnd["crashed"] = [];
    for (const t of this.tasks) {
      if (t.state === "done") results[t.name] = t.result;
      if (t.state === "crashed") crashed.push({ task: t.name, error: t.error ?? "", byChecker: t.crashedByChecker });
    }
    const e: RunEnd = {
      status,
      deadlock,
      livelock: this.livelock,
      results,
      crashed,
      violations: this.checker.list(),
      time: now,
      steps: this.stepCount,
    };
    // Close the timeline: holds and waits still going at the end.
    for (const t of this.tasks) {
      for (const h of t.held) {
        this.lockStat.unfinished(h.lock.className, h.lock.name, t.name, h.mode, "hold", h.since, now);
      }
      if (t.state === "blocked" && t.waiting) {
        this.lockStat.unfinished(
          t.waiting.lock.className,
          t.waiting.lock.name,
          t.name,
          t.waiting.mode,
          "wait",
          t.waiting.since,
          now,
        );
      }
    }
    this.ended = e;
    return e;
  }

  // ---------------------------------------------------------------- internals

  private rt(lock: Lock): LockRuntime {
    let r = this.locks.get(lock);
    if (!r) {
      r = { waiters: [], lastCpu: undefined, lastSite: undefined, freeAt: 0, holdStart: new Map() };
      this.locks.set(lock, r);
    }
    return r;
  }

  /** Waiters of a lock, in queue order (for manual mode and displays). */
  waitersOf(lock: Lock): { task: string; mode: LockMode; site: string; since: number }[] {
    return (this.locks.get(lock)?.waiters ?? []).map((w) => ({
      task: w.task.name,
      mode: w.mode,
      site: w.site,
      since: w.since,
    }));
  }

  /** Locks seen in this run, in first-use order. */
  knownLocks(): Lock[] {
    return [...this.locks.keys()];
  }

  private doAcquire(stepNo: number, task: SimTask, lock: Lock, requested: LockMode, site: string): void {
    const mode: LockMode = lock.kind === "rwsem" ? requested : "write";
    const t0 = task.clock;
    if (!this.guard(task, () => lockdep.beforeAcquire(this.checker, task, lock, mode, site))) return;
    const r = this.rt(lock);
    const free = r.waiters.length === 0 && lock.available(mode) && !lock.holders.has(task);
    if (free) {
      const bounce = r.lastCpu !== undefined && r.lastCpu !== task.cpu;
      const start = Math.max(t0, r.freeAt);
      const at = start + acquireCost(this.costs, lock.kind) + (bounce ? this.costs.cacheLineBounce : 0);
      this.record(stepNo, t0, task, "acquire", site, { ...lockFields(lock), mode });
      this.take(task, lock, mode, site, at, bounce, null);
      task.clock = at;
      this.advance(task, undefined);
      return;
    }
    // Busy (or a recursive take of a lock we hold: that blocks on ourselves, as in the kernel).
    const holders = [...lock.holders.keys()].map((h) => h.name);
    this.lockStat.contended(lock.className, mode, site, r.lastSite, r.lastCpu !== undefined && r.lastCpu !== task.cpu);
    const at = task.pending && "at" in task.pending ? task.pending.at : undefined;
    r.waiters.push(at === undefined ? { task, mode, site, since: t0 } : { task, mode, site, since: t0, at });
    task.state = "blocked";
    task.waiting = { lock, mode, site, since: t0 };
    this.record(stepNo, t0, task, "contend", site, {
      ...lockFields(lock),
      mode,
      text: `${lock.kind === "spinlock" ? "spins" : "sleeps"}; held by ${holders.join(", ") || "nobody"}${r.waiters.length > 1 ? `; ${r.waiters.length - 1} queued ahead` : ""}`,
    });
  }

  private doRelease(stepNo: number, task: SimTask, lock: Lock, site: string): void {
    const t0 = task.clock;
    let ok = false;
    if (!this.guard(task, () => (ok = lockdep.beforeRelease(this.checker, task, lock, site)))) return;
    if (!ok) {
      this.record(stepNo, t0, task, "release", site, { ...lockFields(lock), text: "ignored: not held by this task" });
      this.advance(task, undefined);
      return;
    }
    const r = this.rt(lock);
    const mode = lock.holders.get(task)!;
    lock.holders.delete(task);
    for (let i = task.held.length - 1; i >= 0; i--) {
      if (task.held[i]!.lock === lock) {
        task.held.splice(i, 1);
        break;
      }
    }
    const start = r.holdStart.get(task) ?? t0;
    r.holdStart.delete(task);
    this.lockStat.released(lock.className, lock.name, task.name, mode, start, t0);
    this.record(stepNo, t0, task, "release", site, { ...lockFields(lock), mode, text: `held ${t0 - start}ns` });
    const done = t0 + releaseCost(this.costs, lock.kind);
    task.clock = done;
    r.freeAt = Math.max(r.freeAt, done);
    this.grantWaiters(lock, r, done);
    this.advance(task, undefined);
  }

  /** Hand the lock to the head waiter (all queued readers when the head is an rwsem reader). */
  private grantWaiters(lock: Lock, r: LockRuntime, at: number): void {
    const head = r.waiters[0];
    if (!head) return;
    if (lock.kind === "rwsem" && head.mode === "read") {
      if (!lock.available("read")) return;
      const readers = r.waiters.filter((w) => w.mode === "read");
      r.waiters = r.waiters.filter((w) => w.mode !== "read");
      for (const w of readers) this.grant(lock, r, w, at);
      return;
    }
    if (lock.holders.size > 0) return;
    r.waiters.shift();
    this.grant(lock, r, head, at);
  }

  private grant(lock: Lock, r: LockRuntime, w: Waiter, at: number): void {
    const bounce = r.lastCpu !== undefined && r.lastCpu !== w.task.cpu;
    const when =
      Math.max(at, w.since) +
      (waitersSleep(lock.kind) ? this.costs.wakeup : 0) +
      acquireCost(this.costs, lock.kind) +
      (bounce ? this.costs.cacheLineBounce : 0);
    this.take(w.task, lock, w.mode, w.site, when, bounce, { start: w.since, end: when });
    w.task.clock = when;
    w.task.state = "runnable";
    w.task.pending =
      w.at === undefined
        ? { kind: "wake", lock, mode: w.mode, site: w.site }
        : { kind: "wake", lock, mode: w.mode, site: w.site, at: w.at };
    this.woken.push(w.task);
  }

  private take(
    task: SimTask,
    lock: Lock,
    mode: LockMode,
    site: string,
    at: number,
    bounce: boolean,
    wait: { start: number; end: number } | null,
  ): void {
    const r = this.rt(lock);
    lock.holders.set(task, mode);
    task.held.push({ lock, mode, site, since: at });
    r.holdStart.set(task, at);
    r.lastCpu = task.cpu;
    r.lastSite = site;
    this.lockStat.acquired(lock.className, lock.name, task.name, mode, bounce, wait);
  }

  /** Run a lockdep/model check; a CheckerError (checker in "throw" mode) crashes the task. */
  private guard(task: SimTask, f: () => void): boolean {
    try {
      f();
      return true;
    } catch (e) {
      this.crash(task, e);
      return false;
    }
  }

  private crash(task: SimTask, e: unknown): void {
    task.state = "crashed";
    task.pending = null;
    task.crashedByChecker = e instanceof CheckerError;
    task.error = e instanceof CheckerError ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    this.record(Math.max(0, this.stepCount - 1), task.clock, task, "crash", "", { text: task.error });
  }

  /** Resume the task's code until its next scheduling effect (answering `current`, recording notes). */
  private advance(task: SimTask, first: unknown): void {
    let input = first;
    for (;;) {
      let r: IteratorResult<Effect, unknown>;
      try {
        r = task.gen.next(input);
      } catch (e) {
        this.crash(task, e);
        return;
      }
      input = undefined;
      if (r.done) {
        task.state = "done";
        task.pending = null;
        task.result = r.value;
        this.record(
          Math.max(0, this.stepCount - 1),
          task.clock,
          task,
          "done",
          "",
          r.value === undefined ? {} : { text: `returned ${short(r.value)}` },
        );
        if (task.held.length > 0) {
          this.checker.report({
            rule: "lock-held-at-exit",
            message: `${task.name} finished holding ${task.held.map((h) => String(h.lock)).join(", ")}: lock held when returning to user space (kernel/locking/lockdep.c lockdep_sys_exit)`,
            site: task.held[task.held.length - 1]!.site,
            task: task.name,
          });
        }
        return;
      }
      const e = r.value;
      if (!e || typeof e !== "object") {
        this.crash(
          task,
          new Error(`task ${task.name} yielded ${String(e)}, not an Effect (use yield* on the helpers of effect.ts)`),
        );
        return;
      }
      switch (e.kind) {
        case "current":
          input = task;
          continue;
        case "note":
          this.record(
            Math.max(0, this.stepCount - 1),
            task.clock,
            task,
            "note",
            "",
            e.event ? { text: e.text, event: e.event } : { text: e.text },
          );
          continue;
        case "step":
        case "acquire":
        case "release":
        case "mightSleep":
        case "cpuRelax":
          task.pending = e;
          return;
        default:
          this.crash(
            task,
            new Error(`task ${task.name} yielded an unknown effect kind '${(e as { kind: unknown }).kind}'`),
          );
          return;
      }
    }
  }

  private record(
    step: number,
    time: number,
    task: SimTask,
    kind: TraceKind,
    site: string,
    extra: Partial<TraceRecord> = {},
  ): void {
    if (!this.recordTrace) return;
    // The model line that yielded the effect being executed, when call sites are captured.
    const p = kind === "note" ? undefined : (task.pending as Pick<TraceRecord, "at" | "frames"> | null);
    const where = p?.at ? { at: p.at, ...(p.frames ? { frames: p.frames } : {}) } : {};
    this.trace.push({ step, time, task: task.name, cpu: task.cpu, kind, site, ...where, ...extra });
  }
}

/** A lock's fields of a trace record: the printed name plus class and instance as data. */
function lockFields(lock: Lock): Pick<TraceRecord, "lock" | "lockClass" | "lockName"> {
  return { lock: String(lock), lockClass: lock.className, lockName: lock.name };
}

function short(v: unknown): string {
  let s: string;
  try {
    s =
      typeof v === "string"
        ? v
        : (JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x)) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
