/**
 * Page-table pages: one Float64Array(512) of encoded entries per 4 KiB table page,
 * allocated on demand from RAM (they really consume pages, as in the kernel) and
 * counted per level (mm_inc_nr_puds/pmds/ptes in include/linux/mm.h).
 *
 * Upper-level tables also keep `children[i]`, the table object whose pfn entry i
 * encodes: the entry value stays the authority (present bit, pfn), the pointer is how
 * the model reaches the next level without a pfn -> table lookup.
 *
 * Allocation follows __pud_alloc / __pmd_alloc / __pte_alloc + pmd_install in
 * mm/memory.c: allocate outside the lock (may sleep), take the lock that protects the
 * parent entry, install only if the entry is still empty, else free the new page.
 */
import { Lock } from "../sched/lock";
import {
  PAGE_TABLES,
  acquire,
  mightSleep,
  release,
  step,
  type Steps,
  type Touch,
  type ValueCell,
} from "../sched/effect";
import { PTRS_PER_TABLE, hex } from "./constants";
import { type WalkEntryRef, walkAddress, walkPageRange } from "./pagewalk";
import type { Page } from "./physmem";
import { _PAGE_TABLE, entryBadTable, entryHugeLeaf, entryNone, entryPresent, mkEntry } from "./pte";
import type { Mm, PageTablePage as PageTable, TableLevel } from "./mm-types";
import { PfnlabError } from "./model-error";
import { checkInteger, checkMm } from "./validate";
export type { TableLevel } from "./mm-types";

/** lock_stat / lockdep class names of the split page-table locks (mm/memory.c ptlock_alloc: one class per level). */
export const PTLOCK_CLASS = { pte: "ptlock (PTE)", pmd: "ptlock (PMD)" } as const;
export const LEVEL_SHIFT: Record<TableLevel, number> = { pgd: 39, pud: 30, pmd: 21, pte: 12 };
/** Bytes one entry of a table at this level covers. */
export const ENTRY_SPAN: Record<TableLevel, number> = { pgd: 2 ** 39, pud: 2 ** 30, pmd: 2 ** 21, pte: 2 ** 12 };
/** Bytes a whole table at this level covers. */
export const TABLE_SPAN: Record<TableLevel, number> = { pgd: 2 ** 48, pud: 2 ** 39, pmd: 2 ** 30, pte: 2 ** 21 };

export function tableIndex(address: number, level: TableLevel): number {
  return Math.floor(address / ENTRY_SPAN[level]) % PTRS_PER_TABLE;
}

/** Table pages carved from one ArrayBuffer: one backing store per slab, not per table. */
const SLAB_TABLES = 16;
const TABLE_BYTES = PTRS_PER_TABLE * Float64Array.BYTES_PER_ELEMENT;
let slab: ArrayBuffer | null = null;
let slabUsed = SLAB_TABLES;

/**
 * A zeroed Float64Array(512) for a new table page. Views of a shared slab instead of
 * one ArrayBuffer each: a separate 4 KiB backing store per table costs V8 an external
 * allocation and sweeping work on every GC (the bulk of an explored schedule's time).
 * Slices are never handed out twice, so no table ever sees another's entries; the GC
 * frees a slab when no table views it any more.
 */
function newEntries(): Float64Array {
  if (slabUsed === SLAB_TABLES) {
    slab = new ArrayBuffer(SLAB_TABLES * TABLE_BYTES);
    slabUsed = 0;
  }
  return new Float64Array(slab!, TABLE_BYTES * slabUsed++, PTRS_PER_TABLE);
}

/**
 * The children of an upper-level table that has none yet: 512 nulls shared by every such
 * table, so a table that never gets a child (most of them in a small world) allocates no
 * array. Never written: populate() gives the table its own array first.
 */
const NO_CHILDREN: (PageTable | null)[] = new Array<PageTable | null>(PTRS_PER_TABLE).fill(null);

export class PageTablePage implements PageTable {
  readonly entries = newEntries();
  /**
   * children[i]: the table entry i points to (upper levels), null for PTE tables. Read
   * only: populate()/unpopulate() change it (the array is shared until the first child).
   */
  readonly children: (PageTable | null)[] | null;
  /** Split ptlock (ptdesc->ptl), created on first use; only PTE and PMD tables have one. */
  private lockObj: Lock | null = null;
  freed = false;

  constructor(
    readonly mm: Mm,
    readonly level: TableLevel,
    /** First virtual address this table covers. */
    readonly base: number,
    readonly page: Page,
  ) {
    this.children = level === "pte" ? null : NO_CHILDREN;
  }

  get pfn(): number {
    return this.page.pfn;
  }

  /** The split ptlock of this table page (ptlock_ptr()). */
  get ptl(): Lock {
    // Creation out of line: the getter stays tiny, so V8 inlines it into the plain
    // lookup without spending that function's inlining budget on the Lock constructor.
    return this.lockObj ?? this.createPtl();
  }

  private createPtl(): Lock {
    const cls = this.level === "pte" ? PTLOCK_CLASS.pte : PTLOCK_CLASS.pmd;
    this.lockObj = new Lock("spinlock", cls, `${this.mm.name} ${this.level}-table@${hex(this.base)}`);
    return this.lockObj;
  }

  /** The split ptlock if anybody ever took it (null otherwise; never creates one). */
  get ptlIfCreated(): Lock | null {
    return this.lockObj;
  }

  toString(): string {
    return `${this.level} table pfn ${hex(this.pfn)} covering ${hex(this.base)}`;
  }
}

const CHILD_LEVEL: Record<TableLevel, TableLevel | null> = { pgd: "pud", pud: "pmd", pmd: "pte", pte: null };

/** Allocate a table page for `level` covering `base` (pud_alloc_one / pmd_alloc_one / pte_alloc_one). */
interface EntryTouches {
  cell: EntryCell;
  r: Touch[];
  w: Touch[];
}

/**
 * One entry of one table as the explorer sees it: a cell of the group "page tables"
 * (footprints, explore/footprint.ts) whose contents the state cache can read
 * (explore/state-cache.ts `ValueCell`): the same name in every run of a scenario, and the
 * encoded entry now ("F" once the table was freed, which reads as empty).
 */
class EntryCell implements ValueCell {
  readonly group = PAGE_TABLES;
  constructor(
    private readonly table: PageTable,
    readonly index: number,
  ) {}
  get level(): TableLevel {
    return this.table.level;
  }
  stateName(): string {
    const t = this.table;
    return `${t.level}@${t.base}#${t.pfn}${t.freed ? "x" : ""}:${this.index}`;
  }
  stateValue(): number | string {
    return this.table.freed ? "F" : this.table.entries[this.index]!;
  }
}
const entryCells = new WeakMap<PageTable, Map<number, EntryTouches>>();

function touchesOf(table: PageTable, index: number): EntryTouches {
  let m = entryCells.get(table);
  if (!m) entryCells.set(table, (m = new Map()));
  let t = m.get(index);
  if (!t) {
    const cell = new EntryCell(table, index);
    m.set(index, (t = { cell, r: [{ cell, write: false }], w: [{ cell, write: true }] }));
  }
  return t;
}

/**
 * The explorer's name for one entry of a table (a cell of the group "page tables"): steps
 * that read or write only this entry declare it, so they commute with steps on other
 * entries (explore/footprint.ts).
 */
export function entryCell(table: PageTable, index: number): object {
  return touchesOf(table, index).cell;
}

/** Touch lists for one entry (shared, never mutated). */
export function readsEntry(table: PageTable, index: number): readonly Touch[] {
  return touchesOf(table, index).r;
}
export function writesEntry(table: PageTable, index: number): readonly Touch[] {
  return touchesOf(table, index).w;
}
/** Touch list for writes of entries [first, first+n) of one table. */
export function writesEntries(table: PageTable, first: number, n: number): readonly Touch[] {
  const out: Touch[] = [];
  for (let i = first; i < first + n; i++) out.push(touchesOf(table, i).w[0]!);
  return out;
}

export function allocTable(mm: Mm, level: TableLevel, base: number): PageTable {
  const page = mm.kernel.physmem.allocPage("pagetable");
  mm.pgtableCounts[level]++;
  return new PageTablePage(mm, level, base, page);
}

/** Free a table page (pud_free / pmd_free / pte_free). Its stale object reads as empty. */
export function freeTable(table: PageTable): void {
  if (table.freed) throw new Error(`freeTable: ${table} already freed`);
  table.freed = true;
  table.entries.fill(0);
  if (table.children && table.children !== NO_CHILDREN) table.children.fill(null);
  table.mm.pgtableCounts[table.level]--;
  table.mm.kernel.physmem.putPage(table.page);
}

/** Link `child` under parent[index] (p4d_populate / pud_populate / pmd_populate). */
export function populate(parent: PageTable, index: number, child: PageTable): void {
  parent.entries[index] = mkEntry(child.pfn, _PAGE_TABLE);
  let children = parent.children!;
  if (children === NO_CHILDREN) {
    children = NO_CHILDREN.slice(); // copying 512 nulls beats new Array(512).fill(null)
    (parent as { children: (PageTable | null)[] | null }).children = children;
  }
  children[index] = child;
}

/** Clear parent[index] that points to a table (p4d_clear / pud_clear / pmd_clear). */
export function unpopulate(parent: PageTable, index: number): PageTable | null {
  const children = parent.children!;
  const child = children[index];
  parent.entries[index] = 0;
  if (children !== NO_CHILDREN) children[index] = null;
  return child;
}

/**
 * pud_lockptr() (include/linux/mm.h:3187, 6.12): the generic definition, the only one,
 * returns &mm->page_table_lock on every architecture: no kernel has a split PUD lock.
 */
export function pudLockptr(mm: Mm): Lock {
  return mm.pageTableLock;
}

/** pmd_lockptr() (include/linux/mm.h:3116 / :3141): the PMD table's split ptlock with CONFIG_SPLIT_PMD_PTLOCKS (mm/Kconfig:650), else page_table_lock. */
export function pmdLockptr(mm: Mm, pmdTable: PageTable): Lock {
  return mm.kernel.options.splitPtlocks.pmd ? pmdTable.ptl : mm.pageTableLock;
}

/** pte_lockptr() (include/linux/mm.h:3000 / :3032): the PTE table's split ptlock with CONFIG_SPLIT_PTE_PTLOCKS (mm/Kconfig:638), else page_table_lock. */
export function pteLockptr(mm: Mm, pteTable: PageTable): Lock {
  return mm.kernel.options.splitPtlocks.pte ? pteTable.ptl : mm.pageTableLock;
}

function corrupt(fn: string, table: PageTable, index: number): Error {
  return new Error(`${fn}: entry ${index} of ${table} is bad (${hex(table.entries[index])}); corrupted page table`);
}

/**
 * Ensure parent[index] points to a table of the next level, as __pud_alloc /
 * __pmd_alloc / __pte_alloc do. Returns null when the entry is a huge leaf (no table
 * below it). `lock` protects the parent entry (page_table_lock, or pmd_lock for PTE tables).
 */
export function* allocChildSteps(fn: string, parent: PageTable, index: number, lock: Lock): Steps<PageTable | null> {
  const mm = parent.mm;
  const childLevel = CHILD_LEVEL[parent.level]!;
  yield* step("ptRead", `${fn}: read ${parent.level} entry`);
  let v = parent.entries[index];
  if (!entryNone(v)) {
    if (entryHugeLeaf(v)) return null;
    if (entryBadTable(v)) throw corrupt(fn, parent, index);
    return parent.children![index];
  }
  yield* mightSleep(`${fn}: ${childLevel}_alloc_one (GFP_KERNEL)`);
  const fresh = allocTable(mm, childLevel, parent.base + index * ENTRY_SPAN[parent.level]);
  yield* acquire(lock, "write", `${fn}: lock to install ${childLevel} table`);
  yield* step("ptRead", `${fn}: recheck ${parent.level} entry under lock`);
  v = parent.entries[index];
  let result: PageTable | null;
  if (entryNone(v)) {
    yield* step(
      "ptWrite",
      `${fn}: ${parent.level === "pmd" ? "pmd_populate" : parent.level === "pud" ? "pud_populate" : "p4d_populate"}`,
    );
    populate(parent, index, fresh);
    result = fresh;
  } else {
    // Another task installed something first: free ours, use theirs.
    freeTable(fresh);
    result = entryHugeLeaf(v) ? null : parent.children![index];
  }
  yield* release(lock, "write", `${fn}: unlock after installing ${childLevel} table`);
  return result;
}

/** The table at `level` covering address, without allocating (null when missing or a leaf is above). */
export function findTable(mm: Mm, address: number, level: TableLevel): PageTable | null {
  checkMm("findTable", mm);
  checkInteger("findTable", "address", address);
  if (address < 0 || address >= 2 ** 48)
    throw new PfnlabError("findTable", "address", address, "is outside the 48-bit virtual address space");
  if (level !== "pgd" && level !== "pud" && level !== "pmd" && level !== "pte")
    throw new PfnlabError("findTable", "level", level, 'must be "pgd", "pud", "pmd" or "pte"');
  if (level === "pgd") return mm.pgd;
  // Down through present table entries until a child table is at `level`.
  let found: PageTable | null = null;
  walkAddress(mm, address, ({ table, index }) => {
    const v = table.entries[index];
    const child = table.children?.[index] ?? null;
    if (!child || !entryPresent(v) || entryHugeLeaf(v)) return true;
    if (child.level === level) found = child;
    return found !== null;
  });
  return found;
}

/** What maps `address` now (no locks, no checks): a leaf at some level, or where the walk stops. */
export interface LeafLookup {
  level: TableLevel;
  table: PageTable;
  index: number;
  value: number;
  /** True when `value` is a present leaf (a PTE, or a pmd/pud with PSE). */
  leaf: boolean;
}

export function lookupLeaf(mm: Mm, address: number): LeafLookup {
  checkMm("lookupLeaf", mm);
  checkInteger("lookupLeaf", "address", address);
  if (address < 0 || address >= 2 ** 48)
    throw new PfnlabError("lookupLeaf", "address", address, "is outside the 48-bit virtual address space");
  // The last entry the walk reads is the answer: a leaf, or where the walk ends without one.
  let hit: LeafLookup | null = null;
  walkAddress(mm, address, ({ table, index }) => {
    const value = table.entries[index];
    const level = table.level;
    const leaf = entryPresent(value) && (level === "pte" || (level !== "pgd" && entryHugeLeaf(value)));
    hit = { level, table, index, value, leaf };
    return false;
  });
  return hit!;
}

/** Every live table page of mm, parents before children (for checks and figures): a walkPageRange() (pagewalk.ts). */
export function allTables(mm: Mm): PageTable[] {
  checkMm("allTables", mm);
  const out: PageTable[] = [mm.pgd];
  const table = (ref: WalkEntryRef<PageTable>) => {
    const v = ref.table.entries[ref.index];
    const c = ref.table.children?.[ref.index];
    if (c && entryPresent(v) && !entryHugeLeaf(v)) out.push(c);
    return 0;
  };
  walkPageRange(mm, 0, TABLE_SPAN.pgd, { p4dEntry: table, pudEntry: table, pmdEntry: table });
  return out;
}
