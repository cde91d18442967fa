/**
 * Lockdep-style checks shared by both drivers (kernel/locking/lockdep.c).
 * Reports go to the Checker; the caller decides whether the operation proceeds.
 */
import type { Checker } from "../checks/checker";
import type { Task } from "./effect";
import type { Lock, LockMode } from "./lock";

export const lockdep = {
  /** Recursive acquisition: lockdep's "possible recursive locking detected". */
  beforeAcquire(checker: Checker, task: Task, lock: Lock, mode: LockMode, site: string): void {
    if (lock.holders.has(task)) {
      checker.report({
        rule: "recursive-lock",
        message: `${task.name} takes ${lock} (${mode}) while already holding it: possible recursive locking (kernel/locking/lockdep.c check_deadlock)`,
        site,
        task: task.name,
      });
    }
  },

  /** Release of a lock the task does not hold: "bad unlock balance detected". Returns whether to proceed. */
  beforeRelease(checker: Checker, task: Task, lock: Lock, site: string): boolean {
    if (lock.holders.has(task)) return true;
    checker.report({
      rule: "bad-unlock-balance",
      message: `${task.name} releases ${lock} which it does not hold: bad unlock balance (kernel/locking/lockdep.c print_unlock_imbalance_bug)`,
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
};
