/**
 * A lock: what it is, who holds it, and the one place that changes who holds it.
 * `take`/`drop` update the holders and the task's held list together, `mustWait` says
 * whether an acquisition would have to wait and `wouldBlock` is the error of a plain
 * call that would; every driver goes through them (runSteps in sync.ts, the
 * scheduler's lock-queue.ts, the plain walk in mm/follow.ts), as loom's rt/mutex.rs
 * owns acquire and release. Waiting itself (queue, handoff) is wait-queue.ts; lockdep,
 * costs and statistics stay with the drivers, so the mm model only declares its locks.
 *
 * Kinds follow the kernel: `spinlock` (spinlock_t: page_table_lock, split ptlocks;
 * holders must not sleep), `rwsem` (struct rw_semaphore: mmap_lock, i_mmap_rwsem; many
 * readers or one writer), `mutex` (struct mutex: exclusive, may sleep).
 */
import { PfnlabError } from "../base/model-error";

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

  /** No holder (delete promotes the next holder to first, so first is null only then). Tiny: inlined anywhere. */
  get empty(): boolean {
    return this.first === null;
  }

  has(task: Task): boolean {
    return this.first === task || (this.rest?.has(task) ?? false);
  }

  /** Whether some holder holds it for write (no iterator: asked at every rwsem acquire). */
  anyWrite(): boolean {
    if (this.first === null) return false;
    if (this.firstMode === "write") return true;
    if (this.rest !== null) for (const m of this.rest.values()) if (m === "write") return true;
    return false;
  }

  get(task: Task): LockMode | undefined {
    if (this.first === task) return this.firstMode;
    return this.rest === null ? undefined : this.rest.get(task);
  }

  set(task: Task, mode: LockMode): this {
    // The common case first and small (a plain lookup inlines it): a free lock.
    if (this.first === null) {
      this.first = task;
      this.firstMode = mode;
      return this;
    }
    return this.setMore(task, mode);
  }

  private setMore(task: Task, mode: LockMode): this {
    if (this.first === task) this.firstMode = mode;
    else (this.rest ??= new Map()).set(task, mode);
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
   * The held-list entry plain calls last pushed for this lock (see heldEntry). Entries are never mutated once made, so one with the same mode and site
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
    return !this.holders.anyWrite();
  }

  isLocked(): boolean {
    return this.holders.size > 0;
  }

  toString(): string {
    return this.name === this.className ? this.className : `${this.className} (${this.name})`;
  }
}

/**
 * `task` takes `entry.lock` in `entry.mode`: it becomes a holder and the entry goes on
 * its held list. The caller has made sure it may (mustWait, or a handoff).
 */
export function take(task: Task, entry: HeldLock): void {
  entry.lock.holders.set(task, entry.mode);
  // held[held.length] = x is push() (V8 calls the push builtin here instead of inlining it).
  const held = task.held;
  held[held.length] = entry;
}

/** `task` drops its hold on `lock`: no longer a holder, its latest held entry for the lock removed. */
export function drop(task: Task, lock: Lock): void {
  lock.holders.delete(task);
  const held = task.held;
  for (let i = held.length - 1; i >= 0; i--) {
    if (held[i].lock === lock) {
      if (i === held.length - 1) held.pop();
      else held.splice(i, 1);
      return;
    }
  }
}

/**
 * Whether `task` would have to wait for `lock` in `mode` now: a holder excludes it, or
 * the task holds the lock already (recursive locking waits on itself, as in the kernel;
 * for a read it would also leave one holder entry for two acquisitions). Fairness toward
 * queued waiters is the wait queue's business, not this.
 */
export function mustWait(lock: Lock, mode: LockMode, task: Task): boolean {
  return lock.holders.size !== 0 && (!lock.available(mode) || lock.holders.has(task));
}

/**
 * The entry a plain acquisition pushes on task.held: { lock, mode, site, since: 0 }.
 * Nobody mutates held entries, so the last one made for this lock is reused when mode
 * and site match (plain calls acquire the same locks at the same sites over and over).
 */
export function heldEntry(lock: Lock, mode: LockMode, site: string): HeldLock {
  const h = lock.syncHeld;
  if (h !== null && h.site === site && h.mode === mode) return h;
  return (lock.syncHeld = { lock, mode, site, since: 0 });
}

/**
 * The error of a plain acquisition that would wait forever. `fn` is the model function
 * the user called (the driver knows it: runSteps is told, the plain walk and the
 * refusals name their own); `me`, when given, is named as the holder when it holds the
 * lock itself.
 */
export function wouldBlock(site: string, lock: Lock, fn: string, me?: Task): PfnlabError {
  const owners = [...lock.holders.keys()].map((t) => t.name).join(", ");
  const self = me !== undefined && lock.holders.has(me);
  return new PfnlabError(
    fn,
    "lock",
    lock,
    `is held by ${owners}${self ? " (this task: recursive locking)" : ""}: ${site} would wait forever, as outside the scheduler nothing can release it ` +
      `(likely cause: a missing unlock or followPfnmapEnd() before this call)`,
  );
}
