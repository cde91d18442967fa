/**
 * Locks under the scheduler: real lock semantics in simulated time.
 *
 * A free lock is taken at once (lock.ts `take`). A busy one puts the task in the lock's
 * FIFO wait queue (wait-queue.ts), blocked; a release hands the lock to the waiters the
 * queue names. A spinning waiter (spinlock) is woken after the handoff cost; a sleeping
 * one (mutex, rwsem) also pays the wake-up latency. Wait time is counted for both, as
 * lock_stat does, and so is the cache-line bounce of a lock taken on another CPU than
 * the last acquisition. Lockdep and the trace stay with the scheduler.
 */
import { acquireCost, type CostModel, releaseCost, waitersSleep } from "./cost-model";
import { drop, type Lock, type LockMode, mustWait, take } from "./lock";
import type { LockStat } from "./lockstat";
import type { SimTask } from "./task";
import { type Waiter, WaitQueue } from "./wait-queue";

/** Per-run state of a lock that the Lock data object does not carry. */
interface LockRuntime {
  queue: WaitQueue;
  /** CPU of the last acquisition (lock->cpu in lockdep), undefined before the first. */
  lastCpu: number | undefined;
  /** Site of the last acquisition (lock->ip): the "contending point" for waiters. */
  lastSite: string | undefined;
  /** Time at which the last release completed. */
  freeAt: number;
  /** Acquisition time of each current holder. */
  holdStart: Map<SimTask, number>;
}

/** What a release did: the mode the lock was held in, since when, and when the release completed. */
export interface Released {
  mode: LockMode;
  start: number;
  done: number;
}

export class LockQueues {
  private readonly locks = new Map<Lock, LockRuntime>();
  /** Tasks made runnable by a handoff, for the timed event loop (which empties it). */
  woken: SimTask[] = [];

  constructor(
    private readonly costs: CostModel,
    private readonly lockStat: LockStat,
  ) {}

  /**
   * `task` asks for `lock` at its clock. When nobody waits and the lock admits it, it
   * takes the lock: returns the time the acquisition completes. Otherwise (busy, or a
   * recursive take of a lock the task holds: that blocks on itself, as in the kernel)
   * the task joins the queue, blocked: returns null.
   */
  acquire(task: SimTask, lock: Lock, mode: LockMode, site: string): number | null {
    const t0 = task.clock;
    const r = this.rt(lock);
    if (r.queue.length === 0 && !mustWait(lock, mode, task)) {
      const bounce = r.lastCpu !== undefined && r.lastCpu !== task.cpu;
      const start = Math.max(t0, r.freeAt);
      const at = start + acquireCost(this.costs, lock.kind) + (bounce ? this.costs.cacheLineBounce : 0);
      this.take(task, lock, mode, site, at, bounce, null);
      return at;
    }
    this.lockStat.contended(lock.className, mode, site, r.lastSite, r.lastCpu !== undefined && r.lastCpu !== task.cpu);
    const at = task.pending && "at" in task.pending ? task.pending.at : undefined;
    const parts = task.pending?.siteParts;
    const touches = task.pending?.kind === "acquire" ? task.pending.touches : undefined;
    r.queue.push({
      task,
      mode,
      site,
      since: t0,
      ...(at === undefined ? {} : { at }),
      ...(parts ? { siteParts: parts } : {}),
      ...(touches ? { touches } : {}),
    });
    task.state = "blocked";
    task.waiting = { lock, mode, site, since: t0 };
    return null;
  }

  /** `task`, a holder of `lock`, releases it at its clock and hands it on to the queue. */
  release(task: SimTask, lock: Lock): Released {
    const t0 = task.clock;
    const r = this.rt(lock);
    const mode = lock.holders.get(task)!;
    drop(task, lock);
    const start = r.holdStart.get(task) ?? t0;
    r.holdStart.delete(task);
    this.lockStat.released(lock.className, lock.name, task.name, mode, start, t0);
    const done = t0 + releaseCost(this.costs, lock.kind);
    r.freeAt = Math.max(r.freeAt, done);
    for (const w of r.queue.grantees(lock)) this.grant(lock, r, w, done);
    return { mode, start, done };
  }

  /** Waiters of a lock, in queue order (for manual mode and displays). */
  waitersOf(lock: Lock): { task: string; mode: LockMode; site: string; since: number }[] {
    return (this.locks.get(lock)?.queue.list() ?? []).map((w) => ({
      task: w.task.name,
      mode: w.mode,
      site: w.site,
      since: w.since,
    }));
  }

  /** Waiters queued on a lock. */
  queued(lock: Lock): number {
    return this.locks.get(lock)?.queue.length ?? 0;
  }

  /** Locks seen in this run, in first-use order. */
  knownLocks(): Lock[] {
    return [...this.locks.keys()];
  }

  private rt(lock: Lock): LockRuntime {
    let r = this.locks.get(lock);
    if (!r) {
      r = { queue: new WaitQueue(), lastCpu: undefined, lastSite: undefined, freeAt: 0, holdStart: new Map() };
      this.locks.set(lock, r);
    }
    return r;
  }

  /** Hand `lock` to waiter `w` after a release completed at `at`; the task wakes holding it. */
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
    w.task.pending = {
      kind: "wake",
      lock,
      mode: w.mode,
      site: w.site,
      ...(w.at === undefined ? {} : { at: w.at }),
      ...(w.siteParts ? { siteParts: w.siteParts } : {}),
      ...(w.touches ? { touches: w.touches } : {}),
    };
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
    take(task, { lock, mode, site, since: at });
    r.holdStart.set(task, at);
    r.lastCpu = task.cpu;
    r.lastSite = site;
    this.lockStat.acquired(lock.className, lock.name, task.name, mode, bounce, wait);
  }
}
