/**
 * `runSteps`: run a stepwise function to completion as a plain call, outside the
 * scheduler. Locks are taken at once or the call fails: with nobody else running,
 * a lock that is held now would never be released.
 */
import type { Checker } from "../base/checker";
import type { Steps, Task } from "./effect";
import { runToEffect } from "./interpreter";
import { drop, heldEntry, type Lock, mustWait, take, wouldBlock } from "./lock";
import { lockdep } from "./lockdep";

/** The context that plain calls run in: one task, no simulated time. */
export interface SyncContext {
  task: Task;
  checker: Checker;
}

export function createSyncTask(name = "main", id = 0): Task {
  return { id, name, held: [], plain: true };
}

/**
 * Run `steps` to completion in ctx. `fn` is the function the user called (e.g.
 * "munmap"), named in errors: the steps themselves do not say whose they are.
 */
export function runSteps<T>(steps: Steps<T>, ctx: SyncContext, fn: string): T {
  // Locks this call took and still holds: a failure releases them (see unwind).
  let taken: Lock[] | null = null;
  try {
    for (;;) {
      const r = runToEffect(steps, ctx.task, undefined, null);
      if (r.done) return r.value;
      const e = r.value;
      switch (e.kind) {
        case "acquire": {
          lockdep.beforeAcquire(ctx.checker, ctx.task, e.lock, e.mode, e.site);
          if (mustWait(e.lock, e.mode, ctx.task)) throw wouldBlock(e.site, e.lock, fn, ctx.task);
          take(ctx.task, heldEntry(e.lock, e.mode, e.site));
          (taken ??= []).push(e.lock);
          break;
        }
        case "release": {
          if (!lockdep.beforeRelease(ctx.checker, ctx.task, e.lock, e.site)) break;
          drop(ctx.task, e.lock);
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
          break;
      }
    }
  } catch (err) {
    unwind(steps, ctx, taken);
    throw err;
  }
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
      if (e.kind === "release" && e.lock.holders.has(ctx.task)) drop(ctx.task, e.lock);
      else if (e.kind === "current") input = ctx.task;
      r = steps.next(input);
    }
  } catch {
    // A cleanup that fails again: the sweep below still gives back what this call took.
  }
  if (taken === null) return;
  for (let i = taken.length - 1; i >= 0; i--) if (taken[i].holders.has(ctx.task)) drop(ctx.task, taken[i]);
}
