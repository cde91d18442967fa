/**
 * Enumerate the leaves (PTE, PMD or PUD entries that map memory) of an address range,
 * with walkPageRange() (pagewalk.ts, mm/pagewalk.c walk_page_range): pud/pmd/pte entry
 * callbacks, empty subtrees skipped whole. A leaf's pfn is its first page's (leafPfn at
 * the leaf's start). A snapshot for figures and tests: no locks, no effects.
 */
import type { LeafLevel } from "./follow-args";
import type { Mm, PageTablePage } from "./mm-types";
import { hex } from "./constants";
import { PfnlabError } from "./model-error";
import { checkInteger, checkMm } from "./validate";
import { type WalkEntryRef, walkPageRange } from "./pagewalk";
import { ENTRY_SPAN, TABLE_SPAN } from "./pagetable";
import { entryHugeLeaf, entryPfn, entryPresent, leafPfn } from "./pte";

export interface MappedLeaf {
  level: LeafLevel;
  /** Virtual address the leaf starts at (aligned to its size). */
  start: number;
  /** Bytes the leaf maps: 4 KiB, 2 MiB or 1 GiB. */
  size: number;
  /** First pfn the leaf maps. */
  pfn: number;
  /** The raw entry. */
  entry: number;
}

/** Record a present leaf entry (a pte, or a pud/pmd with PSE) that covers [addr, next). */
function leafAt(ref: WalkEntryRef<PageTablePage>, addr: number, out: MappedLeaf[]): void {
  const v = ref.table.entries[ref.index];
  const level = ref.table.level as LeafLevel;
  if (!entryPresent(v) || (level !== "pte" && !entryHugeLeaf(v))) return;
  const size = ENTRY_SPAN[level];
  const start = Math.floor(addr / size) * size;
  out.push({ level, start, size, pfn: leafPfn(entryPfn(v), level, start), entry: v });
}

/** All leaves mapping [start, end) in `mm`, in address order. */
export function mappedLeaves(mm: Mm, start = 0, end: number = TABLE_SPAN.pgd): MappedLeaf[] {
  checkMm("mappedLeaves", mm);
  checkInteger("mappedLeaves", "start", start);
  checkInteger("mappedLeaves", "end", end);
  if (!(end > start)) throw new PfnlabError("mappedLeaves", "end", end, `must be above start ${hex(start)}`);
  const out: MappedLeaf[] = [];
  const leaf = (ref: WalkEntryRef<PageTablePage>, addr: number) => {
    leafAt(ref, addr, out);
    return 0;
  };
  walkPageRange(mm, start, end, { pudEntry: leaf, pmdEntry: leaf, pteEntry: leaf });
  return out;
}
