/**
 * Page-table memory and fault counts to map a whole BAR, by the largest leaf the kernel
 * may use: 4 KiB PTEs only, 2 MiB PMD leaves (CONFIG_ARCH_SUPPORTS_PMD_PFNMAP), or 1 GiB
 * PUD leaves (CONFIG_ARCH_SUPPORTS_PUD_PFNMAP too); the kernel option hugePfnmap picks.
 *
 * The BAR is naturally aligned and mmapped at a 1 GiB-aligned address through the
 * vfio-pci-like device, then every page is touched once in ascending order: each touch of
 * an unmapped address is one fault (handle_mm_fault -> vfio_pci_mmap_huge_fault), which
 * installs one leaf. Simulating 33 million 4 KiB faults would take minutes, so above
 * `faultLimit` faults the same page tables are built in bulk instead (remap_pfn_range for
 * PTEs, vmf_insert_pfn_pmd/pud per leaf, as a fault would) and the fault count is the leaf
 * count; `simulatedFaults` says which way each point was measured. Where both ways run,
 * they give the same tables and counts (test/scenarios/huge-pfnmaps.test.ts checks it).
 *
 * Page-table bytes are whole 4 KiB table pages of every level, as the kernel allocates
 * them (the pgd of the process included); `leafEntryBytes` counts only the 8-byte entries
 * that are leaves.
 */
import { PAGE_SIZE, PMD_SIZE, PUD_SIZE, hex } from "../../mm/constants";
import { VM_FAULT_NOPAGE } from "../../mm/errors";
import { doUserAddrFault } from "../../mm/fault";
import { vmfInsertPfnPmd, vmfInsertPfnPud } from "../../mm/insert";
import { createKernel } from "../../mm/kernel";
import { mappedLeaves } from "../../mm/leaves";
import { mmapReadLock, mmapReadUnlock } from "../../mm/mmap-lock";
import { allTables, type TableLevel } from "../../mm/pagetable";
import { entryHugeLeaf, entryPresent } from "../../mm/pte";
import type { Mm } from "../../mm/mm";
import { remapPfnRange } from "../../mm/remap";
import { createVfioPciBarDevice } from "../../mm/vfio-device";

export type ScalingLeaf = "pte" | "pmd" | "pud";

export interface PageTablePoint {
  /** Largest leaf allowed. */
  leaf: ScalingLeaf;
  /** BAR = mapping size, bytes. */
  sizeBytes: number;
  /** Faults to touch every page once (= leaves installed: one leaf per fault). */
  faults: number;
  /** True when every fault ran through the model; false when the tables were built in bulk (see faultLimit). */
  simulatedFaults: boolean;
  /** Leaves installed, by level (a 2 MiB BAR gets PMD leaves even when PUD leaves are allowed). */
  leaves: Record<ScalingLeaf, number>;
  /** Page-table pages per level (mm_inc_nr_ptes/pmds/puds; the pgd counts one). */
  tables: Record<TableLevel, number>;
  /** All page-table pages times 4096. */
  pageTableBytes: number;
  /** 8 bytes per leaf entry. */
  leafEntryBytes: number;
}

export interface PageTableScalingOptions {
  /** Leaf sizes to measure. Default ["pte", "pmd", "pud"]. */
  leaves?: readonly ScalingLeaf[];
  /** Above this many faults, build the tables in bulk instead of faulting. Default 16384. */
  faultLimit?: number;
}

const FN = "pageTableScaling";
const LEAF_SIZE: Record<ScalingLeaf, number> = { pte: PAGE_SIZE, pmd: PMD_SIZE, pud: PUD_SIZE };

/** Sizes from `from` to `to` (bytes, powers of two), multiplying by `step` (default 2). */
export function sizeSweep(from: number, to: number, step = 2): number[] {
  if (!(from >= PAGE_SIZE) || !(to >= from) || !(step > 1))
    throw new Error(`sizeSweep: need PAGE_SIZE <= from (${from}) <= to (${to}) and step (${step}) > 1`);
  const out: number[] = [];
  for (let s = from; s <= to; s *= step) out.push(s);
  return out;
}

/** The leaves a fault would install, counted without faulting: the biggest allowed level whose size divides the BAR. */
function expectedFaults(leaf: ScalingLeaf, size: number): number {
  for (const l of ["pud", "pmd", "pte"] as const) {
    if (LEAF_SIZE[l] > LEAF_SIZE[leaf]) continue;
    if (size % LEAF_SIZE[l] === 0) return size / LEAF_SIZE[l];
  }
  return size / PAGE_SIZE;
}

/** Leaf entries by level, counted table by table (33 million PTEs are too many for one object each). */
export function countLeaves(mm: Mm): Record<ScalingLeaf, number> {
  const out: Record<ScalingLeaf, number> = { pte: 0, pmd: 0, pud: 0 };
  for (const t of allTables(mm)) {
    if (t.level === "pgd") continue;
    const e = t.entries;
    let n = 0;
    for (let i = 0; i < e.length; i++) if (entryPresent(e[i]) && (t.level === "pte" || entryHugeLeaf(e[i]))) n++;
    out[t.level] += n;
  }
  return out;
}

/** Map one BAR of `size` with leaves up to `leaf` and measure. */
export function measurePageTables(leaf: ScalingLeaf, size: number, faultLimit = 16384): PageTablePoint {
  if (leaf !== "pte" && leaf !== "pmd" && leaf !== "pud")
    throw new Error(`${FN}: leaf ${String(leaf)} must be "pte", "pmd" or "pud"`);
  if (!Number.isInteger(size) || size <= 0 || size % PAGE_SIZE !== 0 || size > 256 * PUD_SIZE) {
    throw new Error(`${FN}: size ${String(size)} must be a positive multiple of 4096 up to 256 GiB`);
  }
  if (!Number.isInteger(faultLimit) || faultLimit < 0)
    throw new Error(`${FN}: faultLimit ${String(faultLimit)} must be an integer >= 0`);
  const k = createKernel({
    traceLimit: 0,
    hugePfnmap: { pmd: leaf !== "pte", pud: leaf === "pud" },
    ramSize: 16 * PUD_SIZE,
  });
  const bar = k.addIoRegion({ name: "bar0", size });
  const mm = k.createMm("proc");
  const dev = createVfioPciBarDevice(k, { bar, alignRule: "align-down" });
  const vma = dev.mmapBar(mm, { align: PUD_SIZE });
  const simulatedFaults = expectedFaults(leaf, size) <= faultLimit;
  let faults = 0;
  if (simulatedFaults) {
    for (let a = vma.vmStart; a < vma.vmEnd; ) {
      const ret = doUserAddrFault(mm, a, false);
      if (ret !== VM_FAULT_NOPAGE) throw new Error(`${FN}: fault at ${hex(a)} returned ${hex(ret)}`);
      faults++;
      const got = mappedLeaves(mm, a, a + 1)[0];
      if (!got) throw new Error(`${FN}: the fault at ${hex(a)} mapped nothing`);
      a = got.start + got.size;
    }
  } else {
    // What the faults would leave behind, built in bulk (the same functions the fault path calls).
    mmapReadLock(mm);
    const step = [PUD_SIZE, PMD_SIZE].find((s) => s <= LEAF_SIZE[leaf] && size % s === 0);
    if (step === undefined) remapPfnRange(vma, vma.vmStart, bar.startPfn, size, vma.vmPageProt);
    else {
      for (let off = 0; off < size; off += step) {
        const vmf = { vma, address: vma.vmStart + off };
        if (step === PUD_SIZE) vmfInsertPfnPud(vmf, bar.startPfn + off / PAGE_SIZE, false);
        else vmfInsertPfnPmd(vmf, bar.startPfn + off / PAGE_SIZE, false);
      }
    }
    mmapReadUnlock(mm);
  }
  const leaves = countLeaves(mm);
  if (!simulatedFaults) faults = leaves.pte + leaves.pmd + leaves.pud;
  if (k.checker.violations.length > 0) throw new Error(`${FN}: a rule was broken: ${k.checker.violations[0].rule}`);
  return {
    leaf,
    sizeBytes: size,
    faults,
    simulatedFaults,
    leaves,
    tables: { ...mm.pgtableCounts },
    pageTableBytes: mm.pgtableBytes(),
    leafEntryBytes: 8 * (leaves.pte + leaves.pmd + leaves.pud),
  };
}

/** measurePageTables for every leaf size and BAR size (leaf-major order). */
export function pageTableScaling(sizes: readonly number[], options: PageTableScalingOptions = {}): PageTablePoint[] {
  if (!Array.isArray(sizes) || sizes.length === 0)
    throw new Error(`${FN}: sizes ${String(sizes)} must be a non-empty array`);
  const leaves = options.leaves ?? ["pte", "pmd", "pud"];
  const out: PageTablePoint[] = [];
  for (const leaf of leaves) for (const s of sizes) out.push(measurePageTables(leaf, s, options.faultLimit ?? 16384));
  return out;
}

/** The points of one leaf size as a series for scalingFigure, with `metric` picking y. */
export function scalingSeries(
  points: readonly PageTablePoint[],
  metric: "pageTableBytes" | "faults" | "leafEntryBytes",
) {
  const leaves = [...new Set(points.map((p) => p.leaf))];
  return leaves.map((leaf) => {
    const ps = points.filter((p) => p.leaf === leaf);
    return { leaf, sizesBytes: ps.map((p) => p.sizeBytes), values: ps.map((p) => p[metric]) };
  });
}
