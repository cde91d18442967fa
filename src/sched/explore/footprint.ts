/**
 * Footprints: what one step of a task reads and writes, for partial-order reduction.
 *
 * A step executes a task's pending effect and then the task's code up to its next effect.
 * Two steps of different tasks are *independent* (they commute: either order gives the
 * same state, and neither enables or disables the other) when their footprints do not
 * conflict. Where a footprint comes from:
 *  - lock effects (acquire, release, the wake-up after waiting) touch their lock. A
 *    read-mode rwsem acquire that is granted at once, or a read-mode release that wakes
 *    nobody, only *reads* the lock (mmap_read_lock() calls commute); everything else on a
 *    lock writes it. Model code right after a lock effect may also read the page tables
 *    that lock protects: that read is ordered by the lock itself (writers hold it);
 *  - steps that declare `touches` (effect.ts `access()`) touch exactly those cells;
 *  - other steps get a default by cost: `ptRead` reads the page tables (all of them: the
 *    hot paths of follow and zap declare the one entry they read or write instead), `ptWrite` writes
 *    them, `pfnUse` reads them (the sanitizer checks the pfn against them), `tlbFlush`
 *    writes only the TLB. Every other step (work, notifier calls, IOMMU, allocation
 *    after might_sleep...) is *global*: it conflicts with every step, which is always sound;
 *  - cpu_relax() is global, and so is the first step after it: the relaxing task becomes
 *    eligible again when someone else runs (scheduler.ts `eligible`), so that step enables it.
 */
import { PAGE_TABLES, type Touch } from "../effect";
import type { Scheduler } from "../scheduler";
import type { SimTask } from "../task";

/** null = global (conflicts with everything). */
export type Footprint = readonly Touch[] | null;

export const TLB = "tlb";

const READ_PT: Footprint = [{ cell: PAGE_TABLES, write: false }];
const WRITE_PT: Footprint = [{ cell: PAGE_TABLES, write: true }];
const TLB_ONLY: Footprint = [{ cell: TLB, write: true }];

/** The footprint of the step `task` would execute now. */
export function footprintOf(task: SimTask, sched: Scheduler, afterRelax: boolean): Footprint {
  const p = task.pending;
  if (!p || afterRelax) return null;
  switch (p.kind) {
    case "acquire": {
      const lock = p.lock;
      const shared =
        lock.kind === "rwsem" &&
        p.mode === "read" &&
        lock.available("read") &&
        !lock.holders.has(task) &&
        sched.waitersOf(lock).length === 0;
      return p.touches ? [{ cell: lock, write: !shared }, ...p.touches] : [{ cell: lock, write: !shared }];
    }
    case "release": {
      const lock = p.lock;
      const shared = lock.kind === "rwsem" && lock.holders.get(task) === "read" && sched.waitersOf(lock).length === 0;
      return [{ cell: lock, write: !shared }];
    }
    case "wake":
      return p.touches ? [{ cell: p.lock, write: true }, ...p.touches] : [{ cell: p.lock, write: true }];
    case "mightSleep":
      return p.touches ?? null;
    case "step":
      if (p.touches) return p.touches;
      switch (p.cost) {
        case "ptRead":
          return READ_PT;
        case "ptWrite":
          return WRITE_PT;
        case "pfnUse":
          return READ_PT;
        case "tlbFlush":
          return TLB_ONLY;
        default:
          return null;
      }
    default:
      return null;
  }
}

/** The group a cell belongs to (e.g. one page-table entry: all page tables), if any. */
function groupOf(c: object | string): unknown {
  return typeof c === "object" && c !== null ? (c as { group?: unknown }).group : undefined;
}

/** Same cell, or one is the group of the other. */
function sameCell(a: object | string, b: object | string): boolean {
  return a === b || groupOf(a) === b || groupOf(b) === a;
}

/** Whether two steps of different tasks conflict. */
export function conflicts(a: Footprint, b: Footprint): boolean {
  if (a === null || b === null) return true;
  for (const x of a) {
    for (const y of b) {
      if ((x.write || y.write) && sameCell(x.cell, y.cell)) return true;
    }
  }
  return false;
}
