/**
 * A lock as data: what it is and who holds it. Behaviour (blocking, statistics,
 * lockdep) lives in the drivers so that the mm model only declares its locks.
 *
 * Kinds follow the kernel: `spinlock` (spinlock_t: page_table_lock, split ptlocks;
 * holders must not sleep), `rwsem` (struct rw_semaphore: mmap_lock, i_mmap_rwsem; many
 * readers or one writer), `mutex` (struct mutex: exclusive, may sleep).
 */

export type LockKind = "spinlock" | "rwsem" | "mutex";

/** A running context: a task of the scheduler, or the single context of `runSteps`. */
export interface Task {
  readonly id: number;
  readonly name: string;
  /** Locks this task holds now, in acquisition order (maintained by the drivers). */
  readonly held: HeldLock[];
  /**
   * True for the tasks of plain calls (runSteps): nothing runs beside them, so a lock
   * somebody holds is never released and a call must find that out before it changes
   * anything (see munmap).
   */
  readonly plain?: boolean;
}

export interface HeldLock {
  lock: Lock;
  mode: LockMode;
  site: string;
  /** Simulated time at acquisition (0 outside the scheduler). */
  since: number;
}

/** `read` only for rwsem; spinlocks and mutexes are always taken `write` (exclusive). */
export type LockMode = "read" | "write";

let nextLockId = 1;

/**
 * Who holds a lock, and in which mode: the subset of Map<Task, LockMode> the drivers
 * use, in insertion order like a Map. Almost every lock has at most one holder (all
 * exclusive locks, and an rwsem with one reader), so the first holder lives in two
 * fields and only further readers go to a real Map: taking and dropping a lock in a
 * plain call then costs a few field writes instead of hashing the task.
 */
export class LockHolders implements Iterable<[Task, LockMode]> {
  private first: Task | null = null;
  private firstMode: LockMode = "write";
  /** Holders after the first, in insertion order; null while there are none. */
  private rest: Map<Task, LockMode> | null = null;

  get size(): number {
    return this.first === null ? 0 : 1 + (this.rest === null ? 0 : this.rest.size);
  }

  has(task: Task): boolean {
    return this.first === task || (this.rest?.has(task) ?? false);
  }

  get(task: Task): LockMode | undefined {
    if (this.first === task) return this.firstMode;
    return this.rest === null ? undefined : this.rest.get(task);
  }

  set(task: Task, mode: LockMode): this {
    if (this.first === null) {
      this.first = task;
      this.firstMode = mode;
    } else if (this.first === task) {
      this.firstMode = mode;
    } else {
      (this.rest ??= new Map()).set(task, mode);
    }
    return this;
  }

  delete(task: Task): boolean {
    if (this.first === task) {
      // Promote the next holder so that iteration keeps insertion order.
      const rest = this.rest;
      if (rest === null || rest.size === 0) {
        this.first = null;
      } else {
        const [t, m] = rest.entries().next().value as [Task, LockMode];
        rest.delete(t);
        this.first = t;
        this.firstMode = m;
      }
      return true;
    }
    return this.rest?.delete(task) ?? false;
  }

  clear(): void {
    this.first = null;
    this.rest = null;
  }

  *entries(): IterableIterator<[Task, LockMode]> {
    if (this.first === null) return;
    yield [this.first, this.firstMode];
    if (this.rest !== null) yield* this.rest.entries();
  }

  *keys(): IterableIterator<Task> {
    for (const [t] of this.entries()) yield t;
  }

  *values(): IterableIterator<LockMode> {
    for (const [, m] of this.entries()) yield m;
  }

  forEach(fn: (mode: LockMode, task: Task) => void): void {
    for (const [t, m] of this.entries()) fn(m, t);
  }

  [Symbol.iterator](): IterableIterator<[Task, LockMode]> {
    return this.entries();
  }
}

export class Lock {
  readonly id = nextLockId++;
  /** Current holders and the mode each holds. */
  readonly holders = new LockHolders();
  /**
   * The held-list entry plain calls last pushed for this lock (see heldEntry in
   * sync.ts). Entries are never mutated once made, so one with the same mode and site
   * can be pushed again instead of allocating a new one per acquisition.
   */
  syncHeld: HeldLock | null = null;
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
