/**
 * Walking down with allocation: p4d_alloc (folded: the pgd entry), pud_alloc,
 * pmd_alloc and pte_alloc of include/linux/mm.h / mm/memory.c. Each installs a missing
 * table under the lock that guards the parent entry: page_table_lock for p4d and pud
 * entries (pud_lock is page_table_lock on every architecture), pmd_lock for pmd entries
 * (pmd_install).
 */
import type { Steps } from "../sched/effect";
import type { PageTablePage, Mm } from "./mm-types";
import { PfnlabError } from "./model-error";
import { allocChildSteps, pmdLockptr, pudLockptr, tableIndex } from "./pagetable";

/** The PUD table covering addr (allocated if missing). */
export function* pudAllocSteps(fn: string, mm: Mm, addr: number): Steps<PageTablePage> {
  const t = yield* allocChildSteps(fn, mm.pgd, tableIndex(addr, "pgd"), mm.pageTableLock);
  if (!t) throw new PfnlabError(fn, "address", addr, "is under a p4d leaf; x86-64 has no 512 GiB leaves");
  return t;
}

/** The PMD table covering addr, or null when a PUD leaf maps it. */
export function* pmdAllocSteps(fn: string, mm: Mm, pudTable: PageTablePage, addr: number): Steps<PageTablePage | null> {
  return yield* allocChildSteps(fn, pudTable, tableIndex(addr, "pud"), pudLockptr(mm));
}

/** The PTE table covering addr, or null when a PMD leaf maps it. */
export function* pteAllocSteps(fn: string, mm: Mm, pmdTable: PageTablePage, addr: number): Steps<PageTablePage | null> {
  return yield* allocChildSteps(fn, pmdTable, tableIndex(addr, "pmd"), pmdLockptr(mm, pmdTable));
}

/** walk_to_pmd() + pte_alloc: the PTE table for addr, or null when a huge leaf is in the way. */
export function* walkToPteTableSteps(fn: string, mm: Mm, addr: number): Steps<PageTablePage | null> {
  const pud = yield* pudAllocSteps(fn, mm, addr);
  const pmd = yield* pmdAllocSteps(fn, mm, pud, addr);
  if (!pmd) return null;
  return yield* pteAllocSteps(fn, mm, pmd, addr);
}
