/**
 * munmap(): do_vmi_munmap() / do_vmi_align_munmap() of mm/vma.c, with __split_vma() at
 * the edges, unmap_vmas() (one MMU_NOTIFY_UNMAP notifier range around the whole zap),
 * free_pgtables() and remove_vma() (->close). Runs under mmap_lock held for write, so
 * no follow_pfnmap lookup that obeys the rules can be in flight.
 */
import { plainForm } from "./plain-form";
import type { PageTablePage, Mm } from "./mm-types";
import { acquire, current, release, step, type Steps } from "../sched/effect";
import { wouldBlock } from "../sched/lock";
import { mmuNotifierInvalidateRangeEndSteps, mmuNotifierInvalidateRangeStartSteps } from "./mmu-notifier";
import { PTRS_PER_TABLE, TASK_SIZE, hex } from "./constants";
import { EINVAL } from "./errors";
import { PfnlabError } from "./model-error";
import { busyLockIn } from "./plain-locks";
import { mmapWriteLockSteps, mmapWriteUnlockSteps } from "./mmap-lock";
import { ENTRY_SPAN, freeTable, lookupLeaf, tableIndex, unpopulate } from "./pagetable";
import { entryHugeLeaf, entryPresent } from "./pte";
import { checkMm, checkPageAligned, checkSize, kernelOfMm } from "./validate";
import { insertVma, Vma } from "./vma";
import { unmapPageRangeSteps, zapPageRangeSingleSteps } from "./zap";

/**
 * __split_vma(): cut `vma` at `at`; `vma` keeps [vmStart, at), the returned new vma gets
 * [at, vmEnd). First vma_adjust_trans_huge(): a huge leaf straddling `at` is split,
 * which for a pfnmap means cleared (with its own notifier range).
 */
export function* splitVmaSteps(vma: Vma, at: number): Steps<Vma> {
  const mm = vma.mm;
  const hit = lookupLeaf(mm, at);
  if (hit.leaf && (hit.level === "pmd" || hit.level === "pud")) {
    const span = ENTRY_SPAN[hit.level];
    const leafStart = Math.floor(at / span) * span;
    if (leafStart !== at)
      yield* zapPageRangeSingleSteps(vma, leafStart, span, { site: "__split_vma: split_huge_" + hit.level });
  }
  const upper = new Vma(
    mm,
    at,
    vma.vmEnd,
    vma.vmFlags,
    vma.vmPageProt,
    vma.vmPgoff + (at - vma.vmStart) / 4096,
    vma.vmOps,
    vma.vmFile,
    vma.vmPrivateData,
    vma.name,
  );
  vma.vmEnd = at;
  insertVma(mm, upper);
  vma.vmOps?.open?.(upper);
  return upper;
}

function overlapsVma(mm: Mm, s: number, e: number): boolean {
  return mm.vmas.some((v) => v.vmStart < e && v.vmEnd > s);
}

/** Free a table and everything below it (tables only; leaves were zapped already). */
function freeSubtree(t: PageTablePage): void {
  if (t.children) {
    for (let i = 0; i < PTRS_PER_TABLE; i++) {
      const c = t.children[i];
      if (c && entryPresent(t.entries[i]) && !entryHugeLeaf(t.entries[i])) freeSubtree(c);
    }
  }
  freeTable(t);
}

/**
 * free_pgtables() / free_pgd_range() (mm/memory.c): free the page-table pages in
 * [start, end) that no remaining vma needs. The pgd itself is never freed.
 */
export function* freePgtablesSteps(mm: Mm, start: number, end: number): Steps<number> {
  let freed = 0;
  const walk = function* (t: PageTablePage, s: number, e: number): Steps<void> {
    const span = ENTRY_SPAN[t.level];
    for (let a = s; a < e; ) {
      const i = tableIndex(a, t.level);
      const base = t.base + i * span;
      const next = Math.min(base + span, e);
      const v = t.entries[i];
      const child = t.children![i];
      if (child && entryPresent(v) && !entryHugeLeaf(v)) {
        if (!overlapsVma(mm, base, base + span)) {
          yield* step("ptWrite", `free_pgtables: clear ${t.level} entry, free ${child.level} table at ${hex(base)}`);
          unpopulate(t, i);
          const before = mm.pgtablePages();
          freeSubtree(child);
          freed += before - mm.pgtablePages();
        } else if (child.children) {
          yield* walk(child, a, next);
        }
      }
      a = next;
    }
  };
  yield* walk(mm.pgd, start, end);
  return freed;
}

/**
 * munmap(2) as a stepwise function: 0, or -EINVAL for a range that leaves user space
 * (do_vmi_munmap() in mm/vma.c, v6.12: start > TASK_SIZE || len > TASK_SIZE - start),
 * with nothing unmapped. Bad values (not integers, unaligned addr) throw.
 */
export function* munmapSteps(mm: Mm, addr: number, length: number): Steps<number> {
  const fn = "munmap";
  checkMm(fn, mm);
  checkPageAligned(fn, "addr", addr);
  checkSize(fn, "length", length);
  if (addr < 0) throw new PfnlabError(fn, "addr", addr, "must be >= 0");
  if (addr > TASK_SIZE || length > TASK_SIZE - addr) {
    const me = yield* current();
    mm.kernel.note(
      fn,
      me,
      `[${hex(addr)}, +${hex(length)}) leaves user space (TASK_SIZE ${hex(TASK_SIZE)}): do_vmi_munmap returns -EINVAL`,
      { address: addr, ret: -EINVAL },
    );
    return -EINVAL;
  }
  const end = addr + length;
  yield* mmapWriteLockSteps(mm);
  try {
    let vmas = mm.vmasIn(addr, end);
    if (vmas.length === 0) return 0;
    const me = yield* current();
    if (me.plain) {
      const busy = busyLockIn(
        mm,
        addr,
        end,
        vmas.map((v) => v.vmFile?.mapping.iMmapRwsem ?? null),
      );
      if (busy) throw wouldBlock("munmap: unmap_vmas", busy, fn);
    }
    if (vmas[0].vmStart < addr) yield* splitVmaSteps(vmas[0], addr);
    vmas = mm.vmasIn(addr, end);
    const last = vmas[vmas.length - 1];
    if (last.vmEnd > end) yield* splitVmaSteps(last, end);
    vmas = mm.vmasIn(addr, end);

    const range = { mm, start: addr, end, event: "unmap" as const, blockable: true, site: "munmap" };
    yield* mmuNotifierInvalidateRangeStartSteps(range);
    for (const v of vmas) yield* unmapPageRangeSteps(v, v.vmStart, v.vmEnd, "munmap: unmap_vmas");
    yield* mmuNotifierInvalidateRangeEndSteps(range);

    // free_pgtables unlinks the vmas from rmap (i_mmap) before freeing tables.
    for (const v of vmas) {
      mm.vmas.splice(mm.vmas.indexOf(v), 1);
      if (v.vmFile) {
        const m = v.vmFile.mapping;
        yield* acquire(m.iMmapRwsem, "write", "munmap: unlink_file_vma i_mmap_lock_write");
        m.iMmap.delete(v);
        yield* release(m.iMmapRwsem, "write", "munmap: unlink_file_vma i_mmap_unlock_write");
      }
    }
    yield* freePgtablesSteps(mm, addr, end);
    yield* step("tlbFlush", `munmap: tlb_finish_mmu [${hex(addr)}, ${hex(end)})`);
    for (const v of vmas) {
      v.vmOps?.close?.(v);
      v.detached = true;
    }
    return 0;
  } finally {
    yield* mmapWriteUnlockSteps(mm);
  }
}

export const munmap = plainForm("munmap", kernelOfMm, munmapSteps);
