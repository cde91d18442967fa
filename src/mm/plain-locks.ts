/**
 * Plain calls (runSteps) run alone: a lock somebody holds is never released, so taking
 * it fails. A call that would change the model before reaching such a lock first asks
 * busyLockIn() and refuses while nothing has changed yet.
 */
import { current, type Steps } from "../sched/effect";
import { type Lock, wouldBlock } from "../sched/lock";
import type { Mm, PageTablePage } from "./mm-types";
import { type WalkEntryRef, walkPageRange } from "./pagewalk";
import { entryHugeLeaf, entryPresent } from "./pte";

/**
 * The first held lock among those a page-table change in [start, end) of mm may take:
 * the split ptlocks of the PMD and PTE tables in the range, page_table_lock where it is
 * needed (a missing PUD or PMD table to allocate, a PUD leaf, or split ptlocks off), and
 * `extra` (e.g. i_mmap_rwsem of the files). Locks taken inside MMU notifier callbacks
 * are not looked at. Null when all are free. A walkPageRange() (pagewalk.ts) that stops
 * at the first busy lock, in the order the change would meet them.
 */
export function busyLockIn(mm: Mm, start: number, end: number, extra: (Lock | null)[] = []): Lock | null {
  for (const l of extra) if (l?.isLocked()) return l;
  const ptl = mm.pageTableLock;
  const split = mm.kernel.options.splitPtlocks;
  if (ptl.isLocked() && (!split.pte || !split.pmd)) return ptl;
  const own = mm.pgd.ptlIfCreated;
  if (own?.isLocked()) return own;
  let busy: Lock | null = null;
  // pud_alloc/pmd_alloc install under page_table_lock; a PUD leaf is locked by it.
  const ptlNeeded = ptl.isLocked();
  const upperEntry = (ref: WalkEntryRef<PageTablePage>): number => {
    const v = ref.table.entries[ref.index];
    const c = ref.table.children?.[ref.index];
    if (ptlNeeded && (!entryPresent(v) || entryHugeLeaf(v) || !c)) busy = ptl;
    else if (c && entryPresent(v) && !entryHugeLeaf(v) && c.ptlIfCreated?.isLocked()) busy = c.ptlIfCreated;
    return busy ? 1 : 0;
  };
  walkPageRange(mm, start, end, {
    p4dEntry: upperEntry,
    pudEntry: upperEntry,
    pmdEntry: (ref) => {
      const v = ref.table.entries[ref.index];
      const c = ref.table.children?.[ref.index];
      if (c && entryPresent(v) && !entryHugeLeaf(v) && c.ptlIfCreated?.isLocked()) busy = c.ptlIfCreated;
      return busy ? 1 : 0;
    },
    pteHole: (_addr, _next, level) => {
      if (ptlNeeded && level !== "pmd") busy = ptl;
      return busy ? 1 : 0;
    },
  });
  return busy;
}

/**
 * In a plain call, refuse before changing anything when a lock the change in
 * [start, end) may need is held (the call would fail half done). Under the scheduler
 * the task would just wait, so nothing is checked there.
 */
export function* refuseIfBusySteps(
  fn: string,
  mm: Mm,
  start: number,
  end: number,
  extra?: (Lock | null)[],
): Steps<void> {
  const me = yield* current();
  if (me.plain !== true) return;
  const busy = busyLockIn(mm, start, end, extra);
  if (busy) throw wouldBlock(fn, busy, fn);
}
