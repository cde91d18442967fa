/**
 * Error numbers (include/uapi/asm-generic/errno-base.h) and fault return codes
 * (include/linux/mm_types.h enum vm_fault_reason). Functions return them as the
 * kernel does: 0 or a negative errno, or a VM_FAULT_* bit mask.
 */
import { checkNumber } from "./model-error";
export const EPERM = 1;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EINVAL = 22;

export const VM_FAULT_OOM = 0x000001;
export const VM_FAULT_SIGBUS = 0x000002;
export const VM_FAULT_MAJOR = 0x000004;
export const VM_FAULT_HWPOISON = 0x000010;
export const VM_FAULT_HWPOISON_LARGE = 0x000020;
export const VM_FAULT_SIGSEGV = 0x000040;
export const VM_FAULT_NOPAGE = 0x000100;
export const VM_FAULT_LOCKED = 0x000200;
export const VM_FAULT_RETRY = 0x000400;
export const VM_FAULT_FALLBACK = 0x000800;
export const VM_FAULT_DONE_COW = 0x001000;
export const VM_FAULT_NEEDDSYNC = 0x002000;
export const VM_FAULT_COMPLETED = 0x004000;
/** VM_FAULT_ERROR: the bits that mean the fault failed. */
export const VM_FAULT_ERROR =
  VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE | VM_FAULT_FALLBACK;

const ERRNO_NAMES: Record<number, string> = {
  [EPERM]: "EPERM",
  [EAGAIN]: "EAGAIN",
  [ENOMEM]: "ENOMEM",
  [EACCES]: "EACCES",
  [EFAULT]: "EFAULT",
  [EBUSY]: "EBUSY",
  [EEXIST]: "EEXIST",
  [EINVAL]: "EINVAL",
};

const FAULT_NAMES: ReadonlyArray<[number, string]> = [
  [VM_FAULT_OOM, "VM_FAULT_OOM"],
  [VM_FAULT_SIGBUS, "VM_FAULT_SIGBUS"],
  [VM_FAULT_MAJOR, "VM_FAULT_MAJOR"],
  [VM_FAULT_HWPOISON, "VM_FAULT_HWPOISON"],
  [VM_FAULT_HWPOISON_LARGE, "VM_FAULT_HWPOISON_LARGE"],
  [VM_FAULT_SIGSEGV, "VM_FAULT_SIGSEGV"],
  [VM_FAULT_NOPAGE, "VM_FAULT_NOPAGE"],
  [VM_FAULT_LOCKED, "VM_FAULT_LOCKED"],
  [VM_FAULT_RETRY, "VM_FAULT_RETRY"],
  [VM_FAULT_FALLBACK, "VM_FAULT_FALLBACK"],
  [VM_FAULT_DONE_COW, "VM_FAULT_DONE_COW"],
  [VM_FAULT_NEEDDSYNC, "VM_FAULT_NEEDDSYNC"],
  [VM_FAULT_COMPLETED, "VM_FAULT_COMPLETED"],
];

/** "0", "-EINVAL" ... */
export function errnoName(ret: number): string {
  if (typeof ret !== "number") checkNumber("errnoName", "ret", ret);
  if (ret === 0) return "0";
  const n = ERRNO_NAMES[-ret];
  return n ? `-${n}` : String(ret);
}

/** "VM_FAULT_NOPAGE", "VM_FAULT_FALLBACK", "0" ... */
export function vmFaultName(code: number): string {
  if (typeof code !== "number") checkNumber("vmFaultName", "code", code);
  if (code === 0) return "0";
  const names = FAULT_NAMES.filter(([bit]) => (code & bit) !== 0).map(([, n]) => n);
  return names.join("|") || String(code);
}
