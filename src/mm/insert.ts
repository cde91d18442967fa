/**
 * Fault-time insertion of raw pfns: vmf_insert_pfn() / insert_pfn() (mm/memory.c) and
 * vmf_insert_pfn_pmd() / vmf_insert_pfn_pud() with insert_pfn_pmd() / insert_pfn_pud()
 * (mm/huge_memory.c), as of v6.12. Each maps one leaf marked special (pte_mkspecial,
 * pmd_mkspecial / pud_mkspecial: x86 software bit 9) under the lock of its level, does
 * nothing if the entry is already populated, and returns VM_FAULT_NOPAGE.
 *
 * The kernel's BUG_ON()s on the vma's flags are bad input here: they throw. They differ
 * by level (6.12.118 line numbers):
 *  - vmf_insert_pfn_prot() (mm/memory.c:2411-2415): neither VM_PFNMAP nor VM_MIXEDMAP;
 *    both; VM_PFNMAP on a COW mapping; VM_MIXEDMAP with pfn_valid(pfn) (a pfn with a
 *    struct page must go through vm_insert_page there).
 *  - vmf_insert_pfn_pmd()/_pud() (mm/huge_memory.c:1460-1464 / 1548-1552): neither
 *    VM_PFNMAP nor VM_MIXEDMAP (unless the pfn is devmap, which the model has not);
 *    both; VM_PFNMAP on a COW mapping. A VM_MIXEDMAP vma is fine and there is no
 *    pfn_valid() BUG_ON at these levels.
 * Neither huge insert looks at CONFIG_ARCH_SUPPORTS_PMD/PUD_PFNMAP: the driver's
 * huge_fault does, and falls back (vfio-device.ts, drivers/vfio/pci/vfio_pci_core.c).
 */
import { plainForm } from "./plain-form";
import { acquire, current, release, step, type Steps } from "../sched/effect";
import { PAGES_PER_PMD, PAGES_PER_PUD, PMD_SIZE, PUD_SIZE, VM_MIXEDMAP, VM_PFNMAP, VM_WRITE, hex } from "./constants";
import { VM_FAULT_NOPAGE, VM_FAULT_OOM, VM_FAULT_SIGBUS } from "./errors";
import { PageTablePage, TABLE_SPAN, pmdLockptr, pteLockptr, pudLockptr, tableIndex } from "./pagetable";
import type { PageTablePage as PageTable } from "./mm-types";
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_PAT,
  _PAGE_PAT_LARGE,
  _PAGE_PSE,
  _PAGE_RW,
  _PAGE_SPECIAL,
  entryNone,
  entryPfn,
  extraBits,
  mkEntry,
} from "./pte";
import { checkInteger, checkObject, checkVma, kernelOf, kernelOfVmf } from "./validate";
import { PfnlabError } from "./model-error";
import { refuseIfBusySteps } from "./plain-locks";
import { isCowMapping, type EntryRef, type Vma, type Vmf } from "./vma";
import { pmdAllocSteps, pudAllocSteps, walkToPteTableSteps } from "./walk-alloc";

/** Bad-input checks standing for the kernel's BUG_ON()s (see the file comment); throws. */
function checkInsert(fn: string, vma: Vma, pfn: number, nrPages: number, level: "pte" | HugeLevel): void {
  checkVma(fn, vma);
  checkInteger(fn, "pfn", pfn);
  const f = vma.vmFlags;
  const file = level === "pte" ? "mm/memory.c vmf_insert_pfn_prot" : `mm/huge_memory.c vmf_insert_pfn_${level}`;
  if ((f & (VM_PFNMAP | VM_MIXEDMAP)) === 0)
    throw new PfnlabError(fn, "vma", vma, `has neither VM_PFNMAP nor VM_MIXEDMAP (BUG_ON in ${file})`);
  if ((f & (VM_PFNMAP | VM_MIXEDMAP)) === (VM_PFNMAP | VM_MIXEDMAP))
    throw new PfnlabError(fn, "vma", vma, `has both VM_PFNMAP and VM_MIXEDMAP (BUG_ON in ${file})`);
  if ((f & VM_PFNMAP) !== 0 && isCowMapping(f))
    throw new PfnlabError(
      fn,
      "vma",
      vma,
      `is VM_PFNMAP and a private COW mapping (BUG_ON in ${file}: use remap_pfn_range for those)`,
    );
  const physmem = vma.mm.kernel.physmem;
  if (level === "pte" && (f & VM_MIXEDMAP) !== 0 && physmem.isRamPfn(pfn))
    throw new PfnlabError(
      fn,
      "pfn",
      pfn,
      `has a struct page; VM_MIXEDMAP must use vm_insert_page (BUG_ON(pfn_valid) in ${file})`,
    );
  if (!physmem.rangeBacked(pfn, nrPages))
    throw new PfnlabError(
      fn,
      "pfn",
      pfn,
      `starts a range [${hex(pfn)}, ${hex(pfn + nrPages)}) that is outside any RAM or IO region`,
    );
}

/** Convert a 4 KiB pgprot to a huge-leaf one (PAT moves from bit 7; PSE is set). */
function hugeProt(prot: number): number {
  let p = prot;
  if (p & _PAGE_PAT) p = (p & ~_PAGE_PAT) | _PAGE_PAT_LARGE;
  return p | _PAGE_PSE;
}

/**
 * vmf_insert_pfn(vma, addr, pfn) -> vmf_insert_pfn_prot(vma->vm_page_prot) -> insert_pfn():
 * get_locked_pte (allocating tables, taking the PTE ptlock), leave a populated pte as it
 * is, else write a special pte. VM_FAULT_SIGBUS when addr is outside the vma,
 * VM_FAULT_OOM when no PTE table can exist there (a huge leaf covers it).
 */
export function* vmfInsertPfnSteps(vma: Vma, addr: number, pfn: number): Steps<number> {
  const fn = "vmfInsertPfn";
  checkInsert(fn, vma, pfn, 1, "pte");
  checkInteger(fn, "addr", addr);
  const me = yield* current();
  const k = vma.mm.kernel;
  if (addr < vma.vmStart || addr >= vma.vmEnd) {
    k.note(fn, me, `addr outside ${vma}`, { address: addr, ret: VM_FAULT_SIGBUS });
    return VM_FAULT_SIGBUS;
  }
  const a = Math.floor(addr / 4096) * 4096;
  yield* refuseIfBusySteps(fn, vma.mm, a, a + 4096);
  const table = yield* walkToPteTableSteps(fn, vma.mm, a);
  if (!table) {
    k.note(fn, me, "get_locked_pte() found a huge leaf where a PTE table would be", { address: a, ret: VM_FAULT_OOM });
    return VM_FAULT_OOM;
  }
  const lock = pteLockptr(vma.mm, table);
  yield* acquire(lock, "write", `${fn}: get_locked_pte`);
  const i = tableIndex(a, "pte");
  yield* step("ptRead", `${fn}: ptep_get`);
  if (!entryNone(table.entries[i])) {
    k.note(fn, me, `pte already populated (pfn ${hex(entryPfn(table.entries[i]))}); left as is`, {
      address: a,
      ret: VM_FAULT_NOPAGE,
    });
  } else {
    yield* step("ptWrite", `${fn}: set_pte_at(pte_mkspecial(pfn_pte(${hex(pfn)})))`);
    table.entries[i] = mkEntry(pfn, vma.vmPageProt | _PAGE_SPECIAL);
  }
  yield* release(lock, "write", `${fn}: pte_unmap_unlock`);
  return VM_FAULT_NOPAGE;
}

export const vmfInsertPfn = plainForm("vmfInsertPfn", kernelOf, vmfInsertPfnSteps);

type HugeLevel = "pmd" | "pud";

/**
 * A caller-given vmf.pmd / vmf.pud must be what the fault walk would have found: an
 * entry of a live table of that level in this mm, the one covering vmf.address.
 */
function checkSlot(fn: string, level: HugeLevel, vmf: Vmf): void {
  const field = `vmf.${level}`;
  const slot = level === "pmd" ? vmf.pmd : vmf.pud;
  if (slot === undefined) return;
  const rule = `must be the ${level} entry covering vmf.address: { table, index } from the fault walk`;
  if (typeof slot !== "object" || slot === null || !(slot.table instanceof PageTablePage))
    throw new PfnlabError(fn, field, slot, rule);
  const t = slot.table;
  if (t.level !== level) throw new PfnlabError(fn, field, slot, `points into a ${t.level} table; it ${rule}`);
  if (t.mm !== vmf.vma.mm || t.freed)
    throw new PfnlabError(fn, field, slot, `points into a table that is not live in ${vmf.vma.mm.name}; it ${rule}`);
  const addr = vmf.address;
  if (addr < t.base || addr >= t.base + TABLE_SPAN[level] || slot.index !== tableIndex(addr, level))
    throw new PfnlabError(fn, field, slot, rule);
}

function* insertHugeSteps(level: HugeLevel, vmf: Vmf, pfn: number, write: boolean): Steps<number> {
  const fn = level === "pmd" ? "vmfInsertPfnPmd" : "vmfInsertPfnPud";
  checkObject(fn, "vmf", vmf, "{ vma, address }");
  const vma = vmf.vma;
  const nr = level === "pmd" ? PAGES_PER_PMD : PAGES_PER_PUD;
  checkInsert(fn, vma, pfn, nr, level);
  checkInteger(fn, "vmf.address", vmf.address);
  if (typeof write !== "boolean") throw new PfnlabError(fn, "write", write, "must be a boolean");
  checkSlot(fn, level, vmf);
  const mm = vma.mm;
  const k = mm.kernel;
  const me = yield* current();
  const size = level === "pmd" ? PMD_SIZE : PUD_SIZE;
  const addr = Math.floor(vmf.address / size) * size;
  if (addr < vma.vmStart || addr >= vma.vmEnd) {
    k.note(fn, me, `aligned addr ${hex(addr)} outside ${vma}`, { address: addr, ret: VM_FAULT_SIGBUS });
    return VM_FAULT_SIGBUS;
  }
  yield* refuseIfBusySteps(fn, mm, addr, addr + size);
  // The slot: vmf->pmd / vmf->pud from the fault walk, or walk (allocating) here.
  let slot: EntryRef | undefined = level === "pmd" ? vmf.pmd : vmf.pud;
  if (!slot) {
    const pud = yield* pudAllocSteps(fn, mm, addr);
    if (level === "pud") slot = { table: pud, index: tableIndex(addr, "pud") };
    else {
      const pmd: PageTable | null = yield* pmdAllocSteps(fn, mm, pud, addr);
      if (!pmd) {
        k.note(fn, me, "a PUD leaf already maps this address", { address: addr, ret: VM_FAULT_NOPAGE });
        return VM_FAULT_NOPAGE;
      }
      slot = { table: pmd, index: tableIndex(addr, "pmd") };
    }
  }
  const lock = level === "pmd" ? pmdLockptr(mm, slot.table) : pudLockptr(mm);
  yield* acquire(lock, "write", `${fn}: ${level}_lock`);
  yield* step("ptRead", `${fn}: read ${level} under lock`);
  const cur = slot.table.entries[slot.index];
  if (!entryNone(cur)) {
    if (write && entryPfn(cur) === pfn) {
      // Existing leaf for the same pfn: mark young/dirty (and writable if the vma allows).
      yield* step("ptWrite", `${fn}: ${level}_mkyoung/mkdirty on the existing leaf`);
      slot.table.entries[slot.index] =
        cur + extraBits(cur, _PAGE_ACCESSED | _PAGE_DIRTY | ((vma.vmFlags & VM_WRITE) !== 0 ? _PAGE_RW : 0));
    } else {
      k.note(
        fn,
        me,
        `${level} already populated (${write && entryPfn(cur) !== pfn ? "different pfn, WARN_ON_ONCE" : "left as is"})`,
        { address: addr, ret: VM_FAULT_NOPAGE },
      );
    }
  } else {
    let flags = hugeProt(vma.vmPageProt) | _PAGE_SPECIAL;
    if (write) flags |= _PAGE_ACCESSED | _PAGE_DIRTY | ((vma.vmFlags & VM_WRITE) !== 0 ? _PAGE_RW : 0);
    yield* step("ptWrite", `${fn}: set_${level}_at(${level}_mkspecial(${level}_mkhuge(pfn ${hex(pfn)})))`);
    slot.table.entries[slot.index] = mkEntry(pfn, flags);
  }
  yield* release(lock, "write", `${fn}: spin_unlock`);
  return VM_FAULT_NOPAGE;
}

/**
 * vmf_insert_pfn_pmd(vmf, pfn, write) (mm/huge_memory.c, v6.12): map a 2 MiB special
 * leaf at vmf.address rounded down to PMD_SIZE. `vmf` may be just `{ vma, address }`.
 */
export function* vmfInsertPfnPmdSteps(vmf: Vmf, pfn: number, write: boolean): Steps<number> {
  return yield* insertHugeSteps("pmd", vmf, pfn, write);
}
/** vmf_insert_pfn_pud(vmf, pfn, write): same with a 1 GiB leaf under pud_lock (page_table_lock). */
export function* vmfInsertPfnPudSteps(vmf: Vmf, pfn: number, write: boolean): Steps<number> {
  return yield* insertHugeSteps("pud", vmf, pfn, write);
}
export const vmfInsertPfnPmd = plainForm("vmfInsertPfnPmd", kernelOfVmf, vmfInsertPfnPmdSteps);
export const vmfInsertPfnPud = plainForm("vmfInsertPfnPud", kernelOfVmf, vmfInsertPfnPudSteps);
