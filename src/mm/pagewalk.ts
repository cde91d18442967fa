/**
 * The page-table walk of mm/pagewalk.c, for the model's snapshot walkers (figures,
 * checks, lookups of what is mapped, `walkAddress` for one address): walk_pgd_range -> walk_pud_range ->
 * walk_pmd_range -> walk_pte_range, entry and hole callbacks in an ops struct
 * (struct mm_walk_ops), an entry's subtree skipped with walk.action = "continue"
 * (ACTION_CONTINUE), the walk stopped by a callback returning non-zero (its error).
 *
 * Like walk_page_range_novma() (no vma to look at), a leaf or a non-present entry is
 * never descended; tables are read directly, without locks or effects. The p4d level is
 * folded into the pgd (4-level paging): the top table's entries are the p4d entries.
 * The range helpers pXdAddrEnd mirror pgd/p4d/pud/pmd_addr_end (include/linux/pgtable.h:1199-1223).
 */
import { entryHugeLeaf, entryPresent } from "./pte";

// Structural types, not pagetable.ts/mm.ts: the mm core imports this walker, and a type
// import back would close an import cycle. PageTablePage and Mm fit them.

export type TableLevel = "pgd" | "pud" | "pmd" | "pte";

/** What the walk needs of a table page (pagetable.ts PageTablePage). */
export interface WalkTable<T> {
  readonly level: TableLevel;
  readonly base: number;
  readonly entries: Float64Array;
  readonly children: (T | null)[] | null;
}

/** A pointer to one entry (the pud_t * / pmd_t * / pte_t * a callback gets), as vma.ts EntryRef. */
export interface WalkEntryRef<T> {
  table: T;
  index: number;
}

/** Bytes one entry covers, per level (pagetable.ts ENTRY_SPAN). */
const ENTRY_SPAN: Record<TableLevel, number> = { pgd: 2 ** 39, pud: 2 ** 30, pmd: 2 ** 21, pte: 2 ** 12 };

/**
 * pgd_addr_end / pud_addr_end / pmd_addr_end (include/linux/pgtable.h:1199-1223): the
 * start of the next `level` entry after addr, or end if that comes first. (The kernel's
 * "boundary - 1 < end - 1" guards a wrap to 0 at the top of the address space, which a
 * 48-bit model never reaches.)
 */
export function pXdAddrEnd(addr: number, end: number, level: TableLevel): number {
  const span = ENTRY_SPAN[level];
  const boundary = (Math.floor(addr / span) + 1) * span;
  return Math.min(boundary, end);
}

/** struct mm_walk: the walk's state a callback can read and steer. */
export interface MmWalk {
  /** ACTION_SUBTREE (descend, the default) or ACTION_CONTINUE (skip this entry's subtree). */
  action: "subtree" | "continue";
}

/** A callback on one entry: `ref` points at it, [addr, next) is what it covers; non-zero stops the walk. */
export type WalkEntryFn<T> = (ref: WalkEntryRef<T>, addr: number, next: number, walk: MmWalk) => number | undefined;

/** struct mm_walk_ops: every callback optional. */
export interface MmWalkOps<T> {
  /** p4d_entry: a non-none top-level entry. */
  p4dEntry?: WalkEntryFn<T>;
  /** pud_entry: a non-none pud (a table, or a PUD leaf). */
  pudEntry?: WalkEntryFn<T>;
  /** pmd_entry: a non-none pmd (a table, or a PMD leaf). */
  pmdEntry?: WalkEntryFn<T>;
  /** pte_entry: every pte in the range, none or not (walk_pte_range_inner). */
  pteEntry?: WalkEntryFn<T>;
  /** pte_hole: [addr, next) has no entry at `level` (its pgd/pud/pmd entry is none). */
  pteHole?: (addr: number, next: number, level: TableLevel, walk: MmWalk) => number | undefined;
}

/**
 * walk_page_range() (mm/pagewalk.c:443) over mm's tables, as walk_page_range_novma()
 * walks them: [start, end) level by level, callbacks in address order. Returns 0, or
 * the first non-zero value a callback returned.
 */
export function walkPageRange<T extends WalkTable<T>>(
  mm: { pgd: T },
  start: number,
  end: number,
  ops: MmWalkOps<T>,
): number {
  const walk: MmWalk = { action: "subtree" };
  return walkTableRange(mm.pgd, start, end, ops, walk);
}

const ENTRY_FN: Record<TableLevel, "p4dEntry" | "pudEntry" | "pmdEntry" | "pteEntry"> = {
  pgd: "p4dEntry",
  pud: "pudEntry",
  pmd: "pmdEntry",
  pte: "pteEntry",
};

/** Which callbacks below a level would be called (the kernel skips a subtree nobody looks at). */
function wantsBelow<T>(ops: MmWalkOps<T>, level: TableLevel): boolean {
  if (level === "pte") return false;
  if (ops.pteEntry) return true;
  if (level === "pmd") return false;
  if (ops.pmdEntry || ops.pteHole) return true; // holes are none pud/pmd entries too
  return level === "pgd" && !!ops.pudEntry;
}

/**
 * walk_p4d_range / walk_pud_range / walk_pmd_range / walk_pte_range (mm/pagewalk.c:45-237),
 * one shape for every level: hole on a none entry, the entry callback, then the subtree
 * unless the entry is a leaf, not present, skipped, or nobody below wants it.
 */
function walkTableRange<T extends WalkTable<T>>(
  t: T,
  start: number,
  end: number,
  ops: MmWalkOps<T>,
  walk: MmWalk,
): number {
  const level = t.level;
  const span = ENTRY_SPAN[level];
  const onEntry = ops[ENTRY_FN[level]];
  const descend = wantsBelow(ops, level);
  for (let addr = start; addr < end; ) {
    const next = pXdAddrEnd(addr, end, level);
    const index = Math.floor((addr - t.base) / span);
    const v = t.entries[index];
    walk.action = "subtree";
    if (v === 0 && level !== "pte") {
      const err = ops.pteHole?.(addr, next, level, walk);
      if (err) return err;
    } else {
      if (onEntry) {
        const err = onEntry({ table: t, index }, addr, next, walk);
        if (err) return err;
      }
      const child = t.children?.[index];
      if (descend && walk.action === "subtree" && child && entryPresent(v) && !entryHugeLeaf(v)) {
        const err = walkTableRange(child, addr, next, ops, walk);
        if (err) return err;
      }
    }
    addr = next;
  }
  return 0;
}

/**
 * The entries the walk to one address reads, top down: a walkPageRange() over
 * [address, address + 1), so one entry per level, a none entry (a hole) included. `visit`
 * gets a pointer to each; returning true leaves what is below that entry unwalked
 * (ACTION_CONTINUE). For the snapshot lookups of one address (lookupLeaf, walkData).
 */
export function walkAddress<T extends WalkTable<T>>(
  mm: { pgd: T },
  address: number,
  visit: (ref: WalkEntryRef<T>) => boolean,
): void {
  // The table the walk reads next: a hole is an entry of it (pte_hole gets no table).
  let reading: T = mm.pgd;
  const entry: WalkEntryFn<T> = (ref, _addr, _next, walk) => {
    if (visit(ref)) walk.action = "continue";
    else reading = ref.table.children?.[ref.index] ?? reading;
    return 0;
  };
  walkPageRange(mm, address, address + 1, {
    p4dEntry: entry,
    pudEntry: entry,
    pmdEntry: entry,
    pteEntry: entry,
    pteHole: (addr) => {
      visit({ table: reading, index: Math.floor((addr - reading.base) / ENTRY_SPAN[reading.level]) });
      return 0;
    },
  });
}
