/**
 * Plain calls (runSteps) run alone: a lock somebody holds is never released, so taking
 * it fails. A call that would change the model before reaching such a lock first asks
 * busyLockIn() and refuses while nothing has changed yet.
 */
import { current, type Steps } from "../sched/effect";
import { type Lock, wouldBlock } from "../sched/lock";
import { PTRS_PER_TABLE } from "./constants";
import type { Mm } from "./mm";
import { ENTRY_SPAN, type PageTablePage } from "./pagetable";
import { entryHugeLeaf, entryPresent } from "./pte";

/**
 * The first held lock among those a page-table change in [start, end) of mm may take:
 * the split ptlocks of the PMD and PTE tables in the range, page_table_lock where it is
 * needed (a missing PUD or PMD table to allocate, a PUD leaf, or split ptlocks off), and
 * `extra` (e.g. i_mmap_rwsem of the files). Locks taken inside MMU notifier callbacks
 * are not looked at. Null when all are free.
 */
export function busyLockIn(mm: Mm, start: number, end: number, extra: (Lock | null)[] = []): Lock | null {
  for (const l of extra) if (l?.isLocked()) return l;
  const ptl = mm.pageTableLock;
  const split = mm.kernel.options.splitPtlocks;
  if (ptl.isLocked() && (!split.pte || !split.pmd)) return ptl;
  const visit = (t: PageTablePage): Lock | null => {
    const own = t.ptlIfCreated;
    if (own?.isLocked()) return own;
    if (t.level === "pte") return null;
    const span = ENTRY_SPAN[t.level];
    const first = Math.max(0, Math.floor((start - t.base) / span));
    const last = Math.min(PTRS_PER_TABLE - 1, Math.floor((end - 1 - t.base) / span));
    for (let i = first; i <= last; i++) {
      const v = t.entries[i];
      const c = t.children ? t.children[i] : null;
      const upper = t.level === "pgd" || t.level === "pud";
      // pud_alloc/pmd_alloc install under page_table_lock; a PUD leaf is locked by it.
      if (upper && ptl.isLocked() && (!entryPresent(v) || entryHugeLeaf(v) || !c)) return ptl;
      if (c && entryPresent(v) && !entryHugeLeaf(v)) {
        const busy = visit(c);
        if (busy) return busy;
      }
    }
    return null;
  };
  return visit(mm.pgd);
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
