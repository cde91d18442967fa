/**
 * Lockdep-style checks shared by both drivers (sync.ts and the scheduler), after
 * kernel/locking/lockdep.c. Reports go to the Checker; the caller decides whether the
 * operation proceeds.
 *
 * Like the kernel's lockdep, the lock-order check works on lock *classes* and fires
 * when an order is first *observed* to be inverted, even if this particular schedule
 * did not deadlock: that is what makes it useful with few schedules.
 * The held-before graph belongs to the Checker (one graph per fresh model state, so
 * stateless exploration starts every run with an empty graph).
 */
import type { Checker } from "../base/checker";
import type { Task } from "./effect";
import type { Lock, LockMode } from "./lock";

/** One edge of the held-before graph: `from` was held when `to` was taken. */
export interface LockOrderEdge {
  from: string;
  to: string;
  /** First observation: task and the site that took `to`. */
  task: string;
  site: string;
}

class LockOrderGraph {
  readonly edges = new Map<string, Map<string, LockOrderEdge>>();
  readonly reported = new Set<string>();

  has(from: string, to: string): boolean {
    return this.edges.get(from)?.has(to) ?? false;
  }

  add(e: LockOrderEdge): void {
    let m = this.edges.get(e.from);
    if (!m) this.edges.set(e.from, (m = new Map()));
    if (!m.has(e.to)) m.set(e.to, e);
  }

  /** A path from `start` to `goal` as a list of edges, or null (depth-first, deterministic order). */
  path(start: string, goal: string): LockOrderEdge[] | null {
    const seen = new Set<string>();
    const walk = (n: string): LockOrderEdge[] | null => {
      if (n === goal) return [];
      if (seen.has(n)) return null;
      seen.add(n);
      for (const e of this.edges.get(n)?.values() ?? []) {
        const rest = walk(e.to);
        if (rest) return [e, ...rest];
      }
      return null;
    };
    return walk(start);
  }
}

const graphs = new WeakMap<Checker, LockOrderGraph>();

function graphOf(checker: Checker): LockOrderGraph {
  let g = graphs.get(checker);
  if (!g) graphs.set(checker, (g = new LockOrderGraph()));
  return g;
}

export const lockdep = {
  /**
   * Checks before taking `lock` (lockdep's __lock_acquire -> validate_chain):
   *  - recursive acquisition of the same lock instance: "possible recursive locking";
   *  - a sleeping lock (mutex, rwsem) taken with a spinlock held: might_sleep() in
   *    atomic context (mutex_lock/down_read call might_sleep());
   *  - lock-order inversion: taking class L while holding class H when L ->* H was seen
   *    before: "possible circular locking dependency" (check_noncircular), reported once
   *    per cycle with the cycle spelled out.
   * Same-class nesting (two ptlocks) adds no edge: the kernel needs a subclass annotation
   * (spin_lock_nested) there and we do not model subclasses.
   */
  beforeAcquire(checker: Checker, task: Task, lock: Lock, mode: LockMode, site: string): void {
    if (lock.holders.has(task)) {
      checker.report({
        rule: "recursive-lock",
        message: `${task.name} takes ${lock} (${mode}) while already holding it: possible recursive locking (kernel/locking/lockdep.c check_deadlock)`,
        site,
        task: task.name,
      });
    }
    if (lock.kind !== "spinlock") {
      const spin = task.held.find((h) => h.lock.kind === "spinlock");
      if (spin) {
        checker.report({
          rule: "sleep-in-atomic",
          message: `${task.name} takes sleeping ${lock.kind} ${lock} while holding spinlock ${spin.lock}: sleeping function called from invalid context (might_sleep() in ${lock.kind === "mutex" ? "mutex_lock, kernel/locking/mutex.c" : "down_read/down_write, kernel/locking/rwsem.c"})`,
          site,
          task: task.name,
        });
      }
    }
    const g = graphOf(checker);
    for (const h of task.held) {
      const from = h.lock.className;
      const to = lock.className;
      if (from === to || g.has(from, to)) continue;
      const back = g.path(to, from);
      if (back) {
        const cycle = [from, to, ...back.map((e) => e.to)];
        const key = [...cycle].sort().join("\u0000");
        if (!g.reported.has(key)) {
          g.reported.add(key);
          const seen = back.map((e) => `${e.from} -> ${e.to} (${e.task} at ${e.site})`).join(", ");
          checker.report({
            rule: "lock-order-inversion",
            message:
              `${task.name} takes ${to} while holding ${from}, but the opposite order was seen before: ${seen}. ` +
              `Cycle: ${cycle.join(" -> ")}. Possible circular locking dependency: two CPUs taking these locks in opposite order can deadlock ` +
              `(kernel/locking/lockdep.c check_noncircular)`,
            site,
            task: task.name,
          });
        }
      }
      g.add({ from, to, task: task.name, site });
    }
  },

  /** Release of a lock the task does not hold: "bad unlock balance detected". Returns whether to proceed. */
  beforeRelease(checker: Checker, task: Task, lock: Lock, site: string): boolean {
    if (lock.holders.has(task)) return true;
    const owners = [...lock.holders.keys()].map((t) => t.name);
    checker.report({
      rule: "bad-unlock-balance",
      message: `${task.name} releases ${lock} which it does not hold${owners.length ? ` (held by ${owners.join(", ")})` : " (not held)"}: bad unlock balance (kernel/locking/lockdep.c print_unlock_imbalance_bug)`,
      site,
      task: task.name,
    });
    return false;
  },

  /** might_sleep() with a spinlock held: "BUG: sleeping function called from invalid context". */
  mightSleep(checker: Checker, task: Task, site: string): void {
    const spin = task.held.find((h) => h.lock.kind === "spinlock");
    if (spin) {
      checker.report({
        rule: "sleep-in-atomic",
        message: `${task.name} may sleep while holding spinlock ${spin.lock}: sleeping function called from invalid context (kernel/sched/core.c __might_sleep)`,
        site,
        task: task.name,
      });
    }
  },

  /** The held-before edges observed so far under this checker (for display). */
  orderEdges(checker: Checker): LockOrderEdge[] {
    const out: LockOrderEdge[] = [];
    for (const m of graphOf(checker).edges.values()) out.push(...m.values());
    return out;
  },
};
