/**
 * Tearing down mappings: unmap_page_range() / zap_pud_range() / zap_pmd_range() /
 * zap_pte_range() and zap_page_range_single() of mm/memory.c, zap_vma_ptes() and
 * unmap_mapping_range(). Every caller brackets the page-table change with
 * mmu_notifier_invalidate_range_start/end.
 *
 * Huge pfnmap leaves are never split in place: a zap that covers only part of a PMD or
 * PUD leaf clears the whole leaf (__split_huge_pmd_locked / __split_huge_pud_locked on a
 * special vma just clear the entry), and a later fault maps it again, smaller if need be.
 *
 * Locks per level as the kernel takes them: pud leaf under pud_lock (page_table_lock),
 * pmd leaf under pmd_lock, ptes under the PTE table's ptlock, one table page at a time.
 */
import { plainForm } from "./plain-form";
import type { PageTablePage, AddressSpace, Vma } from "./mm-types";
import { access, acquire, release, step, current, type Steps } from "../sched/effect";
import {
  mmuNotifierInvalidateRangeEndSteps,
  mmuNotifierInvalidateRangeStartSteps,
  type MmuNotifierEvent,
} from "./mmu-notifier";
import { PTRS_PER_TABLE, VM_PFNMAP, hex } from "./constants";
import { iMmapLockReadSteps, iMmapUnlockReadSteps } from "./mapping";
import {
  ENTRY_SPAN,
  pmdLockptr,
  pteLockptr,
  pudLockptr,
  readsEntry,
  tableIndex,
  writesEntries,
  writesEntry,
} from "./pagetable";
import { entryHugeLeaf, entryNone, entryPfn, entryPresent, entrySpecial } from "./pte";
import { checkBoolean, checkInteger, checkPageAligned, checkVma, kernelOf } from "./validate";
import { checkMapping, kernelOfMapping } from "./mapping";
import { PfnlabError } from "./model-error";
import { refuseIfBusySteps } from "./plain-locks";
import { pXdAddrEnd } from "./pagewalk";

/** Leaves cleared by a zap, per level. */
export interface ZapStats {
  ptes: number;
  pmds: number;
  puds: number;
}

/** Drop what a present non-special PTE holds on a struct page (zap_present_pte: rmap + put). */
function releaseNormalPage(vma: Vma, v: number): void {
  const physmem = vma.mm.kernel.physmem;
  const page = physmem.pageOf(entryPfn(v));
  if (!page) return;
  if (page.mapcount > 0) page.mapcount--;
  physmem.putPage(page);
}

/** zap_pte_range() (mm/memory.c:1582): clear the ptes of one PTE table in [addr, end) under its ptlock. */
function* zapPteRangeSteps(
  vma: Vma,
  table: PageTablePage,
  addr: number,
  end: number,
  site: string,
  stats: ZapStats,
): Steps<void> {
  const lock = pteLockptr(vma.mm, table);
  const first = tableIndex(addr, "pte");
  const n = Math.round((end - addr) / 4096);
  // The entries are cleared right after the lock is taken: the acquire declares them.
  yield* acquire(lock, "write", `${site}: zap_pte_range pte_offset_map_lock`, writesEntries(table, first, n));
  const e = table.entries;
  let cleared = 0;
  for (let i = first; i < first + n; i++) {
    const v = e[i];
    if (v === 0) continue;
    if (entryPresent(v) && !entrySpecial(v)) releaseNormalPage(vma, v);
    e[i] = 0;
    cleared++;
  }
  if (cleared) yield* step("ptWrite", `${site}: zap_pte_range clears ${cleared} ptes`, cleared);
  stats.ptes += cleared;
  yield* release(lock, "write", `${site}: zap_pte_range pte_unmap_unlock`);
}

/** Clear a huge leaf at table[index] under `lock` (zap_huge_pmd / zap_huge_pud, or the split of one). */
function* zapHugeLeafSteps(
  vma: Vma,
  table: PageTablePage,
  index: number,
  partial: boolean,
  site: string,
  stats: ZapStats,
): Steps<void> {
  const level = table.level === "pud" ? "pud" : "pmd";
  const lock = level === "pud" ? pudLockptr(vma.mm) : pmdLockptr(vma.mm, table);
  const what = partial ? `__split_huge_${level} (a partial zap clears the whole leaf)` : `zap_huge_${level}`;
  yield* acquire(lock, "write", `${site}: ${what} ${level}_lock`);
  yield* access("ptRead", `${site}: ${what} recheck ${level} under lock`, readsEntry(table, index));
  const v = table.entries[index];
  if (entryPresent(v) && entryHugeLeaf(v)) {
    yield* access("ptWrite", `${site}: ${what} clears the ${level} leaf`, writesEntry(table, index));
    table.entries[index] = 0;
    if (level === "pud") stats.puds++;
    else stats.pmds++;
    if (partial)
      vma.mm.kernel.note(
        site,
        (yield* current()).name,
        `partial zap of a ${level.toUpperCase()} leaf at ${hex(table.base + index * ENTRY_SPAN[table.level])}: whole leaf cleared`,
      );
  }
  yield* release(lock, "write", `${site}: ${what} unlock`);
}

/**
 * unmap_page_range() (mm/memory.c:1793): walk [start, end) and clear every leaf, level by
 * level (zap_p4d_range is folded: the top-level entries are the p4d). Tables stay
 * allocated (only munmap's free_pgtables frees them).
 */
export function* unmapPageRangeSteps(vma: Vma, start: number, end: number, site: string): Steps<ZapStats> {
  const stats: ZapStats = { ptes: 0, pmds: 0, puds: 0 };
  const pgd = vma.mm.pgd;
  for (let addr = start; addr < end; ) {
    const next = pXdAddrEnd(addr, end, "pgd");
    const gi = tableIndex(addr, "pgd");
    yield* access("ptRead", `${site}: read p4d`, readsEntry(pgd, gi));
    const pudTable = entryPresent(pgd.entries[gi]) ? pgd.children![gi] : null;
    if (pudTable) yield* zapPudRangeSteps(vma, pudTable, addr, next, site, stats);
    addr = next;
  }
  return stats;
}

/**
 * zap_pud_range() (mm/memory.c:1745): per pud, a huge leaf is cleared whole (split_huge_pud
 * when the range covers only part of it, zap_huge_pud otherwise), an empty entry is
 * skipped, a table goes down to zap_pmd_range.
 */
function* zapPudRangeSteps(
  vma: Vma,
  pudTable: PageTablePage,
  start: number,
  end: number,
  site: string,
  stats: ZapStats,
): Steps<void> {
  for (let addr = start; addr < end; ) {
    const next = pXdAddrEnd(addr, end, "pud");
    const ui = tableIndex(addr, "pud");
    yield* access("ptRead", `${site}: read pud`, readsEntry(pudTable, ui));
    const pv = pudTable.entries[ui];
    if (entryNone(pv)) {
      // nothing mapped here
    } else if (entryHugeLeaf(pv)) {
      yield* zapHugeLeafSteps(vma, pudTable, ui, next - addr !== ENTRY_SPAN.pud, site, stats);
    } else {
      const pmdTable = pudTable.children![ui];
      if (pmdTable) yield* zapPmdRangeSteps(vma, pmdTable, addr, next, site, stats);
    }
    addr = next;
  }
}

/** zap_pmd_range() (mm/memory.c:1703): the same one level down, ptes by zap_pte_range. */
function* zapPmdRangeSteps(
  vma: Vma,
  pmdTable: PageTablePage,
  start: number,
  end: number,
  site: string,
  stats: ZapStats,
): Steps<void> {
  for (let addr = start; addr < end; ) {
    const next = pXdAddrEnd(addr, end, "pmd");
    const mi = tableIndex(addr, "pmd");
    yield* access("ptRead", `${site}: read pmd`, readsEntry(pmdTable, mi));
    const mv = pmdTable.entries[mi];
    if (entryNone(mv)) {
      // empty
    } else if (entryHugeLeaf(mv)) {
      yield* zapHugeLeafSteps(vma, pmdTable, mi, next - addr !== ENTRY_SPAN.pmd, site, stats);
    } else {
      const pteTable = pmdTable.children![mi];
      if (pteTable) yield* zapPteRangeSteps(vma, pteTable, addr, next, site, stats);
    }
    addr = next;
  }
}

export interface ZapOptions {
  event?: MmuNotifierEvent;
  site?: string;
}

/**
 * zap_page_range_single() (mm/memory.c): notifier start, unmap_page_range over one
 * vma's part of [address, address+size), notifier end, then the TLB flush
 * (tlb_finish_mmu comes after mmu_notifier_invalidate_range_end in the kernel too).
 */
export function* zapPageRangeSingleSteps(
  vma: Vma,
  address: number,
  size: number,
  opts: ZapOptions = {},
): Steps<ZapStats> {
  const site = opts.site ?? "zap_page_range_single";
  const start = Math.max(address, vma.vmStart);
  const end = Math.min(address + size, vma.vmEnd);
  if (start >= end) return { ptes: 0, pmds: 0, puds: 0 };
  const range = { mm: vma.mm, start, end, event: opts.event ?? ("clear" as const), vma, blockable: true, site };
  yield* mmuNotifierInvalidateRangeStartSteps(range);
  const stats = yield* unmapPageRangeSteps(vma, start, end, site);
  yield* mmuNotifierInvalidateRangeEndSteps(range);
  yield* step("tlbFlush", `${site}: tlb_finish_mmu flushes [${hex(start)}, ${hex(end)})`);
  return stats;
}

/**
 * zap_vma_ptes() (mm/memory.c): remove ptes mapping the vma, for drivers. Silently does
 * nothing (the kernel returns void) when the range is not inside the vma or the vma is
 * not VM_PFNMAP; the reason goes to the trace.
 */
export function* zapVmaPtesSteps(vma: Vma, address: number, size: number): Steps<ZapStats | null> {
  const fn = "zapVmaPtes";
  checkVma(fn, vma);
  checkPageAligned(fn, "address", address);
  checkPageAligned(fn, "size", size);
  if (size <= 0) throw new PfnlabError(fn, "size", size, "must be positive");
  const me = yield* current();
  if (address < vma.vmStart || address + size > vma.vmEnd) {
    vma.mm.kernel.note(
      fn,
      me,
      `range [${hex(address)}, ${hex(address + size)}) not inside ${vma}: nothing zapped (range_in_vma)`,
      { address },
    );
    return null;
  }
  if ((vma.vmFlags & VM_PFNMAP) === 0) {
    vma.mm.kernel.note(fn, me, `${vma} is not VM_PFNMAP: nothing zapped`, { address });
    return null;
  }
  yield* refuseIfBusySteps(fn, vma.mm, address, address + size);
  return yield* zapPageRangeSingleSteps(vma, address, size, { site: "zap_vma_ptes" });
}

export const zapVmaPtes = plainForm("zapVmaPtes", kernelOf, zapVmaPtesSteps);

/**
 * unmap_mapping_range() (mm/memory.c): zap every vma of `mapping` that maps file bytes
 * [holebegin, holebegin + holelen) (holelen 0: to the end of the file), holding
 * i_mmap_rwsem for read (not mmap_lock). `evenCows` only matters for private anonymous
 * COW copies, which the model does not have.
 */
export function* unmapMappingRangeSteps(
  mapping: AddressSpace,
  holebegin: number,
  holelen: number,
  evenCows = false,
): Steps<ZapStats> {
  const fn = "unmapMappingRange";
  checkMapping(fn, mapping);
  checkInteger(fn, "holebegin", holebegin);
  checkInteger(fn, "holelen", holelen);
  if (holebegin < 0) throw new PfnlabError(fn, "holebegin", holebegin, "must be >= 0");
  if (holelen < 0) throw new PfnlabError(fn, "holelen", holelen, "must be >= 0");
  checkBoolean(fn, "evenCows", evenCows);
  const me = yield* current();
  if (me.plain === true) {
    // A plain call must not stop half way: every vma it may zap must be free to lock.
    for (const vma of mapping.iMmap)
      yield* refuseIfBusySteps(fn, vma.mm, vma.vmStart, vma.vmEnd, [
        mapping.iMmapRwsem.available("read") ? null : mapping.iMmapRwsem,
      ]);
  }
  const first = Math.floor(holebegin / 4096);
  const last = holelen === 0 ? Number.MAX_SAFE_INTEGER : first + Math.ceil(holelen / 4096) - 1;
  const total: ZapStats = { ptes: 0, pmds: 0, puds: 0 };
  yield* iMmapLockReadSteps(mapping);
  for (const vma of [...mapping.iMmap]) {
    const vba = vma.vmPgoff;
    const vea = vba + vma.size / 4096 - 1;
    if (vea < first || vba > last) continue;
    const zba = Math.max(first, vba);
    const zea = Math.min(last, vea);
    const s = yield* zapPageRangeSingleSteps(vma, vma.vmStart + (zba - vba) * 4096, (zea - zba + 1) * 4096, {
      site: "unmap_mapping_range",
    });
    total.ptes += s.ptes;
    total.pmds += s.pmds;
    total.puds += s.puds;
  }
  yield* iMmapUnlockReadSteps(mapping);
  return total;
}

export const unmapMappingRange = plainForm("unmapMappingRange", kernelOfMapping, unmapMappingRangeSteps);

/** Number of present leaves in a table (used by free_pgtables checks). */
export function presentEntries(table: PageTablePage): number {
  let n = 0;
  for (let i = 0; i < PTRS_PER_TABLE; i++) if (table.entries[i] !== 0) n++;
  return n;
}
