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
 * This file picks tasks and drives the run; the jobs around a step live beside it, as
 * loom splits execution, path and scheduler: what a step does with its effect in
 * execute.ts (the task's code between two effects runs in interpreter.ts, shared with
 * runSteps), locks in lock-queue.ts (take or queue, release and hand off; the queue
 * itself is wait-queue.ts), the livelock watch in deadlock.ts, and the schedule with its
 * preemptions and replay prefix in explore/path.ts.
 */
import { Checker } from "../base/checker";
import type { Violation } from "../base/checker";
import { createCostModel } from "./cost-model";
import type { CostModel } from "./cost-model";
import { findDeadlock, LivelockWatch } from "./deadlock";
import type { DeadlockReport, LivelockReport } from "./deadlock";
import { Path } from "./explore/path";
import { EventHeap } from "./heap";
import { Executor } from "./execute";
import type { Lock, LockMode } from "./lock";
import { LockQueues } from "./lock-queue";
import { LockStat } from "./lockstat";
import { SimTask } from "./task";
import type { Pending, TaskSpec } from "./task";
import type { TraceRecord } from "./trace";

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

export class Scheduler {
  readonly tasks: SimTask[] = [];
  readonly costs: CostModel;
  readonly checker: Checker;
  readonly lockStat = new LockStat();
  readonly trace: TraceRecord[];
  readonly livelockBound: number;
  readonly stepBound: number;
  /** Which task ran each step, the defaults and the preemptions. */
  readonly path = new Path();
  private readonly locks: LockQueues;
  private readonly exec: Executor;
  private readonly watch: LivelockWatch;
  private stepCount = 0;
  /** Simulated time at which the last step started. */
  private lastStart = 0;
  private livelock: LivelockReport | null = null;
  private prevTask: SimTask | null = null;
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
    this.locks = new LockQueues(this.costs, this.lockStat);
    this.exec = new Executor(this.costs, this.checker, this.locks, opts.trace ?? true);
    this.trace = this.exec.trace;
    this.watch = new LivelockWatch(bound, stepBound);
  }

  /** Task id of every executed step: the full schedule. */
  get schedule(): number[] {
    return this.path.schedule;
  }

  /** For every step, the id of the non-preemptive default task (see ChoiceContext). */
  get defaults(): number[] {
    return this.path.defaults;
  }

  /** Steps that switched away from a task that was still eligible. */
  get preemptions(): number {
    return this.path.preemptions;
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
    this.exec.advance(t);
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
   * did cpuRelax() steps aside when another task can run (it waits for someone else), and
   * so does every other spinner (a task whose last step was cpuRelax()) while some task
   * that is not spinning can run. Why: each task is its own CPU, and a CPU spinning in
   * cpu_relax() never stops another CPU from running, so after a cpu_relax() the task that
   * can end the wait gets the CPU, not another spinner. Without it two spinners could take
   * turns forever at no preemption cost while the task they wait for never runs, and that
   * unfair schedule would be reported as a livelock. With it a livelock is reported only
   * when no fair continuation makes progress: every runnable task spins (each waits for
   * another spinner), or the one that could end the wait never does.
   * With two tasks this is the plain rule (the other task runs).
   */
  eligible(): SimTask[] {
    if (this.livelock) return [];
    const r = this.runnable();
    const p = this.prevTask;
    if (!p?.relaxed || r.length <= 1) return r;
    const others = r.filter((t) => t !== p);
    const working = others.filter((t) => !t.relaxed);
    return working.length > 0 ? working : others;
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
    return this.path.replayPrefix();
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
      for (const w of this.locks.woken) push(w);
      this.locks.woken = [];
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
    this.path.push(task.id, ctx ? ctx.defaultTask.id : task.id, ctx?.prevEligible === true && ctx.prev !== task);
    const p = task.pending;
    const stepNo = this.stepCount++;
    task.steps++;
    this.prevTask = task;
    // A spinning step: cpu_relax() itself, or the re-read right after it. Any other step is progress.
    this.watch.stepping(task, p.kind === "cpuRelax" || task.relaxed);
    task.relaxed = p.kind === "cpuRelax";
    // Controlled runs: the chosen order is the order things happen in, so a step starts no
    // earlier than the step before it (a task not chosen was idle): one global, monotonic
    // simulated time. Timed runs already pick the earliest pending effect, so this changes nothing there.
    if (!timed && task.clock < this.lastStart) task.clock = this.lastStart;
    this.lastStart = task.clock;
    this.exec.execute(stepNo, task, p);
    this.livelock = this.watch.stepped(task, this.tasks);
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

  /** Waiters of a lock, in queue order (for manual mode and displays). */
  waitersOf(lock: Lock): { task: string; mode: LockMode; site: string; since: number }[] {
    return this.locks.waitersOf(lock);
  }

  /** Locks seen in this run, in first-use order. */
  knownLocks(): Lock[] {
    return this.locks.knownLocks();
  }
}
