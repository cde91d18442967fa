/**
 * struct mm_struct (include/linux/mm_types.h): the page tables, the vmas, and the
 * locks that protect them: mmap_lock (rwsem; vmas, and page tables against freeing),
 * page_table_lock (spinlock; upper levels, and what pud_lock() takes on every
 * architecture: the generic pud_lockptr(), include/linux/mm.h:3187), plus the
 * split ptlocks that live in each PTE/PMD table page (see pagetable.ts).
 */
import { Lock } from "../sched/lock";
import type { PageTablePage, MmuNotifierSubscriptions, Kernel, Vma, ActiveLookup } from "./mm-types";
import { PAGE_SIZE, hex } from "./constants";
import { allocTable, allTables, type TableLevel } from "./pagetable";
import { mmapSteps, type MmapOptions } from "./mmap";
import { munmapSteps } from "./munmap";
import { checkNumber } from "./model-error";
export type { ActiveLookup } from "./mm-types";
import type * as MmTypes from "./mm-types";

export class Mm implements MmTypes.Mm {
  readonly pgd: PageTablePage;
  readonly mmapLock: Lock;
  readonly pageTableLock: Lock;
  /** VMAs sorted by vmStart (the maple tree, as an array). */
  readonly vmas: Vma[] = [];
  /** Page-table pages per level, as mm_inc_nr_ptes/pmds/puds count them (the pgd included). */
  readonly pgtableCounts: Record<TableLevel, number> = { pgd: 0, pud: 0, pmd: 0, pte: 0 };
  /** mm->notifier_subscriptions: null until the first mmu_notifier_register (mm/mmu_notifier.c). */
  notifierSubscriptions: MmuNotifierSubscriptions | null = null;
  /**
   * follow_pfnmap lookups between start() and end(), for the checker: the oldest in a
   * field, later ones (nested lookups, rare) in an array. start() and end() on a lone
   * lookup then cost a field write each instead of an array push and search; activeFirst,
   * when set, is always older than every entry of activeMore (it is only filled while
   * activeMore is empty). Read them together through activeLookups.
   */
  activeFirst: ActiveLookup | null = null;
  readonly activeMore: ActiveLookup[] = [];
  dead = false;

  constructor(
    readonly kernel: Kernel,
    readonly id: number,
    readonly name = `mm${id}`,
  ) {
    this.mmapLock = new Lock("rwsem", "&mm->mmap_lock", `${name} mmap_lock`);
    this.pageTableLock = new Lock("spinlock", "&mm->page_table_lock", `${name} page_table_lock`);
    this.pgd = allocTable(this, "pgd", 0);
  }

  /** follow_pfnmap lookups between start() and end(), oldest first (a fresh array). */
  get activeLookups(): ActiveLookup[] {
    const out: ActiveLookup[] = this.activeFirst === null ? [] : [this.activeFirst];
    for (const l of this.activeMore) out.push(l);
    return out;
  }

  /** find_vma_intersection(mm, addr, addr+1): the vma containing addr. */
  findVma(addr: number): Vma | undefined {
    if (typeof addr !== "number") checkNumber("findVma", "addr", addr);
    const v = this.vmas;
    let lo = 0,
      hi = v.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1; // index, not an address
      if (v[mid].vmEnd <= addr) lo = mid + 1;
      else if (v[mid].vmStart > addr) hi = mid - 1;
      else return v[mid];
    }
    return undefined;
  }

  /** VMAs intersecting [start, end). */
  vmasIn(start: number, end: number): Vma[] {
    if (typeof start !== "number") checkNumber("vmasIn", "start", start);
    if (typeof end !== "number") checkNumber("vmasIn", "end", end);
    return this.vmas.filter((v) => v.vmStart < end && v.vmEnd > start);
  }

  /** mmap(2) from a driver's or user's point of view; see {@link MmapOptions}. Takes mmap_lock for write. */
  mmap(opts: MmapOptions): Vma {
    return this.kernel.run(mmapSteps(this, opts), undefined, "mmap");
  }

  /** munmap(2): returns 0; takes mmap_lock for write. */
  munmap(addr: number, length: number): number {
    return this.kernel.run(munmapSteps(this, addr, length), undefined, "munmap");
  }

  /** Page-table pages in use (all levels, pgd included). */
  pgtablePages(): number {
    const c = this.pgtableCounts;
    return c.pgd + c.pud + c.pmd + c.pte;
  }

  /** Bytes of page tables (what the notebooks plot). */
  pgtableBytes(): number {
    return this.pgtablePages() * PAGE_SIZE;
  }

  /** Count tables by walking them (a check on pgtableCounts). */
  countTablesByWalk(): Record<TableLevel, number> {
    const out: Record<TableLevel, number> = { pgd: 0, pud: 0, pmd: 0, pte: 0 };
    for (const t of allTables(this)) out[t.level]++;
    return out;
  }

  toString(): string {
    return `${this.name} (${this.vmas.length} vmas, ${this.pgtablePages()} page-table pages, pgd pfn ${hex(this.pgd.pfn)})`;
  }
}
