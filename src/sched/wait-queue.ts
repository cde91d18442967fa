/**
 * A lock's queue of blocked acquirers, and who gets the lock when it is released.
 *
 * FIFO, and a release hands the lock to the head waiter directly, as qspinlock's MCS
 * queue does (kernel/locking/qspinlock.c); for an rwsem whose head waiter is a reader,
 * every queued reader is granted at once (rwsem_mark_wake, kernel/locking/rwsem.c).
 * New acquirers queue behind existing waiters (no lock stealing): lock-queue.ts asks
 * `length` before it lets anybody take a free lock.
 */
import type { Touch } from "./effect";
import type { Lock, LockMode } from "./lock";
import type { OwnedSite } from "./site";
import type { SimTask } from "./task";

export interface Waiter {
  task: SimTask;
  mode: LockMode;
  site: string;
  since: number;
  /** Call site of the acquire (while call sites are captured): where the woken task stands. */
  at?: string;
  /** The parts of the acquire's site when it is owned (site.ts). */
  siteParts?: OwnedSite;
  /** The acquire's `touches` (effect.ts), for the wake-up's footprint. */
  touches?: readonly Touch[];
}

const NOBODY: readonly Waiter[] = [];

export class WaitQueue {
  private waiters: Waiter[] = [];

  get length(): number {
    return this.waiters.length;
  }

  /** Queue `w` behind everybody already waiting. */
  push(w: Waiter): void {
    this.waiters.push(w);
  }

  /** The waiters in queue order. */
  list(): readonly Waiter[] {
    return this.waiters;
  }

  /**
   * Remove and return the waiters that get `lock` now (called after a release): all
   * queued readers when the head waits to read an rwsem that admits readers, else the
   * head alone when nobody holds the lock, else nobody.
   */
  grantees(lock: Lock): readonly Waiter[] {
    const head = this.waiters[0];
    if (!head) return NOBODY;
    if (lock.kind === "rwsem" && head.mode === "read") {
      if (!lock.available("read")) return NOBODY;
      const readers = this.waiters.filter((w) => w.mode === "read");
      this.waiters = this.waiters.filter((w) => w.mode !== "read");
      return readers;
    }
    if (lock.holders.size > 0) return NOBODY;
    this.waiters.shift();
    return [head];
  }
}
