/**
 * Tasks of the scheduler. A task is a generator function yielding the Effects of
 * effect.ts, e.g.
 *
 *   { name: "zap", body: function* () { yield* acquire(ptl, "write", "zap:lock"); ... } }
 *
 * Each task runs on its own simulated CPU (cpu defaults to its index) with its own clock.
 * Code between two effects runs atomically right after the first of them; code before a
 * task's first effect runs when the task is spawned, before any other task's step, so a
 * shared access should always follow an effect (`yield* step("ptRead", site)` then read).
 */
import type { Effect, HeldLock, Steps, Task, Touch } from "./effect";
import type { Lock, LockMode } from "./lock";
import type { OwnedSite } from "./site";

export interface TaskSpec {
  name: string;
  /** Simulated CPU, for cache-line bounce accounting (default: the task's index). */
  cpu?: number;
  body: (self: Task) => Steps<unknown>;
  /**
   * Tasks with the same symmetry name run the same code on the same inputs and the run's
   * outcome classes do not depend on which of them is which (e.g. N identical lookups).
   * Exhaustive exploration with reduction then skips schedules that only swap them.
   */
  symmetry?: string;
}

export type TaskState = "runnable" | "blocked" | "done" | "crashed";

/** A task woken with a lock it waited for: its next step continues after the acquire. */
export interface WakePending {
  kind: "wake";
  lock: Lock;
  mode: LockMode;
  site: string;
  /** file:line of the acquire it wakes from (only while call sites are captured). */
  at?: string;
  /** The parts of the acquire's site when it is owned (site.ts). */
  siteParts?: OwnedSite;
  /** The acquire's `touches` (effect.ts): what the code after it touches. */
  touches?: readonly Touch[];
}

export type Pending = Exclude<Effect, { kind: "current" } | { kind: "note" }> | WakePending;

export interface WaitInfo {
  lock: Lock;
  mode: LockMode;
  site: string;
  since: number;
}

export class SimTask implements Task {
  readonly held: HeldLock[] = [];
  state: TaskState = "runnable";
  /** This task's simulated clock (ns): when its pending effect starts. */
  clock = 0;
  /** The effect the task will execute at its next step (null once done). */
  pending: Pending | null = null;
  waiting: WaitInfo | null = null;
  /** The last executed effect was cpuRelax(). */
  relaxed = false;
  /** Steps executed. */
  steps = 0;
  result: unknown = undefined;
  error: string | null = null;
  crashedByChecker = false;

  /** The task's code (set by the scheduler right after construction). */
  gen!: Steps<unknown>;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly cpu: number,
  ) {}

  /** Where the task stands: the site of its pending effect. */
  get site(): string {
    const p = this.pending;
    if (!p) return this.state;
    return p.site;
  }

  /** Short description of the pending effect, e.g. "acquire &mm->mmap_lock [R] @ site". */
  describePending(): string {
    const p = this.pending;
    if (!p) return this.state === "crashed" ? `crashed: ${this.error}` : "done";
    switch (p.kind) {
      case "acquire":
      case "release":
        return `${p.kind} ${p.lock} [${p.mode === "read" ? "R" : "W"}] @ ${p.site}`;
      case "wake":
        return `wake up holding ${p.lock} [${p.mode === "read" ? "R" : "W"}] @ ${p.site}`;
      case "step":
        return `${p.cost}${p.units === undefined ? "" : ` x${p.units}`} @ ${p.site}`;
      default:
        return `${p.kind} @ ${p.site}`;
    }
  }
}
