/**
 * `runSteps`: run a stepwise function to completion as a plain call, outside the
 * scheduler. Locks are taken at once or the call fails: with nobody else running,
 * a lock that is held now would never be released.
 */
import type { Checker } from "../base/checker";
import type { HeldLock, Steps, Task } from "./effect";
import type { Lock, LockMode } from "./lock";
import { lockdep } from "./lockdep";
import { PfnlabError } from "../base/model-error";

/** The context that plain calls run in: one task, no simulated time. */
export interface SyncContext {
  task: Task;
  checker: Checker;
}

export function createSyncTask(name = "main", id = 0): Task {
  return { id, name, held: [], plain: true };
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

/** Run `steps` to completion in ctx; `fn` names the called function in errors. */
export function runSteps<T>(steps: Steps<T>, ctx: SyncContext, fn?: string): T {
  // Locks this call took and still holds: a failure releases them (see unwind).
  let taken: Lock[] | null = null;
  let input: unknown;
  try {
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
          // Held already, by anyone (this task too: a recursive read would leave one holder
          // entry for two acquisitions, so its first release would drop both).
          if (e.lock.holders.size !== 0 && (!e.lock.available(e.mode) || e.lock.holders.has(ctx.task)))
            throw wouldBlock(e.site, e.lock, fn, ctx.task);
          e.lock.holders.set(ctx.task, e.mode);
          ctx.task.held.push(heldEntry(e.lock, e.mode, e.site));
          (taken ??= []).push(e.lock);
          break;
        }
        case "release": {
          if (!lockdep.beforeRelease(ctx.checker, ctx.task, e.lock, e.site)) break;
          releaseHeld(ctx.task, e.lock);
          if (taken !== null) {
            const i = taken.lastIndexOf(e.lock);
            if (i >= 0) taken.splice(i, 1);
          }
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
  } catch (err) {
    unwind(steps, ctx, taken);
    throw err;
  }
}

/**
 * The error of a plain acquisition that would wait forever. `fn` is the model function
 * the user called (default: the function named by the site).
 */
export function wouldBlock(site: string, lock: Lock, fn?: string, me?: Task): PfnlabError {
  const owners = [...lock.holders.keys()].map((t) => t.name).join(", ");
  const colon = site.indexOf(":");
  const self = me !== undefined && lock.holders.has(me);
  return new PfnlabError(
    fn ?? (colon > 0 ? site.slice(0, colon) : site),
    "lock",
    lock,
    `is held by ${owners}${self ? " (this task: recursive locking)" : ""}: ${site} would wait forever, as outside the scheduler nothing can release it ` +
      `(likely cause: a missing unlock or followPfnmapEnd() before this call)`,
  );
}

function releaseHeld(task: Task, lock: Lock): void {
  lock.holders.delete(task);
  const i = task.held.findIndex((h) => h.lock === lock);
  if (i >= 0) task.held.splice(i, 1);
}

/**
 * A plain call failed: leave the locks as they were before it. First the generator's
 * own cleanup (its finally blocks, e.g. munmap's mmap_write_unlock) runs as it would in
 * the kernel, releases only; then any lock the call took and still holds is dropped.
 */
function unwind(steps: Steps<unknown>, ctx: SyncContext, taken: Lock[] | null): void {
  try {
    let r = steps.return(undefined as never);
    for (let n = 0; !r.done && n < 100000; n++) {
      const e = r.value;
      let input: unknown;
      if (e.kind === "release" && e.lock.holders.has(ctx.task)) releaseHeld(ctx.task, e.lock);
      else if (e.kind === "current") input = ctx.task;
      r = steps.next(input);
    }
  } catch {
    // A cleanup that fails again: the sweep below still gives back what this call took.
  }
  if (taken === null) return;
  for (let i = taken.length - 1; i >= 0; i--) if (taken[i].holders.has(ctx.task)) releaseHeld(ctx.task, taken[i]);
}
