/**
 * Which leaf level each fault installs in a vfio-pci BAR mapping, for a given BAR
 * alignment, vma placement, touch order and vfio alignment rule.
 *
 * A process touches its mapping; every touch of an unmapped address is a page fault:
 * do_user_addr_fault() -> handle_mm_fault() -> __handle_mm_fault() (mm/memory.c, v6.12),
 * which asks the driver's ->huge_fault for a PUD leaf (create_huge_pud), then a PMD leaf
 * (create_huge_pmd), then a PTE (->fault), moving down whenever the driver answers
 * VM_FAULT_FALLBACK. vfio_pci_mmap_huge_fault (drivers/vfio/pci/vfio_pci_core.c) decides
 * by alignment, and its rule changed (see src/mm/vfio-device.ts): the v6.12 rule looks at
 * the virtual address only, so a BAR whose physical start is not aligned like the virtual
 * address still gets a huge leaf, with the wrong pfn. This module measures all of it on
 * the model and reports each leaf whose pfn is not the one the vma asks for.
 */
import { PAGE_SIZE, PMD_SIZE, PUD_SIZE, hex } from "../../mm/constants";
import { VM_FAULT_NOPAGE } from "../../mm/errors";
import { doUserAddrFault } from "../../mm/fault";
import { createKernel } from "../../mm/kernel";
import { mappedLeaves } from "../../mm/leaves";
import { lookupLeaf } from "../../mm/pagetable";
import { createVfioPciBarDevice, type VfioAlignRule } from "../../mm/vfio-device";
import type { LeafLevel } from "../../mm/follow-args";

type Level = "pte" | "pmd" | "pud";

/** Where the vmas of the experiment start: a 1 GiB-aligned user address. */
export const FAULT_LEVELS_BASE_VA = 0x7e0000000000;

/**
 * How the process touches its mapping:
 *  - "ascending": page after page from the vma start (an unmapped page faults, a mapped
 *    leaf is skipped whole);
 *  - "window-offset": first one touch at `touchOffset` inside every 2 MiB window of the
 *    vma (a program reading one field of each 2 MiB record), then "ascending".
 */
export type TouchOrder = "ascending" | "window-offset";

export interface AlignmentCase {
  /** Row label (default: built from the other fields). */
  label?: string;
  rule: VfioAlignRule;
  /** Alignment of the BAR's physical start: aligned to this, and not to twice this. Power of two >= 4 KiB. */
  barAlign: number;
  /** The vma starts this many bytes past a 1 GiB boundary of the virtual address space (page aligned, < 1 GiB). */
  vmaOffset: number;
  /** Bytes mapped (page aligned). */
  length: number;
  /** Default "ascending". */
  touch?: TouchOrder;
  /** For "window-offset": offset of the first touch inside each 2 MiB window. Default 4096. */
  touchOffset?: number;
  /** CONFIG_ARCH_SUPPORTS_PMD/PUD_PFNMAP (kernel option hugePfnmap). Default both true. */
  hugePfnmap?: { pmd?: boolean; pud?: boolean };
}

/** A huge leaf whose pfn is not the one the vma maps at its address. */
export interface WrongPfnLeaf {
  addressVa: number;
  level: Level;
  /** What vma_to_pfn + offset says the leaf should start at. */
  expectedPfn: number;
  /** What the leaf maps (pmd_pfn()/pud_pfn(): the low bits masked off). */
  mappedPfn: number;
}

/** One fault: the faulting address and the level of the leaf it installed. */
export interface FaultRecord {
  addressVa: number;
  level: LeafLevel;
}

/** One vma as a row of faultLevelsFigure (display/figures): its range and the faults taken in it. */
export interface FaultLevelsRow {
  label: string;
  startVa: number;
  endVa: number;
  faults: FaultRecord[];
}

export interface FaultLevelsResult {
  label: string;
  case: Required<Omit<AlignmentCase, "label" | "hugePfnmap">> & { hugePfnmap: { pmd: boolean; pud: boolean } };
  barStartPfn: number;
  vmStart: number;
  /** Ready for faultLevelsFigure: one record per fault, with the level it installed. */
  row: FaultLevelsRow;
  faults: number;
  faultsByLevel: Record<Level, number>;
  /** Page-table pages of the process afterwards (pgd included). */
  pgtablePages: number;
  wrongPfn: WrongPfnLeaf[];
}

const FN = "faultLevelsByAlignment";

function isPow2(n: number): boolean {
  return Number.isInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

function sizeName(n: number): string {
  if (n >= PUD_SIZE && n % PUD_SIZE === 0) return `${n / PUD_SIZE} GiB`;
  if (n >= 2 ** 20 && n % 2 ** 20 === 0) return `${n / 2 ** 20} MiB`;
  return `${n / 1024} KiB`;
}

/** A short default label: rule, BAR alignment, vma offset, touch order. */
export function alignmentCaseLabel(c: AlignmentCase): string {
  const off = c.vmaOffset === 0 ? "vma 1G-aligned" : `vma +${sizeName(c.vmaOffset)}`;
  const touch =
    (c.touch ?? "ascending") === "ascending" ? "" : ` · touch +${sizeName(c.touchOffset ?? PAGE_SIZE)} first`;
  return `${c.rule} · BAR ${sizeName(c.barAlign)}-aligned · ${off}${touch}`;
}

function checkCase(c: AlignmentCase, i: number) {
  const where = `cases[${i}]`;
  if (!c || typeof c !== "object") throw new Error(`${FN}: ${where} ${String(c)} must be an object`);
  if (c.rule !== "v6.12" && c.rule !== "pfn" && c.rule !== "align-down")
    throw new Error(`${FN}: ${where}.rule ${String(c.rule)} must be "v6.12", "pfn" or "align-down"`);
  if (!isPow2(c.barAlign) || c.barAlign < PAGE_SIZE)
    throw new Error(`${FN}: ${where}.barAlign ${String(c.barAlign)} must be a power of two >= 4096`);
  if (!Number.isInteger(c.vmaOffset) || c.vmaOffset < 0 || c.vmaOffset >= PUD_SIZE || c.vmaOffset % PAGE_SIZE !== 0) {
    throw new Error(`${FN}: ${where}.vmaOffset ${String(c.vmaOffset)} must be page aligned and in [0, 1 GiB)`);
  }
  if (!Number.isInteger(c.length) || c.length <= 0 || c.length % PAGE_SIZE !== 0 || c.length > 64 * PUD_SIZE) {
    throw new Error(`${FN}: ${where}.length ${String(c.length)} must be a positive multiple of 4096 up to 64 GiB`);
  }
  const touch = c.touch ?? "ascending";
  if (touch !== "ascending" && touch !== "window-offset")
    throw new Error(`${FN}: ${where}.touch ${String(touch)} must be "ascending" or "window-offset"`);
  const touchOffset = c.touchOffset ?? PAGE_SIZE;
  if (!Number.isInteger(touchOffset) || touchOffset < 0 || touchOffset >= PMD_SIZE || touchOffset % PAGE_SIZE !== 0) {
    throw new Error(`${FN}: ${where}.touchOffset ${String(touchOffset)} must be page aligned and in [0, 2 MiB)`);
  }
  return {
    rule: c.rule,
    barAlign: c.barAlign,
    vmaOffset: c.vmaOffset,
    length: c.length,
    touch,
    touchOffset,
    hugePfnmap: { pmd: c.hugePfnmap?.pmd ?? true, pud: c.hugePfnmap?.pud ?? true },
  };
}

/** Run one case on a fresh kernel. */
export function faultLevelsForCase(c: AlignmentCase, index = 0): FaultLevelsResult {
  const rc = checkCase(c, index);
  const k = createKernel({ traceLimit: 0, hugePfnmap: rc.hugePfnmap });
  // A filler region of barAlign bytes first, so the BAR lands aligned to barAlign but not to 2 * barAlign.
  k.addIoRegion({ name: "filler", size: rc.barAlign, align: rc.barAlign });
  const bar = k.addIoRegion({ name: "bar0", size: rc.length, align: rc.barAlign });
  const mm = k.createMm("proc");
  const dev = createVfioPciBarDevice(k, { bar, alignRule: rc.rule });
  const vma = dev.mmapBar(mm, { addr: FAULT_LEVELS_BASE_VA + rc.vmaOffset, align: PAGE_SIZE });
  const faults: FaultRecord[] = [];
  const byLevel: Record<Level, number> = { pte: 0, pmd: 0, pud: 0 };
  const touch = (a: number): number => {
    const hit = lookupLeaf(mm, a);
    if (hit.leaf) return hit.level === "pte" ? PAGE_SIZE : hit.level === "pmd" ? PMD_SIZE : PUD_SIZE;
    const ret = doUserAddrFault(mm, a, false);
    if (ret !== VM_FAULT_NOPAGE) throw new Error(`${FN}: fault at ${hex(a)} returned ${hex(ret)}, not VM_FAULT_NOPAGE`);
    const got = lookupLeaf(mm, a);
    if (!got.leaf || got.level === "pgd") throw new Error(`${FN}: the fault at ${hex(a)} mapped nothing`);
    const level = got.level as Level;
    faults.push({ addressVa: a, level });
    byLevel[level]++;
    return level === "pte" ? PAGE_SIZE : level === "pmd" ? PMD_SIZE : PUD_SIZE;
  };
  const { vmStart, vmEnd } = vma;
  if (rc.touch === "window-offset") {
    const firstWindow = Math.floor(vmStart / PMD_SIZE) * PMD_SIZE;
    for (let w = firstWindow; w < vmEnd; w += PMD_SIZE) {
      const a = w + rc.touchOffset;
      if (a >= vmStart && a < vmEnd) touch(a);
    }
  }
  // Ascending: skip to the end of whatever leaf maps the address.
  for (let a = vmStart; a < vmEnd; ) {
    const span = touch(a);
    a = Math.floor(a / span) * span + span;
  }
  const wrongPfn: WrongPfnLeaf[] = [];
  for (const leaf of mappedLeaves(mm, vmStart, vmEnd)) {
    if (leaf.level === "pte") continue;
    const expectedPfn = bar.startPfn + (leaf.start - vmStart) / PAGE_SIZE;
    if (leaf.pfn !== expectedPfn)
      wrongPfn.push({ addressVa: leaf.start, level: leaf.level, expectedPfn, mappedPfn: leaf.pfn });
  }
  const label = c.label ?? alignmentCaseLabel(c);
  return {
    label,
    case: rc,
    barStartPfn: bar.startPfn,
    vmStart,
    row: { label, startVa: vmStart, endVa: vmEnd, faults },
    faults: faults.length,
    faultsByLevel: byLevel,
    pgtablePages: mm.pgtablePages(),
    wrongPfn,
  };
}

/** Every case on its own kernel; feed `results.map(r => r.row)` to faultLevelsFigure. */
export function faultLevelsByAlignment(cases: readonly AlignmentCase[]): FaultLevelsResult[] {
  if (!Array.isArray(cases) || cases.length === 0)
    throw new Error(`${FN}: cases ${String(cases)} must be a non-empty array`);
  return cases.map((c, i) => faultLevelsForCase(c, i));
}

/** The three vfio alignment rules, oldest first. */
export const VFIO_ALIGN_RULES: readonly VfioAlignRule[] = ["v6.12", "pfn", "align-down"];

/** The same case under each of the three rules (label prefixed by the rule). */
export function underEachRule(
  c: Omit<AlignmentCase, "rule">,
  rules: readonly VfioAlignRule[] = VFIO_ALIGN_RULES,
): AlignmentCase[] {
  return rules.map((rule) => ({ ...c, rule, label: c.label ? `${rule} · ${c.label}` : undefined }));
}
