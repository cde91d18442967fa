/**
 * `runSteps`: run a stepwise function to completion as a plain call, outside the
 * scheduler. Locks are taken at once or the call fails: with nobody else running,
 * a lock that is held now would never be released.
 */
import type { Checker } from "../checks/checker";
import type { HeldLock, Steps, Task } from "./effect";
import type { Lock, LockMode } from "./lock";
import { lockdep } from "./lockdep";

/** The context that plain calls run in: one task, no simulated time. */
export interface SyncContext {
  task: Task;
  checker: Checker;
}

export function createSyncTask(name = "main", id = 0): Task {
  return { id, name, held: [] };
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

export function runSteps<T>(steps: Steps<T>, ctx: SyncContext): T {
  let input: unknown = undefined;
  for (;;) {
    const r = steps.next(input);
    if (r.done) return r.value;
    input = undefined;
    const e = r.value;
    switch (e.kind) {
      case "current":
        input = ctx.task;
        break;
      case "acquire": {
        lockdep.beforeAcquire(ctx.checker, ctx.task, e.lock, e.mode, e.site);
        if (!e.lock.available(e.mode)) {
          const owners = [...e.lock.holders.keys()].map((t) => t.name).join(", ");
          throw new Error(
            `${e.site}: would block on ${e.lock} held by ${owners}; outside the scheduler nothing can release it ` +
              `(likely cause: a missing unlock or followPfnmapEnd() before this call)`,
          );
        }
        e.lock.holders.set(ctx.task, e.mode);
        ctx.task.held.push(heldEntry(e.lock, e.mode, e.site));
        break;
      }
      case "release": {
        if (!lockdep.beforeRelease(ctx.checker, ctx.task, e.lock, e.site)) break;
        e.lock.holders.delete(ctx.task);
        const i = ctx.task.held.findIndex((h) => h.lock === e.lock);
        ctx.task.held.splice(i, 1);
        break;
      }
      case "mightSleep":
        lockdep.mightSleep(ctx.checker, ctx.task, e.site);
        break;
      case "step":
      case "cpuRelax":
      case "note":
        break;
    }
  }
}
