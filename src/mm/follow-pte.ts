/**
 * The legacy follow_pte() (mm/memory.c, v6.10, after "mm: pass VMA instead of MM to
 * follow_pte()" and "mm: follow_pte() improvements"; removed in v6.12 when its users moved
 * to follow_pfnmap_start/end). It knows only 4 KiB ptes: a PUD leaf is pud_bad() and a
 * PMD leaf makes pte_offset_map_lock() return NULL (VM_BUG_ON(pmd_trans_huge) under
 * CONFIG_DEBUG_VM), so huge pfnmaps fail with -EINVAL. On success the pte pointer and
 * its lock are handed back; the caller reads the pte and must pte_unmap_unlock().
 */
import { plainForm } from "./plain-form";
import { current, holds, release, step, type Steps } from "../sched/effect";
import { Lock } from "../sched/lock";
import { VM_IO, VM_PFNMAP, hex } from "./constants";
import { EINVAL } from "./errors";
import type { FollowPteFailure } from "./follow-args";
import { pteOffsetMapLockSteps } from "./follow";
import { pfnmapLockdepAssert } from "./pfnmap-checks";
import { entryBadTable, entryHugeLeaf, entryNone, entryPresent } from "./pte";
import { checkInteger, checkVma, kernelOf } from "./validate";
import { PfnlabError } from "./model-error";
import { PageTablePage } from "./pagetable";
import type { EntryRef, Vma } from "./vma";

/** Out-parameters of follow_pte (pte_t **ptepp, spinlock_t **ptlp), plus the model's reason. */
export interface FollowPteOut {
  ptep: EntryRef | null;
  ptl: Lock | null;
  reason: string;
  /** Why it failed, as a code (set on failure; `reason` is its text). */
  failure?: FollowPteFailure;
}

const FN = "followPte";

export function* followPteSteps(vma: Vma, address: number, out: FollowPteOut): Steps<number> {
  checkVma(FN, vma);
  checkInteger(FN, "address", address);
  if (typeof out !== "object" || out === null || Object.getPrototypeOf(out) !== Object.prototype)
    throw new PfnlabError(FN, "out", out, "must be a plain object { ptep, ptl, reason } to fill");
  const mm = vma.mm;
  const k = mm.kernel;
  const me = yield* current();
  out.ptep = null;
  out.ptl = null;
  const failWith = (failure: FollowPteFailure, reason: string) => {
    out.failure = failure;
    out.reason = reason;
    k.note(FN, me, reason, { address, ret: -EINVAL });
    return -EINVAL;
  };
  if (!holds(me, mm.mmapLock)) pfnmapLockdepAssert(k, me, vma, FN);
  if (address < vma.vmStart || address >= vma.vmEnd)
    return failWith("outsideVma", `address ${hex(address)} outside the vma`);
  if ((vma.vmFlags & (VM_IO | VM_PFNMAP)) === 0) return failWith("notPfnmap", "vma lacks VM_IO|VM_PFNMAP");
  const gi = Math.floor(address / 2 ** 39) % 512,
    ui = Math.floor(address / 2 ** 30) % 512,
    mi = Math.floor(address / 2 ** 21) % 512;
  yield* step("ptRead", `${FN}: read p4d`);
  const p4d = mm.pgd.entries[gi];
  if (entryNone(p4d) || entryBadTable(p4d)) return failWith("p4dNone", "p4d none or bad");
  const pudTable = mm.pgd.children![gi]!;
  yield* step("ptRead", `${FN}: read pud`);
  const pud = pudTable.entries[ui];
  if (entryNone(pud) || entryBadTable(pud))
    return entryHugeLeaf(pud)
      ? failWith("pudLeaf", "pud is a 1 GiB leaf: pud_bad() for follow_pte, which knows only ptes")
      : failWith("pudNone", "pud none");
  const pmdTable = pudTable.children![ui]!;
  const m = yield* pteOffsetMapLockSteps(mm, pmdTable, mi, FN);
  if (!m) {
    const pmd = pmdTable.entries[mi];
    return entryHugeLeaf(pmd)
      ? failWith(
          "pmdLeaf",
          "pmd is a 2 MiB leaf: pte_offset_map_lock() returns NULL (VM_BUG_ON(pmd_trans_huge) with CONFIG_DEBUG_VM)",
        )
      : failWith("pmdNone", "pmd none: pte_offset_map_lock() returned NULL");
  }
  const ti = Math.floor(address / 4096) % 512;
  yield* step("ptRead", `${FN}: ptep_get under the PTE lock`);
  if (!entryPresent(m.table.entries[ti])) {
    yield* release(m.lock, "write", `${FN}: pte_unmap_unlock (pte not present)`);
    return failWith("pteNotPresent", "pte not present");
  }
  out.ptep = { table: m.table, index: ti };
  out.ptl = m.lock;
  out.reason = "ok";
  return 0;
}

const followPteRun = plainForm(FN, kernelOf, followPteSteps);

/** follow_pte(vma, address, &ptep, &ptl): 0 with out.ptep/out.ptl set and the lock held, or -EINVAL. */
export function followPte(
  vma: Vma,
  address: number,
  out: FollowPteOut = { ptep: null, ptl: null, reason: "" },
): number {
  return followPteRun(vma, address, out);
}

/** ptep_get(): read the entry (a scheduling point in the stepwise form). */
export function* ptepGetSteps(ptep: EntryRef): Steps<number> {
  checkEntryRef("ptepGet", ptep);
  yield* step("ptRead", "ptep_get");
  return ptep.table.entries[ptep.index];
}
export function ptepGet(ptep: EntryRef): number {
  checkEntryRef("ptepGet", ptep);
  return ptep.table.entries[ptep.index];
}

/** pte_unmap_unlock(ptep, ptl). */
export function* pteUnmapUnlockSteps(ptep: EntryRef | null, ptl: Lock): Steps<void> {
  if (ptep !== null) checkEntryRef("pteUnmapUnlock", ptep);
  if (!(ptl instanceof Lock))
    throw new PfnlabError("pteUnmapUnlock", "ptl", ptl, "is not a lock (the out.ptl of followPte)");
  yield* release(ptl, "write", "pte_unmap_unlock");
}
export function pteUnmapUnlock(vma: Vma, ptep: EntryRef | null, ptl: Lock): void {
  const k = kernelOf("pteUnmapUnlock", vma);
  if (ptep !== null) checkEntryRef("pteUnmapUnlock", ptep);
  if (!(ptl instanceof Lock))
    throw new PfnlabError("pteUnmapUnlock", "ptl", ptl, "is not a lock (the out.ptl of followPte)");
  k.run(pteUnmapUnlockSteps(ptep, ptl), undefined, "pteUnmapUnlock");
}

/** A pte_t *: { table, index } into a live PTE table page. */
function checkEntryRef(fn: string, ptep: unknown): asserts ptep is EntryRef {
  const p = ptep as EntryRef | null;
  if (
    typeof p !== "object" ||
    p === null ||
    !(p.table instanceof PageTablePage) ||
    p.table.level !== "pte" ||
    p.table.freed ||
    !Number.isInteger(p.index) ||
    p.index < 0 ||
    p.index >= 512
  ) {
    throw new PfnlabError(fn, "ptep", ptep, "is not a pointer into a live PTE table ({ table, index } from followPte)");
  }
}
