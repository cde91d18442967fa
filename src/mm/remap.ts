/**
 * remap_pfn_range() (mm/memory.c, v6.12: remap_pfn_range -> track_pfn_remap ->
 * remap_pfn_range_notrack -> remap_p4d/pud/pmd/pte_range): map [addr, addr+size) to
 * consecutive pfns with special 4 KiB ptes, at mmap time. Sets VM_IO | VM_PFNMAP |
 * VM_DONTEXPAND | VM_DONTDUMP. A private (COW) mapping must be remapped whole, and then
 * vm_pgoff records the base pfn (is_cow_mapping branch); otherwise -EINVAL.
 *
 * Bulk speed: the stepwise form yields per PTE table page (allocation, lock, one
 * ptWrite step for up to 512 entries, unlock), not per pte: remap runs at mmap time
 * under mmap_lock held for write, so no lookup can interleave inside a table anyway.
 * PAT memtype tracking (track_pfn_remap) is not modelled.
 */
import { plainForm } from "./plain-form";
import type { PageTablePage, Mm } from "./mm-types";
import { acquire, current, release, step, type Steps } from "../sched/effect";
import { PMD_SIZE, VM_DONTDUMP, VM_DONTEXPAND, VM_IO, VM_PFNMAP, hex } from "./constants";
import { EINVAL } from "./errors";
import { pteLockptr, tableIndex } from "./pagetable";
import { type WalkEntryRef, walkPageRange } from "./pagewalk";
import { _PAGE_KNOWN, _PAGE_PSE, _PAGE_SPECIAL, entryHugeLeaf, entryPfn, entryPresent } from "./pte";
import { checkFlags, checkInteger, checkPageAligned, checkSize, checkVma, kernelOf } from "./validate";
import { isCowMapping, type Vma } from "./vma";
import { walkToPteTableSteps } from "./walk-alloc";
import { PfnlabError } from "./model-error";
import { refuseIfBusySteps } from "./plain-locks";

/**
 * First populated entry in [start, end), described, or null (BUG_ON(!pte_none) in
 * remap_pte_range): a walkPageRange() (pagewalk.ts) that stops at a huge leaf or a
 * non-none pte. A present pte where the scan of its table begins is named "pte leaf".
 */
export function firstPopulated(mm: Mm, start: number, end: number): string | null {
  let found: string | null = null;
  const huge = (ref: WalkEntryRef<PageTablePage>, addr: number) => {
    const v = ref.table.entries[ref.index];
    if (entryPresent(v) && entryHugeLeaf(v))
      found = `${ref.table.level} leaf at ${hex(addr)} (pfn ${hex(entryPfn(v))})`;
    return found ? 1 : 0;
  };
  walkPageRange(mm, start, end, {
    pudEntry: huge,
    pmdEntry: huge,
    pteEntry: (ref, addr) => {
      const v = ref.table.entries[ref.index];
      if (v === 0) return 0;
      const first = addr === start || addr === Math.floor(addr / PMD_SIZE) * PMD_SIZE;
      found = `pte${first && entryPresent(v) ? " leaf" : ""} at ${hex(addr)} (pfn ${hex(entryPfn(v))})`;
      return 1;
    },
  });
  return found;
}

export function* remapPfnRangeSteps(vma: Vma, addr: number, pfn: number, size: number, prot: number): Steps<number> {
  const fn = "remapPfnRange";
  checkVma(fn, vma);
  checkPageAligned(fn, "addr", addr);
  checkSize(fn, "size", size);
  checkInteger(fn, "pfn", pfn);
  checkFlags(fn, "prot", prot, _PAGE_KNOWN);
  if ((prot & _PAGE_PSE) !== 0)
    throw new PfnlabError(fn, "prot", prot, "has _PAGE_PSE; remap_pfn_range maps 4 KiB ptes only");
  const end = addr + size;
  if (addr < vma.vmStart || end > vma.vmEnd)
    throw new PfnlabError(fn, "addr", addr, `starts a range [${hex(addr)}, ${hex(end)}) that is not inside ${vma}`);
  const nr = size / 4096;
  const mm = vma.mm;
  const k = mm.kernel;
  if (!k.physmem.rangeBacked(pfn, nr))
    throw new PfnlabError(
      fn,
      "pfn",
      pfn,
      `starts a range [${hex(pfn)}, ${hex(pfn + nr)}) that is outside any RAM or IO region`,
    );
  const busy = firstPopulated(mm, addr, end);
  if (busy)
    throw new PfnlabError(
      fn,
      "addr",
      addr,
      `starts a range [${hex(addr)}, ${hex(end)}) where ${busy} is already populated (BUG_ON(!pte_none) in remap_pte_range)`,
    );
  const me = yield* current();
  yield* refuseIfBusySteps(fn, mm, addr, end);

  if (isCowMapping(vma.vmFlags)) {
    if (addr !== vma.vmStart || end !== vma.vmEnd) {
      k.note(fn, me, `private COW mapping ${vma} must be remapped whole (is_cow_mapping)`, {
        address: addr,
        ret: -EINVAL,
      });
      return -EINVAL;
    }
    vma.vmPgoff = pfn;
  }
  vma.vmFlags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;

  const flags = prot | _PAGE_SPECIAL;
  for (let a = addr; a < end; ) {
    const next = Math.min(end, (Math.floor(a / PMD_SIZE) + 1) * PMD_SIZE);
    const table = yield* walkToPteTableSteps(fn, mm, a);
    if (!table)
      throw new PfnlabError(
        fn,
        "addr",
        a,
        "is now under a huge leaf that appeared while remapping (concurrent fault?)",
      );
    const lock = pteLockptr(mm, table);
    yield* acquire(lock, "write", `${fn}: remap_pte_range pte_alloc_map_lock`);
    const e = table.entries;
    const i0 = tableIndex(a, "pte");
    const n = Math.round((next - a) / 4096);
    let v = (pfn + (a - addr) / 4096) * 4096 + flags;
    for (let i = i0; i < i0 + n; i++) {
      e[i] = v;
      v += 4096;
    }
    yield* step("ptWrite", `${fn}: set_pte_at x${n} (pte_mkspecial)`, n);
    yield* release(lock, "write", `${fn}: pte_unmap_unlock`);
    a = next;
  }
  return 0;
}

/** remap_pfn_range(vma, addr, pfn, size, prot): 0 or -EINVAL. */
export const remapPfnRange = plainForm("remapPfnRange", kernelOf, remapPfnRangeSteps);
