/**
 * Exercise "pfn-lock": predict the pfn and the lock of follow_pfnmap_start() for one
 * address of a vfio-pci BAR mapping made of PMD leaves (mm/memory.c follow_pfnmap_start:
 * the pfn is the leaf's base pfn plus the page offset of the address inside the leaf;
 * pmd_lock() is the split PMD ptlock, or mm->page_table_lock when
 * CONFIG_SPLIT_PMD_PTLOCKS is off).
 */
import { PAGE_SIZE, PMD_SIZE, SZ_1M, hex } from "../../mm/constants";
import { doUserAddrFault } from "../../mm/fault";
import { createKernel, type Kernel } from "../../mm/kernel";
import { walkData } from "../../mm/explain";
import type { Mm } from "../../mm/mm";
import type { IoRegion } from "../../mm/physmem";
import { createVfioPciBarDevice } from "../../mm/vfio-device";
import type { Vma } from "../../mm/vma";
import { describeValue, fail, needInt, pass, type Verdict } from "./verdict";

const EX = "pfn-lock";

export interface PfnLockParams {
  /** BAR size in MiB (a power of two). */
  barMiB: number;
  /** mmap offset into the BAR in MiB (even: the leaves stay 2 MiB aligned). */
  offsetMiB: number;
  /** Page index of the address inside the vma. */
  page: number;
  /** Byte offset of the address inside its page. */
  byte: number;
  /** CONFIG_SPLIT_PMD_PTLOCKS. */
  splitPmd: boolean;
}

export interface PfnLockWorld {
  kernel: Kernel;
  mm: Mm;
  bar: IoRegion;
  vma: Vma;
  /** The address whose lookup the student predicts. */
  address: number;
}

function checkParams(p: PfnLockParams): void {
  const fn = "pfnLockWorld";
  needInt(fn, "barMiB", p.barMiB, 4, 4096);
  needInt(fn, "offsetMiB", p.offsetMiB, 0, p.barMiB - 2);
  if (p.offsetMiB % 2 !== 0) throw new Error(`${fn}: offsetMiB ${p.offsetMiB} must be even (2 MiB leaves)`);
  needInt(fn, "page", p.page, 0, ((p.barMiB - p.offsetMiB) * SZ_1M) / PAGE_SIZE - 1);
  needInt(fn, "byte", p.byte, 0, PAGE_SIZE - 1);
  if (typeof p.splitPmd !== "boolean") throw new Error(`${fn}: splitPmd ${String(p.splitPmd)} must be a boolean`);
}

/**
 * The stage: a BAR behind a vfio-pci-like device, mmapped from `offsetMiB` to its end,
 * and the 2 MiB around `address` faulted in (a PMD leaf).
 */
export function pfnLockWorld(p: PfnLockParams): PfnLockWorld {
  checkParams(p);
  const kernel = createKernel({ splitPtlocks: { pmd: p.splitPmd } });
  const bar = kernel.addIoRegion({ name: "bar0", size: p.barMiB * SZ_1M });
  const dev = createVfioPciBarDevice(kernel, { bar, alignRule: "pfn" });
  const mm = kernel.createMm("proc");
  const vma = dev.mmapBar(mm, {
    offset: p.offsetMiB * SZ_1M,
    length: (p.barMiB - p.offsetMiB) * SZ_1M,
    align: PMD_SIZE,
  });
  const address = vma.vmStart + p.page * PAGE_SIZE + p.byte;
  // The fault handler maps the whole 2 MiB leaf around the address (a PMD-aligned fault).
  doUserAddrFault(mm, Math.floor(address / PMD_SIZE) * PMD_SIZE);
  return { kernel, mm, bar, vma, address };
}

/** Is `answer` naming the lock class `cls`? Loose on spelling, strict on which lock. */
export function namesLock(answer: string, cls: string): boolean {
  const a = answer.toLowerCase();
  if (cls === "&mm->page_table_lock") return a.includes("page_table_lock");
  if (cls === "ptlock (PMD)") return a.includes("ptlock") && a.includes("pmd") && !a.includes("page_table_lock");
  return a === cls.toLowerCase();
}

export function verifyPfnLock(answerPfn: unknown, answerLock: unknown, p: PfnLockParams): Verdict {
  const w = pfnLockWorld(p);
  const walk = walkData(w.mm, w.address);
  if (walk.leaf !== "pmd" || walk.pfn === null || walk.lockClass === null)
    throw new Error(`verifyPfnLock: the stage did not get a PMD leaf at ${hex(w.address)}`);
  // "&mm->page_table_lock" or "ptlock (PMD)": the class as data, not read back from the printed lock.
  const lockClass = walk.lockClass;
  if (typeof answerPfn !== "number" || !Number.isInteger(answerPfn)) {
    return fail(
      EX,
      `answerPfn is ${describeValue(answerPfn)}: it must be an integer page frame number (a physical address divided by PAGE_SIZE).`,
    );
  }
  if (answerPfn !== walk.pfn) {
    const bar = w.bar;
    const last = bar.startPfn + bar.nrPages - 1;
    let why: string;
    if (answerPfn === Math.floor(w.address / PAGE_SIZE))
      why =
        "that is the virtual page number of the address; a pfn names physical memory: start from the pfn the vma's first page maps (BAR start pfn + vm_pgoff).";
    else if (answerPfn < bar.startPfn || answerPfn > last)
      why = `that pfn is not even inside the BAR [${hex(bar.startPfn)}, ${hex(last)}]: the mapping starts at BAR start pfn + vm_pgoff.`;
    else if (answerPfn === bar.startPfn + Math.floor((w.address - w.vma.vmStart) / PAGE_SIZE))
      why = "you forgot the mmap offset: the vma does not start at the beginning of the BAR (look at vm_pgoff).";
    else if (answerPfn % 512 === 0 && Math.abs(answerPfn - walk.pfn) < 512)
      why =
        "that is the first pfn of the 2 MiB leaf; follow_pfnmap_start adds the page offset of the address inside the leaf.";
    else
      why =
        "work from the numbers printed for your variant: the pfn the vma starts at (BAR start pfn + vm_pgoff), plus the whole pages between vm_start and the address; the byte offset inside the page does not change the pfn.";
    return fail(EX, `answerPfn ${describeValue(answerPfn)} is not the pfn the lookup returns: ${why}`);
  }
  if (typeof answerLock !== "string" || !namesLock(answerLock, lockClass)) {
    return fail(
      EX,
      `the pfn is right, but answerLock ${describeValue(answerLock)} is not the lock follow_pfnmap_start holds for this leaf: a PMD leaf takes pmd_lock(); ` +
        `read pmd_lockptr() (include/linux/mm.h) and ask whether this kernel has split PMD ptlocks (createKernel's splitPtlocks option, printed above).`,
    );
  }
  return pass(EX, `pfn ${hex(walk.pfn)} under ${lockClass}`);
}
