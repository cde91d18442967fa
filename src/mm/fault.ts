/**
 * Page faults: handle_mm_fault() -> __handle_mm_fault() (mm/memory.c, v6.12) with
 * create_huge_pud() / create_huge_pmd() / wp_huge_pud() / wp_huge_pmd() and
 * handle_pte_fault() -> do_pte_missing() -> do_fault() / do_anonymous_page(), plus the
 * arch entry do_user_addr_fault() (arch/x86/mm/fault.c) and fixup_user_fault() (mm/gup.c).
 *
 * The huge path: a PUD slot that is none and a vma whose ->huge_fault exists first gets
 * ->huge_fault(vmf, PUD_ORDER); VM_FAULT_FALLBACK moves on to the PMD slot
 * (->huge_fault(vmf, PMD_ORDER)), and another fallback to the PTE level (->fault).
 *
 * Not modelled: page-cache faults (a ->fault that returns a page), COW of private pfn
 * mappings (wp_page_copy), the zero page (anonymous read faults allocate a page),
 * userfaultfd, NUMA hinting, per-VMA locks.
 */
import { plainForm } from "./plain-form";
import type { PageTablePage, Mm } from "./mm-types";
import { acquire, current, holds, mightSleep, release, step, type Steps } from "../sched/effect";
import {
  FAULT_FLAG_KNOWN,
  FAULT_FLAG_REMOTE,
  FAULT_FLAG_USER,
  FAULT_FLAG_WRITE,
  PMD_ORDER,
  PUD_ORDER,
  VM_EXEC,
  VM_MAYSHARE,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
} from "./constants";
import {
  EFAULT,
  VM_FAULT_FALLBACK,
  VM_FAULT_HWPOISON,
  VM_FAULT_HWPOISON_LARGE,
  VM_FAULT_OOM,
  VM_FAULT_SIGBUS,
  VM_FAULT_SIGSEGV,
  vmFaultName,
} from "./errors";
import { pteLockptr, tableIndex } from "./pagetable";
import { PFNMAP_RULES, reportWithoutMmapLock } from "./pfnmap-checks";
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_RW,
  entryHugeLeaf,
  entryNone,
  entryPresent,
  entrySpecial,
  entryWrite,
  extraBits,
  mkEntry,
} from "./pte";
import { callMaybe } from "../sched/effect";
import { checkBoolean, checkFlags, checkInteger, checkMm, checkVma, kernelOf, kernelOfMm } from "./validate";
import { PfnlabError } from "./model-error";
import { refuseIfBusySteps } from "./plain-locks";
import { linearPageIndex, type Vma, type Vmf } from "./vma";
import { pmdAllocSteps, pteAllocSteps, pudAllocSteps } from "./walk-alloc";
import { zapPageRangeSingleSteps } from "./zap";
import { mmapReadLockSteps, mmapReadUnlockSteps } from "./mmap-lock";

const FN = "handleMmFault";

/** thp_vma_allowable_order() for the fault path: a file vma whose ->huge_fault exists (anonymous THP is not modelled). */
function hugeAllowed(vma: Vma): boolean {
  return vma.vmOps?.hugeFault !== undefined;
}

function* hugeFaultSteps(vmf: Vmf, order: number): Steps<number> {
  return yield* callMaybe(vmf.vma.vmOps!.hugeFault!(vmf, order));
}

/** Split a huge leaf of a special vma = clear it (with notifiers); the fault then maps smaller. */
function* splitHugeSteps(vmf: Vmf, size: number, what: string): Steps<void> {
  const start = Math.floor(vmf.address / size) * size;
  yield* zapPageRangeSingleSteps(vmf.vma, start, size, { site: what });
}

/** wp_huge_pud()/wp_huge_pmd(): a write to a read-only huge leaf. Shared: ask ->huge_fault again; else split. */
function* wpHugeSteps(vmf: Vmf, order: number): Steps<number> {
  const vma = vmf.vma;
  if ((vma.vmFlags & (VM_SHARED | VM_MAYSHARE)) !== 0 && vma.vmOps?.hugeFault) {
    const ret = yield* hugeFaultSteps(vmf, order);
    if ((ret & VM_FAULT_FALLBACK) === 0) return ret;
  }
  yield* splitHugeSteps(
    vmf,
    order === PUD_ORDER ? 2 ** 30 : 2 ** 21,
    order === PUD_ORDER ? "wp_huge_pud: __split_huge_pud" : "wp_huge_pmd: __split_huge_pmd",
  );
  return VM_FAULT_FALLBACK;
}

/** Set accessed (and dirty on write) on a present leaf: huge_pud_set_accessed / huge_pmd_set_accessed / pte_mkyoung. */
function touchEntry(table: PageTablePage, index: number, write: boolean): void {
  const v = table.entries[index];
  const f = v % 4096;
  let add = 0;
  if ((f & _PAGE_ACCESSED) === 0) add += _PAGE_ACCESSED;
  if (write && (f & _PAGE_DIRTY) === 0) add += _PAGE_DIRTY;
  table.entries[index] = v + add;
}

export function* handleMmFaultSteps(vma: Vma, address: number, flags = 0): Steps<number> {
  checkVma(FN, vma);
  checkInteger(FN, "address", address);
  checkFlags(FN, "flags", flags, FAULT_FLAG_KNOWN);
  if (!vma.contains(address))
    throw new PfnlabError(FN, "address", address, `is not inside ${vma} (the caller looks the vma up first)`);
  const mm = vma.mm;
  const k = mm.kernel;
  const me = yield* current();
  yield* refuseIfBusySteps(FN, mm, address, address + 1);
  if (!holds(me, mm.mmapLock)) reportWithoutMmapLock(k, me, mm, PFNMAP_RULES.faultWithoutLock, "handle_mm_fault", FN);
  const write = (flags & FAULT_FLAG_WRITE) !== 0;
  const vmf: Vmf = {
    vma,
    address: Math.floor(address / 4096) * 4096,
    realAddress: address,
    flags,
    pgoff: linearPageIndex(vma, address),
  };
  const ret = yield* handleMmFaultInner(mm, vmf, write);
  k.note(FN, me, `${write ? "write" : "read"} fault -> ${vmFaultName(ret)}`, { address, ret });
  return ret;
}

function* handleMmFaultInner(mm: Mm, vmf: Vmf, write: boolean): Steps<number> {
  const vma = vmf.vma;
  const k = mm.kernel;
  const me = yield* current();
  const pudTable = yield* pudAllocSteps(FN, mm, vmf.address);
  const ui = tableIndex(vmf.address, "pud");
  vmf.pud = { table: pudTable, index: ui };
  for (;;) {
    // retry_pud:
    yield* step("ptRead", `${FN}: read pud`);
    const pud = pudTable.entries[ui];
    if (entryNone(pud) && hugeAllowed(vma)) {
      const ret = yield* hugeFaultSteps(vmf, PUD_ORDER);
      if ((ret & VM_FAULT_FALLBACK) === 0) return ret;
      k.note(FN, me, "create_huge_pud: ->huge_fault(PUD_ORDER) returned VM_FAULT_FALLBACK", { address: vmf.address });
    } else if (entryPresent(pud) && entryHugeLeaf(pud)) {
      if (write && !entryWrite(pud)) {
        const ret = yield* wpHugeSteps(vmf, PUD_ORDER);
        if ((ret & VM_FAULT_FALLBACK) === 0) return ret;
      } else {
        yield* acquire(mm.pageTableLock, "write", `${FN}: huge_pud_set_accessed pud_lock`);
        if (pudTable.entries[ui] === pud) touchEntry(pudTable, ui, write);
        yield* release(mm.pageTableLock, "write", `${FN}: huge_pud_set_accessed unlock`);
        return 0;
      }
    }
    const pmdTable = yield* pmdAllocSteps(FN, mm, pudTable, vmf.address);
    if (!pmdTable) continue; // a PUD leaf appeared meanwhile (pud_trans_unstable): retry_pud
    const mi = tableIndex(vmf.address, "pmd");
    vmf.pmd = { table: pmdTable, index: mi };
    yield* step("ptRead", `${FN}: read pmd`);
    const pmd = pmdTable.entries[mi];
    if (entryNone(pmd) && hugeAllowed(vma)) {
      const ret = yield* hugeFaultSteps(vmf, PMD_ORDER);
      if ((ret & VM_FAULT_FALLBACK) === 0) return ret;
      k.note(FN, me, "create_huge_pmd: ->huge_fault(PMD_ORDER) returned VM_FAULT_FALLBACK", { address: vmf.address });
    } else if (entryPresent(pmd) && entryHugeLeaf(pmd)) {
      if (write && !entryWrite(pmd)) {
        const ret = yield* wpHugeSteps(vmf, PMD_ORDER);
        if ((ret & VM_FAULT_FALLBACK) === 0) return ret;
      } else {
        return 0;
      }
    }
    return yield* handlePteFaultSteps(mm, vmf, pmdTable, mi, write);
  }
}

/** handle_pte_fault(): missing pte -> do_fault / do_anonymous_page; present -> wp or mkyoung under the PTE lock. */
function* handlePteFaultSteps(mm: Mm, vmf: Vmf, pmdTable: PageTablePage, mi: number, write: boolean): Steps<number> {
  const _vma = vmf.vma;
  yield* step("ptRead", `${FN}: handle_pte_fault read pmd`);
  const pmdv = pmdTable.entries[mi];
  const table = entryPresent(pmdv) && !entryHugeLeaf(pmdv) ? pmdTable.children![mi] : null;
  if (entryPresent(pmdv) && entryHugeLeaf(pmdv)) return 0; // a PMD leaf appeared: the access will succeed now
  const ti = tableIndex(vmf.address, "pte");
  let pte = 0;
  if (table) {
    yield* step("ptRead", `${FN}: ptep_get_lockless`);
    pte = table.entries[ti];
  }
  if (!table || entryNone(pte)) return yield* doPteMissingSteps(mm, vmf, pmdTable, write);
  const lock = pteLockptr(mm, table);
  yield* acquire(lock, "write", `${FN}: handle_pte_fault spin_lock`);
  let ret = 0;
  if (table.entries[ti] === pte) {
    if (write && !entryWrite(pte)) {
      ret = yield* doWpPageSteps(vmf, table, ti, lock);
      return ret; // doWpPageSteps releases the lock
    }
    touchEntry(table, ti, write);
  }
  yield* release(lock, "write", `${FN}: pte_unmap_unlock`);
  return ret;
}

/** do_wp_page() for what the model has: shared pfn maps become writable (wp_pfn_shared); private COW of a pfn is not modelled. */
function* doWpPageSteps(vmf: Vmf, table: PageTablePage, ti: number, lock: import("../sched/lock").Lock): Steps<number> {
  const vma = vmf.vma;
  const pte = table.entries[ti];
  const shared = (vma.vmFlags & (VM_SHARED | VM_MAYSHARE)) === (VM_SHARED | VM_MAYSHARE);
  if (entrySpecial(pte) && shared) {
    if (vma.vmOps?.pfnMkwrite) {
      yield* release(lock, "write", `${FN}: wp_pfn_shared unlock for ->pfn_mkwrite`);
      const r = yield* callMaybe(vma.vmOps.pfnMkwrite(vmf));
      if (r & (VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)) return r;
      yield* acquire(lock, "write", `${FN}: wp_pfn_shared relock`);
      if (table.entries[ti] !== pte) {
        yield* release(lock, "write", `${FN}: pte changed meanwhile`);
        return 0;
      }
    }
    yield* step("ptWrite", `${FN}: wp_page_reuse (mkyoung, mkdirty, mkwrite)`);
    table.entries[ti] = pte + extraBits(pte, _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_RW);
    yield* release(lock, "write", `${FN}: pte_unmap_unlock`);
    return 0;
  }
  yield* release(lock, "write", `${FN}: pte_unmap_unlock`);
  vma.mm.kernel.note(
    FN,
    (yield* current()).name,
    "write to a read-only pte of a private or normal mapping: COW (wp_page_copy) is not modelled",
    { address: vmf.address, ret: VM_FAULT_SIGBUS },
  );
  return VM_FAULT_SIGBUS;
}

/** do_pte_missing(): anonymous vma -> do_anonymous_page; else do_fault -> ->fault(). */
function* doPteMissingSteps(mm: Mm, vmf: Vmf, pmdTable: PageTablePage, write: boolean): Steps<number> {
  const vma = vmf.vma;
  if (!vma.vmOps && !vma.vmFile) return yield* doAnonymousPageSteps(mm, vmf, pmdTable, write);
  if (!vma.vmOps?.fault) {
    mm.kernel.note(FN, (yield* current()).name, "do_fault: the vma has no ->fault", {
      address: vmf.address,
      ret: VM_FAULT_SIGBUS,
    });
    return VM_FAULT_SIGBUS;
  }
  const ret = yield* callMaybe(vma.vmOps.fault(vmf));
  if (ret === 0) {
    mm.kernel.note(
      FN,
      (yield* current()).name,
      "->fault returned 0 (a page): page-cache faults are not modelled; map with vmf_insert_* and return VM_FAULT_NOPAGE",
      { address: vmf.address, ret: VM_FAULT_SIGBUS },
    );
    return VM_FAULT_SIGBUS;
  }
  return ret;
}

/**
 * do_anonymous_page(): allocate a page (may sleep, before any spinlock), install the PTE
 * table if missing, map the page under the PTE lock unless someone else did first.
 * Read faults get a fresh page too (the kernel would map the shared zero page).
 */
function* doAnonymousPageSteps(mm: Mm, vmf: Vmf, pmdTable: PageTablePage, write: boolean): Steps<number> {
  const vma = vmf.vma;
  const table = yield* pteAllocSteps(FN, mm, pmdTable, vmf.address);
  if (!table) return 0;
  yield* mightSleep(`${FN}: do_anonymous_page alloc_anon_folio`);
  const page = mm.kernel.physmem.allocPage("anon");
  const lock = pteLockptr(mm, table);
  yield* acquire(lock, "write", `${FN}: do_anonymous_page pte_offset_map_lock`);
  const ti = tableIndex(vmf.address, "pte");
  yield* step("ptRead", `${FN}: do_anonymous_page recheck pte`);
  if (!entryNone(table.entries[ti])) {
    yield* release(lock, "write", `${FN}: do_anonymous_page lost the race`);
    mm.kernel.physmem.putPage(page);
    return 0;
  }
  let flags = vma.vmPageProt | _PAGE_ACCESSED;
  if (vma.vmFlags & VM_WRITE) flags |= _PAGE_RW | _PAGE_DIRTY;
  void write;
  page.mapcount = 1;
  yield* step("ptWrite", `${FN}: do_anonymous_page set_pte_at`);
  table.entries[ti] = mkEntry(page.pfn, flags);
  yield* release(lock, "write", `${FN}: do_anonymous_page unlock`);
  return 0;
}

/** handle_mm_fault(vma, address, flags) as a plain call; the caller holds mmap_lock (checker report otherwise). */
export const handleMmFault = plainForm(FN, kernelOf, handleMmFaultSteps);

/**
 * do_user_addr_fault() (arch/x86/mm/fault.c): what a CPU access to an unmapped user
 * address does: mmap_read_lock, find the vma, access_error() -> SIGSEGV, handle_mm_fault,
 * mmap_read_unlock. Returns VM_FAULT_* (VM_FAULT_SIGSEGV when no vma covers it).
 */
export function* doUserAddrFaultSteps(mm: Mm, address: number, write = false): Steps<number> {
  checkMm("doUserAddrFault", mm);
  checkInteger("doUserAddrFault", "address", address);
  checkBoolean("doUserAddrFault", "write", write);
  yield* mmapReadLockSteps(mm);
  try {
    const vma = mm.findVma(address);
    if (!vma) return VM_FAULT_SIGSEGV;
    if (write ? (vma.vmFlags & VM_WRITE) === 0 : (vma.vmFlags & (VM_READ | VM_WRITE | VM_EXEC)) === 0)
      return VM_FAULT_SIGSEGV;
    return yield* handleMmFaultSteps(vma, address, write ? FAULT_FLAG_WRITE | FAULT_FLAG_USER : FAULT_FLAG_USER);
  } finally {
    yield* mmapReadUnlockSteps(mm);
  }
}

export const doUserAddrFault = plainForm("doUserAddrFault", kernelOfMm, doUserAddrFaultSteps);

/**
 * fixup_user_fault(mm, address, fault_flags, unlocked) (mm/gup.c): fault a page in on
 * behalf of another context (KVM's hva_to_pfn_remapped does this when
 * follow_pfnmap_start fails). The caller holds mmap_lock. Returns 0, -EFAULT (no vma,
 * or vma flags forbid it) or -EFAULT for a fault error.
 */
export function* fixupUserFaultSteps(mm: Mm, address: number, faultFlags = 0): Steps<number> {
  checkMm("fixupUserFault", mm);
  checkInteger("fixupUserFault", "address", address);
  checkFlags("fixupUserFault", "faultFlags", faultFlags, FAULT_FLAG_KNOWN);
  const vma = mm.findVma(address);
  if (!vma) return -EFAULT;
  const write = (faultFlags & FAULT_FLAG_WRITE) !== 0;
  if (write && (vma.vmFlags & VM_WRITE) === 0) return -EFAULT;
  const ret = yield* handleMmFaultSteps(vma, address, faultFlags | FAULT_FLAG_REMOTE);
  // The kernel maps these through vm_fault_to_errno (-ENOMEM, -EHWPOISON, -EFAULT); the model reports -EFAULT for all.
  if (ret & (VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_OOM | VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE))
    return -EFAULT;
  return 0;
}

export const fixupUserFault = plainForm("fixupUserFault", kernelOfMm, fixupUserFaultSteps);
