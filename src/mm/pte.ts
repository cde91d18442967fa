/**
 * Page-table entry encoding, as x86-64 stores it (arch/x86/include/asm/pgtable_types.h):
 * value = pfn * 4096 + flags, flags < 4096. One encoding serves pgd/p4d, pud, pmd and pte
 * entries. Entries are doubles (pfn < 2^40, so value < 2^52 stays exact); decoding is
 * arithmetic: pfn = floor(value / 4096), flags = value - pfn * 4096.
 *
 * Why not value % 4096: on a double above 2^31 (every entry holding a pfn) V8 calls a
 * slow fmod for %; for integers x >= 0 and a power of two m, x - Math.floor(x / m) * m
 * is the same value, exact below 2^53, and several times faster. Every decoder here,
 * and the plain follow_pfnmap_start built on them, uses that form.
 *
 * Simplifications, said plainly: no NX (bit 63) and no protection keys; x86 keeps the
 * PAT bit of a huge leaf at bit 12 (inside the address bits), the model keeps it at
 * bit 11 ({@link _PAGE_PAT_LARGE}) so that every flag stays below 4096.
 */
import { PfnlabError, checkNumber } from "./model-error";
import { hex } from "./constants";

export const _PAGE_PRESENT = 0x001;
export const _PAGE_RW = 0x002;
export const _PAGE_USER = 0x004;
export const _PAGE_PWT = 0x008;
export const _PAGE_PCD = 0x010;
export const _PAGE_ACCESSED = 0x020;
export const _PAGE_DIRTY = 0x040;
/** Bit 7: PSE (huge leaf) in a pud/pmd entry; the same bit is PAT in a 4 KiB pte. */
export const _PAGE_PSE = 0x080;
export const _PAGE_PAT = 0x080;
export const _PAGE_GLOBAL = 0x100;
/** Software bit 9: _PAGE_SPECIAL (pte_special/pmd_special/pud_special: no struct page to refcount). */
export const _PAGE_SPECIAL = 0x200;
/** Model position of the huge-leaf PAT bit (x86: bit 12). */
export const _PAGE_PAT_LARGE = 0x800;
export const _PAGE_KNOWN =
  _PAGE_PRESENT |
  _PAGE_RW |
  _PAGE_USER |
  _PAGE_PWT |
  _PAGE_PCD |
  _PAGE_ACCESSED |
  _PAGE_DIRTY |
  _PAGE_PSE |
  _PAGE_GLOBAL |
  _PAGE_SPECIAL |
  _PAGE_PAT_LARGE;

/** What a table entry (pointer to the next level) carries: _KERNPG_TABLE | _PAGE_USER. */
export const _PAGE_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;

// pgprot values (arch/x86/include/asm/pgtable_types.h), as flag words.
export const PAGE_NONE = 0;
export const PAGE_SHARED = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED;
export const PAGE_COPY = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
export const PAGE_READONLY = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;

/** pgprot_noncached(): UC- on x86 (cache-mode bits PCD). */
export function pgprotNoncached(prot: number): number {
  if (typeof prot !== "number") checkNumber("pgprotNoncached", "prot", prot);
  return ((prot & ~(_PAGE_PWT | _PAGE_PCD | _PAGE_PAT)) | _PAGE_PCD) >>> 0;
}

/** pgprot_writecombine(): WC on x86 (PWT in the default PAT layout). */
export function pgprotWritecombine(prot: number): number {
  if (typeof prot !== "number") checkNumber("pgprotWritecombine", "prot", prot);
  return ((prot & ~(_PAGE_PWT | _PAGE_PCD | _PAGE_PAT)) | _PAGE_PWT) >>> 0;
}

export function mkEntry(pfn: number, flags: number): number {
  if (typeof pfn !== "number") checkNumber("mkEntry", "pfn", pfn);
  if (typeof flags !== "number") checkNumber("mkEntry", "flags", flags);
  return pfn * 4096 + flags;
}
export function entryPfn(v: number): number {
  if (typeof v !== "number") checkNumber("entryPfn", "v", v);
  return Math.floor(v / 4096);
}
/** The flag word (low 12 bits) of an entry, without % (see the header). */
export function entryFlags(v: number): number {
  if (typeof v !== "number") checkNumber("entryFlags", "v", v);
  return v - Math.floor(v / 4096) * 4096;
}
/** The flag bits of `bits` that entry `v` lacks, as a number to add to it (setting them without touching the pfn). */
export function extraBits(v: number, bits: number): number {
  return (bits & ~entryFlags(v)) >>> 0;
}

// Predicates on a flag word (entryFlags of an entry): what the per-level verdicts and
// the plain walk test, each entry decoded once.

/** _PAGE_PRESENT in a flag word. */
export function flagsPresent(f: number): boolean {
  return (f & _PAGE_PRESENT) !== 0;
}
/** _PAGE_PSE in a pud/pmd flag word: a huge leaf (pud_leaf/pmd_leaf on x86). */
export function flagsHugeLeaf(f: number): boolean {
  return (f & _PAGE_PSE) !== 0;
}
/**
 * p4d_bad/pud_bad/pmd_bad on x86, on a flag word: a table entry whose flags are not a
 * table's. The model checks "PSE set or RW/PRESENT missing", what matters for user
 * tables (x86 also ignores _PAGE_USER and, for pmd_bad, _PAGE_ACCESSED/_PAGE_DIRTY).
 */
export function flagsBadTable(f: number): boolean {
  return (f & _PAGE_PSE) !== 0 || (f & (_PAGE_PRESENT | _PAGE_RW)) !== (_PAGE_PRESENT | _PAGE_RW);
}

/** pte_none/pmd_none/pud_none: the whole entry is zero. */
export function entryNone(v: number): boolean {
  return v === 0;
}
/** pte_present/pmd_present/pud_present. */
export function entryPresent(v: number): boolean {
  if (typeof v !== "number") checkNumber("entryPresent", "v", v);
  return flagsPresent(v - Math.floor(v / 4096) * 4096);
}
/** pmd_leaf/pud_leaf on x86: PSE set (the model has no non-present PSE entries). */
export function entryHugeLeaf(v: number): boolean {
  if (typeof v !== "number") checkNumber("entryHugeLeaf", "v", v);
  return flagsHugeLeaf(v - Math.floor(v / 4096) * 4096);
}
export function entryWrite(v: number): boolean {
  if (typeof v !== "number") checkNumber("entryWrite", "v", v);
  return ((v - Math.floor(v / 4096) * 4096) & _PAGE_RW) !== 0;
}
export function entrySpecial(v: number): boolean {
  if (typeof v !== "number") checkNumber("entrySpecial", "v", v);
  return ((v - Math.floor(v / 4096) * 4096) & _PAGE_SPECIAL) !== 0;
}
/** p4d_bad/pud_bad/pmd_bad of a whole entry ({@link flagsBadTable}). */
export function entryBadTable(v: number): boolean {
  if (typeof v !== "number") checkNumber("entryBadTable", "v", v);
  return flagsBadTable(v - Math.floor(v / 4096) * 4096);
}

/**
 * The pfn a leaf maps at `address`: the leaf's first pfn plus the page offset of
 * `address` inside the leaf (pfnmap_args_setup() in mm/memory.c: pfn_base +
 * ((address & ~addr_mask) >> PAGE_SHIFT)). `raw` is the entry's pfn field
 * ({@link entryPfn}). For a huge leaf pmd_pfn()/pud_pfn() (arch/x86/include/asm/pgtable.h)
 * mask with PHYSICAL_PMD/PUD_PAGE_MASK, which drops the pfn bits below the leaf size
 * and with them x86's PAT bit of a huge leaf (_PAGE_BIT_PAT_LARGE = 12,
 * arch/x86/include/asm/pgtable_types.h); the model keeps that bit at 11
 * ({@link _PAGE_PAT_LARGE}), so here the mask only drops the low pfn bits.
 * Pass the leaf's start as `address` for its first pfn.
 */
export function leafPfn(raw: number, level: "pte" | "pmd" | "pud", address: number): number {
  // Small on purpose (the plain lookup inlines it within V8's budget): one expression for
  // both huge sizes, pages per leaf n a power of two, so multiplying by 1/n is exact.
  if (level === "pte") return raw;
  const n = level === "pmd" ? 512 : 262144;
  const inv = level === "pmd" ? 1 / 512 : 1 / 262144;
  const page = Math.floor(address * (1 / 4096));
  return Math.floor(raw * inv) * n + (page - Math.floor(page * inv) * n);
}

const FLAG_NAMES: ReadonlyArray<[number, string]> = [
  [_PAGE_PRESENT, "present"],
  [_PAGE_RW, "rw"],
  [_PAGE_USER, "user"],
  [_PAGE_PWT, "pwt"],
  [_PAGE_PCD, "pcd"],
  [_PAGE_ACCESSED, "accessed"],
  [_PAGE_DIRTY, "dirty"],
  [0x80, "bit7"],
  [_PAGE_GLOBAL, "global"],
  [_PAGE_SPECIAL, "special"],
  [_PAGE_PAT_LARGE, "pat"],
];

/** Flag names of an entry; bit 7 is named "pse" for pud/pmd entries and "pat" for ptes. */
export function entryFlagNames(v: number, level: "pgd" | "pud" | "pmd" | "pte"): string[] {
  if (typeof v !== "number") checkNumber("entryFlagNames", "v", v);
  if (level !== "pgd" && level !== "pud" && level !== "pmd" && level !== "pte")
    throw new PfnlabError("entryFlagNames", "level", level, 'must be "pgd", "pud", "pmd" or "pte"');
  const f = entryFlags(v);
  const bit7 = level === "pte" ? "pat" : "pse";
  return FLAG_NAMES.filter(([bit]) => (f & bit) !== 0).map(([, n]) => (n === "bit7" ? bit7 : n));
}

/** "pfn 0x1234 [present|rw|user|special]" or "none". */
export function describeEntry(v: number, level: "pgd" | "pud" | "pmd" | "pte"): string {
  if (typeof v !== "number") checkNumber("describeEntry", "v", v);
  if (level !== "pgd" && level !== "pud" && level !== "pmd" && level !== "pte")
    throw new PfnlabError("describeEntry", "level", level, 'must be "pgd", "pud", "pmd" or "pte"');
  if (v === 0) return "none";
  return `pfn ${hex(entryPfn(v))} [${entryFlagNames(v, level).join("|")}]`;
}

/** Cache mode of a pgprot, for display ("WB", "WC", "UC-", "UC"). */
export function cacheModeName(prot: number): string {
  if (typeof prot !== "number") checkNumber("cacheModeName", "prot", prot);
  const pwt = (prot & _PAGE_PWT) !== 0;
  const pcd = (prot & _PAGE_PCD) !== 0;
  if (!pwt && !pcd) return "WB";
  if (pwt && !pcd) return "WC";
  if (!pwt && pcd) return "UC-";
  return "UC";
}
