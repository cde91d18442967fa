/** Input checks shared by the model: each throws naming function, field, value and rule. */
import { PAGE_SIZE, TASK_SIZE, hex } from "./constants";
import type { Vma } from "./vma";

function show(v: unknown): string {
  return typeof v === "number" && Number.isInteger(v) ? hex(v) : String(v);
}

export function checkInteger(fn: string, field: string, v: unknown): asserts v is number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new Error(`${fn}: ${field} ${String(v)} must be an integer`);
}

export function checkUserAddress(fn: string, field: string, v: unknown): asserts v is number {
  checkInteger(fn, field, v);
  if (v < 0 || v > TASK_SIZE) throw new Error(`${fn}: ${field} ${show(v)} is outside user space [0, ${hex(TASK_SIZE)}]`);
}

export function checkPageAligned(fn: string, field: string, v: unknown): asserts v is number {
  checkInteger(fn, field, v);
  if (v % PAGE_SIZE !== 0) throw new Error(`${fn}: ${field} ${show(v)} is not page aligned`);
}

export function checkSize(fn: string, field: string, v: unknown): asserts v is number {
  checkInteger(fn, field, v);
  if (v <= 0) throw new Error(`${fn}: ${field} ${show(v)} must be positive`);
  if (v % PAGE_SIZE !== 0) throw new Error(`${fn}: ${field} ${show(v)} is not page aligned`);
}

export function checkFlags(fn: string, field: string, v: unknown, known: number): asserts v is number {
  checkInteger(fn, field, v);
  if (v < 0 || v > 0x7fffffff || (v & ~known) !== 0) throw new Error(`${fn}: ${field} ${show(v)} has unknown bits ${show(v > 0x7fffffff ? v : v & ~known)}`);
}

export function checkVma(fn: string, vma: unknown): asserts vma is Vma {
  const v = vma as Vma | undefined;
  if (!v || typeof v !== "object" || typeof v.vmStart !== "number" || !v.mm) throw new Error(`${fn}: vma ${String(vma)} is not a vma`);
  if (v.detached) throw new Error(`${fn}: ${v} was unmapped (use of a freed vma)`);
}

export function checkInVma(fn: string, field: string, vma: Vma, addr: number, size = 1): void {
  if (addr < vma.vmStart || addr + size > vma.vmEnd) {
    throw new Error(`${fn}: ${field} [${hex(addr)}, ${hex(addr + size)}) is not inside ${vma}`);
  }
}
