/**
 * Enumerate the leaves (PTE, PMD or PUD entries that map memory) of an address range,
 * as mm/pagewalk.c walk_page_range() visits them: one same-shaped step per level, empty
 * subtrees skipped whole. A snapshot for figures and tests: no locks, no effects.
 */
import type { LeafLevel } from "./follow-args";
import type { Mm } from "./mm";
import { hex } from "./constants";
import { PfnlabError } from "./model-error";
import { checkInteger, checkMm } from "./validate";
import { ENTRY_SPAN, TABLE_SPAN, type PageTablePage } from "./pagetable";
import { entryHugeLeaf, entryPfn, entryPresent } from "./pte";

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

function walkTable(t: PageTablePage, start: number, end: number, out: MappedLeaf[]): void {
  const span = ENTRY_SPAN[t.level];
  const first = Math.max(0, Math.floor((start - t.base) / span));
  const last = Math.min(511, Math.floor((end - 1 - t.base) / span));
  for (let i = first; i <= last; i++) {
    const v = t.entries[i];
    if (!entryPresent(v)) continue;
    const base = t.base + i * span;
    if (t.level === "pte" || (t.level !== "pgd" && entryHugeLeaf(v))) {
      // On x86 a huge leaf's PAT bit is bit 12, inside the pfn; the model keeps it at bit 11
      // (pte.ts _PAGE_PAT_LARGE), so this alignment to the leaf size changes nothing here.
      const raw = entryPfn(v);
      const pfn = raw - (raw % (span / 4096));
      out.push({ level: t.level as LeafLevel, start: base, size: span, pfn, entry: v });
    } else {
      const child = t.children?.[i];
      if (child) walkTable(child, start, end, out);
    }
  }
}

/** All leaves mapping [start, end) in `mm`, in address order. */
export function mappedLeaves(mm: Mm, start = 0, end: number = TABLE_SPAN.pgd): MappedLeaf[] {
  checkMm("mappedLeaves", mm);
  checkInteger("mappedLeaves", "start", start);
  checkInteger("mappedLeaves", "end", end);
  if (!(end > start)) throw new PfnlabError("mappedLeaves", "end", end, `must be above start ${hex(start)}`);
  const out: MappedLeaf[] = [];
  walkTable(mm.pgd, start, end, out);
  return out;
}
