/**
 * explainWalk(mm, address): the page-table walk of one address, level by level, in
 * words and as data (for figures): each level's index and entry (pfn, flags), the leaf
 * and its size, the lock follow_pfnmap_start() would take, and why a lookup would fail.
 * Reads the tables without locks or effects: a snapshot, not a scheduling point.
 */
import { PMD_SIZE, PUD_SIZE, VM_IO, VM_PFNMAP, hex } from "./constants";
import type { PageTablePage, Mm } from "./mm-types";
import { FOLLOW_REASONS, predictFollowWalk } from "./follow-levels";
import type { FollowFailure, LeafLevel } from "./follow-args";
import { checkInteger, checkMm } from "./validate";
import { PfnlabError } from "./model-error";
import { ENTRY_SPAN, pmdLockptr, pteLockptr, pudLockptr, type TableLevel } from "./pagetable";
import { walkAddress } from "./pagewalk";
import { entryBadTable, entryFlagNames, entryHugeLeaf, entryNone, entryPfn, entryPresent, leafPfn } from "./pte";

export interface WalkLevel {
  /** "p4d" stands for the top-level entry (pgd folded into p4d on 4-level x86). */
  level: "p4d" | "pud" | "pmd" | "pte";
  index: number;
  /** pfn of the table page holding this entry. */
  tablePfn: number;
  entry: number;
  none: boolean;
  present: boolean;
  /** Present and maps memory (pte, or pmd/pud with PSE). */
  leaf: boolean;
  /** The pfn the entry holds (next table, or memory for a leaf); null when none. */
  pfn: number | null;
  flags: string[];
  /** Virtual range this entry covers. */
  start: number;
  end: number;
}

export interface WalkExplanation {
  address: number;
  vma: string | null;
  levels: WalkLevel[];
  leaf: LeafLevel | null;
  leafSize: number;
  /** pfn mapped at address (leaf base + offset), null when unmapped. */
  pfn: number | null;
  /** Lock follow_pfnmap_start would hold on success (e.g. "&mm->page_table_lock"). */
  lock: string | null;
  /** That lock's class (lock_stat / lockdep name), e.g. "ptlock (PTE)". */
  lockClass: string | null;
  /** What follow_pfnmap_start would return now, with nobody racing. */
  /** failure: the code of follow_pfnmap_start's exit ("noVma" when no vma covers the address), null on success. */
  lookup: { ret: 0 | -22; reason: string; failure: FollowFailure | "noVma" | null };
}

const LEVEL_NAME: Record<TableLevel, WalkLevel["level"]> = { pgd: "p4d", pud: "pud", pmd: "pmd", pte: "pte" };

export function walkData(mm: Mm, address: number): WalkExplanation {
  checkMm("walkData", mm);
  checkInteger("walkData", "address", address);
  if (address < 0 || address >= 2 ** 48)
    throw new PfnlabError("walkData", "address", address, "is outside the 48-bit virtual address space");
  const levels: WalkLevel[] = [];
  let leaf: LeafLevel | null = null;
  let leafEntry = 0;
  let leafTable: PageTablePage | null = null;
  // Every entry the walk reads, down to a leaf or to where it ends (a bad table entry ends it too).
  walkAddress(mm, address, ({ table: t, index: i }) => {
    const v = t.entries[i];
    const span = ENTRY_SPAN[t.level];
    const start = Math.floor(address / span) * span;
    const isLeaf = entryPresent(v) && (t.level === "pte" || (t.level !== "pgd" && entryHugeLeaf(v)));
    levels.push({
      level: LEVEL_NAME[t.level],
      index: i,
      tablePfn: t.pfn,
      entry: v,
      none: entryNone(v),
      present: entryPresent(v),
      leaf: isLeaf,
      pfn: entryNone(v) ? null : entryPfn(v),
      flags: entryNone(v) ? [] : entryFlagNames(v, t.level),
      start,
      end: start + span,
    });
    if (isLeaf) {
      leaf = t.level as LeafLevel;
      leafEntry = v;
      leafTable = t;
    }
    return isLeaf || !entryPresent(v) || entryHugeLeaf(v) || entryBadTable(v);
  });
  const leafSize = leaf === "pud" ? PUD_SIZE : leaf === "pmd" ? PMD_SIZE : leaf === "pte" ? 4096 : 0;
  let pfn: number | null = null;
  let lock: string | null = null;
  let lockClass: string | null = null;
  if (leaf && leafTable) {
    pfn = leafPfn(entryPfn(leafEntry), leaf, address);
    const l = leaf === "pud" ? pudLockptr(mm) : leaf === "pmd" ? pmdLockptr(mm, leafTable) : pteLockptr(mm, leafTable);
    lock = l.toString();
    lockClass = l.className;
  }
  const vma = mm.findVma(address);
  let lookup: WalkExplanation["lookup"];
  const fixed = mm.kernel.options.followPfnmapVariant === "fixed";
  if (!vma)
    lookup = { ret: -22, reason: `no vma covers ${hex(address)}: a caller would find none to pass`, failure: "noVma" };
  else if ((vma.vmFlags & (VM_IO | VM_PFNMAP)) === 0)
    lookup = { ret: -22, reason: FOLLOW_REASONS.notPfnmap(vma), failure: "notPfnmap" };
  else {
    // The same per-level verdicts follow_pfnmap_start() asks (follow-levels.ts).
    const failure = predictFollowWalk(mm, address, fixed).failure;
    lookup = failure
      ? { ret: -22, reason: FOLLOW_REASONS[failure] as string, failure }
      : { ret: 0, reason: "ok", failure: null };
  }
  return {
    address,
    vma: vma ? `${vma.toString()}` : null,
    levels,
    leaf,
    leafSize,
    pfn,
    lock,
    lockClass,
    lookup,
  };
}

function sizeName(n: number): string {
  return n >= PUD_SIZE ? `${n / PUD_SIZE} GiB` : n >= PMD_SIZE ? `${(n / PMD_SIZE) * 2} MiB` : `${n / 1024} KiB`;
}

/** Width of explainWalk's lines: a notebook's output area shows ~116 monospace columns. */
const EXPLAIN_WIDTH = 114;

/** Breaks a long line at spaces or "|" (flag lists) so it fits EXPLAIN_WIDTH; continuation lines indented. */
function wrapLine(line: string, indent: string): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > EXPLAIN_WIDTH) {
    const head = rest.slice(0, EXPLAIN_WIDTH);
    const cut = Math.max(head.lastIndexOf(" "), head.lastIndexOf("|") + 1);
    const at = cut > indent.length + 10 ? cut : EXPLAIN_WIDTH;
    out.push(rest.slice(0, at).trimEnd());
    rest = indent + rest.slice(at).trimStart();
  }
  out.push(rest);
  return out;
}

/** The walk as readable text, one line per level (long lines wrapped to fit a notebook). */
export function explainWalk(mm: Mm, address: number): string {
  const w = walkData(mm, address);
  // The heading, then the walk's lines indented under it; a wrapped line continues 4 columns further in.
  const heading = `walk of ${hex(address)} in ${mm.name}`;
  const lines: string[] = [];
  lines.push(`vma: ${w.vma ?? "none"}`);
  lines.push(`pgd: folded into p4d (4-level paging: pgd_none()/pgd_bad() are always false)`);
  for (const l of w.levels) {
    const what = l.none
      ? "none"
      : l.leaf
        ? `LEAF pfn ${hex(l.pfn!)}`
        : l.present
          ? `table at pfn ${hex(l.pfn!)}`
          : "not present";
    lines.push(
      `${l.level.padEnd(3)}[${String(l.index).padStart(3)}] = ${hex(l.entry).padEnd(16)} ${what}${l.flags.length ? ` [${l.flags.join("|")}]` : ""}  covers ${hex(l.start)} +${sizeName(l.end - l.start)}`,
    );
  }
  if (w.leaf) {
    lines.push(`leaf: ${w.leaf.toUpperCase()} (${sizeName(w.leafSize)}), pfn at this address ${hex(w.pfn!)}`);
    lines.push(`follow_pfnmap_start would take: ${w.lock}`);
  } else {
    lines.push(`leaf: none`);
  }
  lines.push(
    `follow_pfnmap_start (${mm.kernel.options.followPfnmapVariant}): ${w.lookup.ret === 0 ? "0" : "-EINVAL"} (${w.lookup.reason})`,
  );
  return [...wrapLine(heading, " ".repeat(4)), ...lines.flatMap((l) => wrapLine(`  ${l}`, " ".repeat(6)))].join("\n");
}
