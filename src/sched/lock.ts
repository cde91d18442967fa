/**
 * A lock as data: what it is and who holds it. Behaviour (blocking, statistics,
 * lockdep) lives in the drivers so that the mm model only declares its locks.
 *
 * Kinds follow the kernel: `spinlock` (spinlock_t: page_table_lock, split ptlocks;
 * holders must not sleep), `rwsem` (struct rw_semaphore: mmap_lock, i_mmap_rwsem; many
 * readers or one writer), `mutex` (struct mutex: exclusive, may sleep).
 */
import type { Task } from "./effect";

export type LockKind = "spinlock" | "rwsem" | "mutex";
/** `read` only for rwsem; spinlocks and mutexes are always taken `write` (exclusive). */
export type LockMode = "read" | "write";

let nextLockId = 1;

export class Lock {
  readonly id = nextLockId++;
  /** Current holders and the mode each holds. */
  readonly holders = new Map<Task, LockMode>();
  /**
   * @param kind      spinlock, rwsem or mutex
   * @param className lock_stat / lockdep class, e.g. "&mm->page_table_lock" or "ptlock (PTE)"
   * @param name      this instance, e.g. "mm1 pte-table@0x7f0000000000"
   */
  constructor(
    readonly kind: LockKind,
    readonly className: string,
    readonly name: string = className,
  ) {}

  /** Whether `mode` could be granted now (ignores fairness; the scheduler adds that). */
  available(mode: LockMode): boolean {
    if (this.holders.size === 0) return true;
    if (this.kind !== "rwsem" || mode !== "read") return false;
    for (const m of this.holders.values()) if (m === "write") return false;
    return true;
  }

  isLocked(): boolean {
    return this.holders.size > 0;
  }

  toString(): string {
    return this.name === this.className ? this.className : `${this.className} (${this.name})`;
  }
}
