/** Input checks shared by the model: each throws a PfnlabError naming function, field, value and rule. */
import { PAGE_SIZE, TASK_SIZE, hex } from "./constants";
import { PfnlabError } from "./model-error";
import type { Kernel, Mm, Vma } from "./mm-types";
import type { Page } from "./physmem";

export function checkInteger(fn: string, field: string, v: unknown): asserts v is number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new PfnlabError(fn, field, v, "must be an integer");
}

export function checkUserAddress(fn: string, field: string, v: unknown): asserts v is number {
  checkInteger(fn, field, v);
  if (v < 0 || v > TASK_SIZE) throw new PfnlabError(fn, field, v, `is outside user space [0, ${hex(TASK_SIZE)}]`);
}

export function checkPageAligned(fn: string, field: string, v: unknown): asserts v is number {
  checkInteger(fn, field, v);
  if (v % PAGE_SIZE !== 0) throw new PfnlabError(fn, field, v, "is not page aligned");
}

export function checkSize(fn: string, field: string, v: unknown): asserts v is number {
  checkInteger(fn, field, v);
  if (v <= 0) throw new PfnlabError(fn, field, v, "must be positive");
  if (v % PAGE_SIZE !== 0) throw new PfnlabError(fn, field, v, "is not page aligned");
}

export function checkFlags(fn: string, field: string, v: unknown, known: number): asserts v is number {
  checkInteger(fn, field, v);
  if (v < 0 || v > 0x7fffffff || (v & ~known) !== 0)
    throw new PfnlabError(fn, field, v, `has unknown bits ${hex(v > 0x7fffffff || v < 0 ? v : v & ~known)}`);
}

export function checkBoolean(fn: string, field: string, v: unknown): asserts v is boolean {
  if (typeof v !== "boolean") throw new PfnlabError(fn, field, v, "must be a boolean");
}

export function checkObject(fn: string, field: string, v: unknown, shape: string): asserts v is object {
  if (typeof v !== "object" || v === null) throw new PfnlabError(fn, field, v, `must be ${shape}`);
}

export function checkVma(fn: string, vma: unknown): asserts vma is Vma {
  const v = vma as Vma | undefined;
  if (!v || typeof v !== "object" || typeof v.vmStart !== "number" || !v.mm || typeof v.mm !== "object" || !v.mm.kernel)
    throw new PfnlabError(fn, "vma", vma, "is not a vma");
  if (v.detached) throw new PfnlabError(fn, "vma", v, "was unmapped (use of a freed vma)");
}

export function checkInVma(fn: string, field: string, vma: Vma, addr: number, size = 1): void {
  if (addr < vma.vmStart || addr + size > vma.vmEnd) {
    throw new PfnlabError(
      fn,
      field,
      addr,
      `starts a range [${hex(addr)}, ${hex(addr + size)}) that is not inside ${vma}`,
    );
  }
}

export function checkMm(fn: string, mm: unknown): asserts mm is Mm {
  const m = mm as Mm | undefined;
  if (!m || typeof m !== "object" || !m.pgd || !m.kernel || !Array.isArray(m.vmas))
    throw new PfnlabError(fn, "mm", mm, "is not an mm (kernel.createMm())");
}

/** The kernel a plain call on `vma` runs in, after checking that `vma` is a live vma. */
export function kernelOf(fn: string, vma: unknown): Kernel {
  checkVma(fn, vma);
  return vma.mm.kernel;
}

/** The kernel a plain call on `mm` runs in, after checking that `mm` is an mm. */
export function kernelOfMm(fn: string, mm: unknown): Kernel {
  checkMm(fn, mm);
  return mm.kernel;
}

/** The kernel a plain call on a fault's `vmf` runs in, after checking it is { vma, address } with a live vma. */
export function kernelOfVmf(fn: string, vmf: unknown): Kernel {
  checkObject(fn, "vmf", vmf, "{ vma, address }");
  return kernelOf(fn, (vmf as { vma: unknown }).vma);
}

/** A struct page of this kernel's RAM (allocated or free). */
export function checkPage(fn: string, field: string, k: Kernel, page: unknown): asserts page is Page {
  const p = page as Page | null;
  if (!p || typeof p !== "object" || typeof p.pfn !== "number" || k.physmem.anyPageOf(p.pfn) !== p)
    throw new PfnlabError(fn, field, page, "is not a struct page of this kernel (kernel.allocPage())");
}
