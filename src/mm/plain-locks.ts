/**
 * Plain calls (runSteps) run alone: a lock somebody holds is never released, so taking
 * it fails. A call that would change the model before reaching such a lock first asks
 * busyLockIn() and refuses while nothing has changed yet.
 */
import type { Lock } from "../sched/lock";
import { PTRS_PER_TABLE } from "./constants";
import type { Mm } from "./mm";
import { ENTRY_SPAN, type PageTablePage } from "./pagetable";
import { entryHugeLeaf, entryPresent } from "./pte";

/**
 * The first held lock among those a page-table change in [start, end) of mm may take:
 * page_table_lock (pud_lock, and the upper-level allocations), the split ptlocks of the
 * PMD and PTE tables in the range, and `extra` (e.g. i_mmap_rwsem of the files). Locks
 * taken inside MMU notifier callbacks are not looked at. Null when all are free.
 */
export function busyLockIn(mm: Mm, start: number, end: number, extra: (Lock | null)[] = []): Lock | null {
  if (mm.pageTableLock.isLocked()) return mm.pageTableLock;
  for (const l of extra) if (l && l.isLocked()) return l;
  const visit = (t: PageTablePage): Lock | null => {
    const ptl = t.ptlIfCreated;
    if (ptl !== null && ptl.isLocked()) return ptl;
    if (!t.children) return null;
    const span = ENTRY_SPAN[t.level];
    const first = Math.max(0, Math.floor((start - t.base) / span));
    const last = Math.min(PTRS_PER_TABLE - 1, Math.floor((end - 1 - t.base) / span));
    for (let i = first; i <= last; i++) {
      const c = t.children[i];
      if (c && entryPresent(t.entries[i]) && !entryHugeLeaf(t.entries[i])) {
        const busy = visit(c);
        if (busy) return busy;
      }
    }
    return null;
  };
  return visit(mm.pgd);
}
