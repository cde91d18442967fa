/**
 * Exercise "pud-align": choose where to mmap a BAR so that every fault gets a 1 GiB PUD
 * leaf (drivers/vfio/pci/vfio_pci_core.c vfio_pci_mmap_huge_fault: a PUD leaf needs the
 * faulting address aligned to 1 GiB and the whole leaf inside the vma, else
 * VM_FAULT_FALLBACK to PMD, then PTE). The address must lie in a window the exercise
 * gives (as if other mappings surround it).
 */
import { PAGE_SIZE, PUD_SIZE, SZ_1G, SZ_1M, hex } from "../../mm/constants";
import { walkData } from "../../mm/explain";
import { doUserAddrFault } from "../../mm/fault";
import { createKernel } from "../../mm/kernel";
import { createVfioPciBarDevice } from "../../mm/vfio-device";
import { attempt, describeValue, fail, needInt, pass, type Verdict } from "./verdict";

const EX = "pud-align";

export interface PudAlignParams {
  /** BAR size in GiB. */
  barGiB: number;
  /** The window starts at windowGiB GiB + skewMiB MiB. */
  windowGiB: number;
  skewMiB: number;
}

/** The window [start, end) the vma must lie in: one BAR plus 1 GiB, starting off a GiB boundary. */
export function pudWindow(p: PudAlignParams): { start: number; end: number } {
  needInt("pudWindow", "barGiB", p.barGiB, 1, 64);
  needInt("pudWindow", "windowGiB", p.windowGiB, 1, 100000);
  needInt("pudWindow", "skewMiB", p.skewMiB, 2, 1022);
  if (p.skewMiB % 2 !== 0) throw new Error(`pudWindow: skewMiB ${p.skewMiB} must be even`);
  const start = p.windowGiB * SZ_1G + p.skewMiB * SZ_1M;
  return { start, end: start + (p.barGiB + 1) * SZ_1G };
}

/** Map the whole BAR at `addr`, touch the first byte of every GiB, and return the leaf level each touch got. */
export function pudLeavesAt(p: PudAlignParams, addr: number): string[] {
  const k = createKernel();
  const bar = k.addIoRegion({ name: "bar0", size: p.barGiB * SZ_1G });
  const dev = createVfioPciBarDevice(k, { bar, alignRule: "pfn" });
  const mm = k.createMm("proc");
  const vma = dev.mmapBar(mm, { addr, length: bar.size, align: PAGE_SIZE });
  const levels: string[] = [];
  for (let g = 0; g < p.barGiB; g++) {
    doUserAddrFault(mm, vma.vmStart + g * SZ_1G);
    levels.push(walkData(mm, vma.vmStart + g * SZ_1G).leaf ?? "none");
  }
  return levels;
}

export function verifyPudAlign(answerAddr: unknown, p: PudAlignParams): Verdict {
  const win = pudWindow(p);
  const size = p.barGiB * SZ_1G;
  if (typeof answerAddr !== "number" || !Number.isSafeInteger(answerAddr) || answerAddr < 0) {
    return fail(EX, `answerPudAddr is ${describeValue(answerAddr)}: it must be a user virtual address (an integer).`);
  }
  if (answerAddr % 4096 !== 0)
    return fail(
      EX,
      `answerPudAddr ${describeValue(answerAddr)} is not even page aligned: mmap addresses are multiples of PAGE_SIZE.`,
    );
  if (answerAddr < win.start || answerAddr + size > win.end) {
    return fail(
      EX,
      `a ${p.barGiB} GiB vma at ${describeValue(answerAddr)} does not lie inside the window [${hex(win.start)}, ${hex(win.end)}): choose an address in it that leaves room for the whole BAR.`,
    );
  }
  const r = attempt(() => pudLeavesAt(p, answerAddr));
  if (r.error !== null) return fail(EX, `mapping the BAR at ${describeValue(answerAddr)} failed: ${r.error}`);
  const levels = r.value;
  const bad = levels.findIndex((l) => l !== "pud");
  if (bad >= 0) {
    return fail(
      EX,
      `the faults got ${levels.join(", ")} leaves: vfio_pci_mmap_huge_fault falls back from PUD when the faulting address is not a multiple of ${hex(PUD_SIZE)} ` +
        `or the 1 GiB leaf would cross the end of the vma. Which multiples of 1 GiB lie in the window?`,
    );
  }
  return pass(EX, `every GiB of the BAR got a PUD leaf (${levels.length} faults, ${levels.length} leaves)`);
}
