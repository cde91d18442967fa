/**
 * Exercise "pgtable-bytes": how much page-table memory does mapping a BAR take with 4 KiB
 * leaves (remap_pfn_range) and with 2 MiB leaves (vmf_insert_pfn_pmd)? Counted as the
 * model counts it: every table page of the mm (pgd, PUD, PMD and PTE tables, 4 KiB each,
 * mm_inc_nr_ptes/pmds/puds in include/linux/mm.h), for a fresh process whose only vma is
 * the BAR, mapped at a 1 GiB-aligned address.
 */
import { PAGE_SHARED } from "../../mm/pte";
import { PMD_SIZE, PUD_SIZE, SZ_1M, VM_READ, VM_SHARED, VM_WRITE } from "../../mm/constants";
import { doUserAddrFault } from "../../mm/fault";
import { createVfioPciBarDevice } from "../../mm/vfio-device";
import { createKernel } from "../../mm/kernel";
import type { Mm } from "../../mm/mm";
import { remapPfnRange } from "../../mm/remap";
import { describeValue, fail, needInt, pass, type Verdict } from "./verdict";

const EX = "pgtable-bytes";

export interface PgtableBytesParams {
  /** BAR size in MiB (a multiple of 2). */
  barMiB: number;
}

/** Map the whole BAR with one leaf size and return the mm (its pgtableCounts / pgtableBytes are the answer). */
export function mapBarWith(p: PgtableBytesParams, leaf: "pte" | "pmd"): Mm {
  needInt("mapBarWith", "barMiB", p.barMiB, 2, 16384);
  if (p.barMiB % 2 !== 0) throw new Error(`mapBarWith: barMiB ${p.barMiB} must be even`);
  const size = p.barMiB * SZ_1M;
  if (leaf === "pte") {
    const k = createKernel();
    const bar = k.addIoRegion({ name: "bar0", size, align: PUD_SIZE });
    const mm = k.createMm("proc");
    const vma = mm.mmap({ length: size, vmFlags: VM_READ | VM_WRITE | VM_SHARED, align: PUD_SIZE, name: "bar0" });
    if (remapPfnRange(vma, vma.vmStart, bar.startPfn, size, PAGE_SHARED) !== 0)
      throw new Error("mapBarWith: remapPfnRange failed");
    return mm;
  }
  // A vfio-pci-like device on a kernel without PUD pfnmaps: every fault maps one 2 MiB leaf.
  const k2 = createKernel({ hugePfnmap: { pud: false } });
  const bar2 = k2.addIoRegion({ name: "bar0", size, align: PUD_SIZE });
  const mm2 = k2.createMm("proc");
  const vma2 = createVfioPciBarDevice(k2, { bar: bar2, alignRule: "pfn" }).mmapBar(mm2, {
    length: size,
    align: PUD_SIZE,
  });
  for (let off = 0; off < size; off += PMD_SIZE) doUserAddrFault(mm2, vma2.vmStart + off);
  return mm2;
}

function judge(name: string, answer: unknown, mm: Mm, leafWord: string): string | null {
  const want = mm.pgtableBytes();
  if (answer === want) return null;
  if (typeof answer !== "number" || !Number.isInteger(answer))
    return `${name} is ${describeValue(answer)}: it must be a number of bytes.`;
  const c = mm.pgtableCounts;
  const leafTables = leafWord === "4 KiB" ? c.pte : c.pmd;
  if (answer === leafTables * 4096)
    return `${name} counts only the tables that hold the ${leafWord} leaves; the walk from CR3 needs the tables above them too (every level, the pgd included).`;
  if (answer % 4096 !== 0)
    return `${name} ${describeValue(answer)} is not a whole number of table pages: every page table is one 4 KiB page.`;
  if (answer > want)
    return `${name} ${describeValue(answer)} is too large: one table holds 512 entries; count for each level how many tables the BAR's range touches.`;
  return `${name} ${describeValue(answer)} is too small: count, level by level, how many 512-entry tables the range touches (a range that crosses a 1 GiB boundary needs one more PMD table).`;
}

export function verifyPgtableBytes(answer4k: unknown, answer2m: unknown, p: PgtableBytesParams): Verdict {
  const mm4k = mapBarWith(p, "pte");
  const mm2m = mapBarWith(p, "pmd");
  const bad4k = judge("answerBytes4k", answer4k, mm4k, "4 KiB");
  if (bad4k) return fail(EX, bad4k);
  const bad2m = judge("answerBytes2m", answer2m, mm2m, "2 MiB");
  if (bad2m) return fail(EX, bad2m);
  return pass(
    EX,
    `${mm4k.pgtableBytes()} bytes with 4 KiB leaves, ${mm2m.pgtableBytes()} with 2 MiB leaves (${(mm4k.pgtableBytes() / mm2m.pgtableBytes()).toFixed(1)}x)`,
  );
}
