/**
 * What one step of the scheduler does: the meaning of each effect under simulated time.
 * A costed step advances the task's clock; might_sleep() and lock operations go through
 * lockdep first (a CheckerError crashes the task); acquire and release go to the lock
 * queues (lock-queue.ts); then the task's code runs up to its next effect
 * (interpreter.ts, shared with runSteps). Every effect leaves a trace record.
 */
import { CheckerError } from "../base/checker";
import type { Checker } from "../base/checker";
import { stepCost } from "./cost-model";
import type { CostModel } from "./cost-model";
import { type NoteEffect, runToEffect, type SchedulingEffect } from "./interpreter";
import type { Lock, LockMode } from "./lock";
import type { LockQueues } from "./lock-queue";
import { lockdep } from "./lockdep";
import type { Pending, SimTask } from "./task";
import type { TraceKind, TraceRecord } from "./trace";

export class Executor {
  readonly trace: TraceRecord[] = [];
  /** The step being executed (0 before the first): the step of done, crash and note records. */
  private stepNo = 0;

  constructor(
    private readonly costs: CostModel,
    private readonly checker: Checker,
    private readonly locks: LockQueues,
    private readonly recordTrace: boolean,
  ) {}

  /** Execute `p`, the pending effect of `task`, as step `stepNo` starting at the task's clock. */
  execute(stepNo: number, task: SimTask, p: Pending): void {
    this.stepNo = stepNo;
    const t0 = task.clock;
    switch (p.kind) {
      case "step":
        this.record(stepNo, t0, task, "step", p.site, () => ({
          cost: p.cost,
          ...(p.units === undefined ? {} : { units: p.units }),
        }));
        task.clock = t0 + stepCost(this.costs, p.cost, p.units);
        this.advance(task);
        break;
      case "mightSleep":
        this.guard(task, () => lockdep.mightSleep(this.checker, task, p.site));
        this.record(stepNo, t0, task, "mightSleep", p.site);
        this.advance(task);
        break;
      case "cpuRelax":
        this.record(stepNo, t0, task, "cpuRelax", p.site);
        task.clock = t0 + this.costs.cpuRelax;
        this.advance(task);
        break;
      case "acquire":
        this.doAcquire(stepNo, task, p.lock, p.mode, p.site);
        break;
      case "release":
        this.doRelease(stepNo, task, p.lock, p.site);
        break;
      case "wake":
        this.record(stepNo, t0, task, "acquired", p.site, () => ({
          ...lockFields(p.lock),
          mode: p.mode,
          text: `after waiting ${t0 - (task.waiting?.since ?? t0)}ns`,
        }));
        task.waiting = null;
        this.advance(task);
        break;
    }
  }

  private doAcquire(stepNo: number, task: SimTask, lock: Lock, requested: LockMode, site: string): void {
    const mode: LockMode = lock.kind === "rwsem" ? requested : "write";
    const t0 = task.clock;
    if (!this.guard(task, () => lockdep.beforeAcquire(this.checker, task, lock, mode, site))) return;
    const at = this.locks.acquire(task, lock, mode, site);
    if (at !== null) {
      this.record(stepNo, t0, task, "acquire", site, () => ({ ...lockFields(lock), mode }));
      task.clock = at;
      this.advance(task);
      return;
    }
    this.record(stepNo, t0, task, "contend", site, () => {
      const holders = [...lock.holders.keys()].map((h) => h.name);
      const queued = this.locks.queued(lock);
      return {
        ...lockFields(lock),
        mode,
        text: `${lock.kind === "spinlock" ? "spins" : "sleeps"}; held by ${holders.join(", ") || "nobody"}${queued > 1 ? `; ${queued - 1} queued ahead` : ""}`,
      };
    });
  }

  private doRelease(stepNo: number, task: SimTask, lock: Lock, site: string): void {
    const t0 = task.clock;
    let ok = false;
    if (!this.guard(task, () => (ok = lockdep.beforeRelease(this.checker, task, lock, site)))) return;
    if (!ok) {
      this.record(stepNo, t0, task, "release", site, () => ({
        ...lockFields(lock),
        text: "ignored: not held by this task",
      }));
      this.advance(task);
      return;
    }
    const r = this.locks.release(task, lock);
    this.record(stepNo, t0, task, "release", site, () => ({
      ...lockFields(lock),
      mode: r.mode,
      text: `held ${t0 - r.start}ns`,
    }));
    task.clock = r.done;
    this.advance(task);
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
    this.record(this.stepNo, task.clock, task, "crash", "", () => ({ text: task.error! }));
  }

  /** Resume the task's code until its next scheduling effect (interpreter.ts answers `current`, notes are recorded). */
  advance(task: SimTask): void {
    let r: IteratorResult<SchedulingEffect, unknown>;
    try {
      r = runToEffect(task.gen, task, undefined, this.recordNote);
    } catch (e) {
      this.crash(task, e);
      return;
    }
    if (r.done) {
      task.state = "done";
      task.pending = null;
      task.result = r.value;
      const value = r.value;
      this.record(this.stepNo, task.clock, task, "done", "", () =>
        value === undefined ? {} : returnedFields(short(value)),
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
    }
  }

  private readonly recordNote = (task: SimTask, e: NoteEffect): void => {
    this.record(this.stepNo, task.clock, task, "note", "", () =>
      e.event ? { text: e.text, event: e.event } : { text: e.text },
    );
  };

  private record(
    step: number,
    time: number,
    task: SimTask,
    kind: TraceKind,
    site: string,
    // Built only when the trace is kept: explorations run without one, millions of steps.
    extra?: () => Partial<TraceRecord>,
  ): void {
    if (!this.recordTrace) return;
    // The model line that yielded the effect being executed, when call sites are captured,
    // and the parts of an owned site.
    const p = kind === "note" ? undefined : (task.pending as Pick<TraceRecord, "at" | "frames" | "siteParts"> | null);
    const where = p?.at ? { at: p.at, ...(p.frames ? { frames: p.frames } : {}) } : {};
    const parts = p?.siteParts ? { siteParts: p.siteParts } : {};
    this.trace.push({ step, time, task: task.name, cpu: task.cpu, kind, site, ...parts, ...where, ...extra?.() });
  }
}

/** A lock's fields of a trace record: the printed name plus class and instance as data. */
function lockFields(lock: Lock): Pick<TraceRecord, "lock" | "lockClass" | "lockName"> {
  return { lock: String(lock), lockClass: lock.className, lockName: lock.name };
}

/** A done record's fields: the shortened return value as data and its printed form. */
function returnedFields(value: string): Pick<TraceRecord, "text" | "returned"> {
  return { text: `returned ${value}`, returned: value };
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
