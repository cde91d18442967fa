/**
 * What each level's entry means for follow_pfnmap_start() (mm/memory.c:6448-6534 in
 * Debian's 6.12.118; see follow.ts for the v6.12 / fixed variants): small pure verdicts,
 * one per level, that the stepwise form, the plain form and explain.ts' prediction all
 * call, so the v6.12/fixed decisions are written once.
 *
 * A verdict is a failure code (its text in FOLLOW_REASONS), "leaf" (the entry maps
 * memory: lock it, recheck, fill the outputs with leafPfn()) or "table" (descend).
 * Entries are decoded without % (see below and the pte.ts header).
 */
import { hex } from "./constants";
import type { FollowFailure, LeafLevel } from "./follow-args";
import type { Mm, PageTablePage, Vma } from "./mm-types";

/** Failure reasons, shared by both forms (tests and explainWalk match on the codes). */
export const FOLLOW_REASONS = {
  outsideVma: (vma: Vma, a: number) => `address ${hex(a)} is outside the vma [${hex(vma.vmStart)}, ${hex(vma.vmEnd)})`,
  // A string names the vma another way (a figure that prints the vma elsewhere says "the vma").
  notPfnmap: (vma: Vma | string) => `${typeof vma === "string" ? vma : `vma ${vma.toString()}`} lacks VM_IO|VM_PFNMAP`,
  p4dNone: "p4d none: no PUD table for this 512 GiB slot (p4d_none; pgd_none is always false with the p4d folded)",
  p4dBad: "p4d bad: the top-level entry is not a valid table pointer (p4d_bad)",
  pudNone: "pud none: nothing mapped in this 1 GiB slot (pud_none)",
  pudNotPresent: "pud not present: nothing mapped in this 1 GiB slot (!pud_present)",
  pudGoneUnderLock: "pud leaf no longer present after taking pud_lock (zapped between the unlocked read and the lock)",
  pmdNotPresent: "pmd not present: nothing mapped in this 2 MiB slot (!pmd_present)",
  pmdGoneUnderLock: "pmd leaf no longer present after taking pmd_lock (zapped between the unlocked read and the lock)",
  pteMapNull: "pte_offset_map_lock() returned NULL: the pmd holds no PTE table (pmd none or a leaf)",
  pteNotPresent: "pte not present (!pte_present)",
} as const satisfies Record<FollowFailure, string | ((vma: Vma, a: number) => string)>;

// The verdicts run inside the plain followPfnmapStart, which V8 compiles with its
// helpers inlined up to a fixed bytecode budget, so they are written small: flag bits
// are tested on the whole entry (v & bit: ToInt32 keeps the low 32 bits of an integer
// exactly, so the flag bits survive, and compiled code truncates without fmod), with
// literal bits P = 0x1 _PAGE_PRESENT, RW = 0x2 _PAGE_RW, PSE = 0x80 _PAGE_PSE.

/**
 * The p4d (top-level entry; pgd_none()/pgd_bad() are constant 0 with the p4d folded):
 * p4d_none -> -EINVAL, p4d_bad (or no PUD table behind it) -> -EINVAL, else descend.
 */
export function p4dVerdict(p4d: number, pudTable: PageTablePage | null): "p4dNone" | "p4dBad" | "table" {
  if (p4d === 0) return "p4dNone";
  return (p4d & 0x83) !== 0x3 || !pudTable ? "p4dBad" : "table";
}

/**
 * The pud, read without a lock: v6.12 fails on pud_none only, the fix on !pud_present;
 * pud_leaf -> "leaf" (pud_lock, recheck); else descend to the PMD table, which must
 * exist (a table entry without one is the model's pte_offset_map_lock() NULL).
 */
export function pudVerdict(
  pud: number,
  fixed: boolean,
  pmdTable: PageTablePage | null,
): "pudNone" | "pudNotPresent" | "pteMapNull" | "leaf" | "table" {
  if (fixed) {
    if ((pud & 0x1) === 0) return "pudNotPresent";
  } else if (pud === 0) return "pudNone";
  return (pud & 0x80) !== 0 ? "leaf" : pmdTable ? "table" : "pteMapNull";
}

/**
 * The pmd, read with pmdp_get_lockless(): the fix fails on !pmd_present (v6.12 does not
 * look); pmd_leaf -> "leaf" (pmd_lock, recheck); else "table": pte_offset_map_lock()
 * decides next ({@link pteOffsetMapVerdict}).
 */
export function pmdVerdict(pmd: number, fixed: boolean): "pmdNotPresent" | "leaf" | "table" {
  if (fixed && (pmd & 0x1) === 0) return "pmdNotPresent";
  return (pmd & 0x80) !== 0 ? "leaf" : "table";
}

/**
 * __pte_offset_map() (mm/pgtable-generic.c): NULL unless the pmd points at a PTE table
 * (pmd none, not present, a leaf or pmd_bad -> NULL, and the caller returns -EINVAL).
 * The model's pmd_bad (pte.ts flagsBadTable: PSE set, or PRESENT|RW missing) covers
 * "not present" and "a leaf".
 */
export function pteOffsetMapVerdict(pmd: number, pteTable: PageTablePage | null): "pteMapNull" | "table" {
  return pmd === 0 || (pmd & 0x83) !== 0x3 || !pteTable ? "pteMapNull" : "table";
}

/** The pte, read under the PTE lock: !pte_present -> unlock, -EINVAL; else the leaf. */
export function pteVerdict(pte: number): "pteNotPresent" | "leaf" {
  return (pte & 0x1) !== 0 ? "leaf" : "pteNotPresent";
}

/**
 * The fix's reread of a pud/pmd leaf under its lock: not present -> unlock, -EINVAL
 * ("gone"); no longer a leaf -> unlock, retry the walk; else the leaf. v6.12 does not
 * reread (its "!pud_leaf(pud)" tests the copy read before the lock).
 */
export function lockedLeafVerdict(v: number): "gone" | "retry" | "leaf" {
  if ((v & 0x1) === 0) return "gone";
  return (v & 0x80) !== 0 ? "leaf" : "retry";
}

/** What follow_pfnmap_start() would find at an address with nobody racing. */
export interface FollowPrediction {
  /** The failure code, or null when a leaf is found. */
  failure: FollowFailure | null;
  /** The leaf's level (null on failure). */
  leaf: LeafLevel | null;
  /** The table holding the leaf entry, and the entry. */
  table: PageTablePage | null;
  entry: number;
}

/**
 * The page-table part of follow_pfnmap_start() as a snapshot (no locks, no effects):
 * the same verdicts in the same order, with every reread under a lock seeing the same
 * entry. The vma checks come first in the callers.
 */
export function predictFollowWalk(mm: Mm, address: number, fixed: boolean): FollowPrediction {
  const gi = Math.floor(address / 549755813888) % 512;
  const pudTable = mm.pgd.children![gi];
  const p4d = p4dVerdict(mm.pgd.entries[gi], pudTable);
  if (p4d !== "table") return miss(p4d);
  const ui = Math.floor(address / 1073741824) % 512;
  const pud = pudTable!.entries[ui];
  const pmdTable = pudTable!.children![ui];
  const u = pudVerdict(pud, fixed, pmdTable);
  if (u === "leaf") return { failure: null, leaf: "pud", table: pudTable, entry: pud };
  if (u !== "table") return miss(u);
  const mi = Math.floor(address / 2097152) % 512;
  const pmd = pmdTable!.entries[mi];
  const m = pmdVerdict(pmd, fixed);
  if (m === "leaf") return { failure: null, leaf: "pmd", table: pmdTable, entry: pmd };
  if (m !== "table") return miss(m);
  const pteTable = pmdTable!.children![mi];
  if (pteOffsetMapVerdict(pmd, pteTable) !== "table") return miss("pteMapNull");
  const pte = pteTable!.entries[Math.floor(address / 4096) % 512];
  if (pteVerdict(pte) !== "leaf") return miss("pteNotPresent");
  return { failure: null, leaf: "pte", table: pteTable, entry: pte };
}

function miss(failure: FollowFailure): FollowPrediction {
  return { failure, leaf: null, table: null, entry: 0 };
}
