/**
 * Sizes, shifts and flag values of x86-64 with 4-level paging (p4d folded into pgd),
 * as in arch/x86/include/asm/pgtable_64_types.h, include/linux/mm.h and
 * include/linux/mm_types.h. Addresses and pfns are plain numbers: 48-bit virtual and
 * up to 52-bit physical addresses fit exactly in a double, so the model computes with
 * arithmetic (never JS 32-bit bitwise operators) on them.
 */
import { checkNumber } from "./model-error";

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const PMD_SHIFT = 21;
export const PMD_SIZE = 2 * 1024 * 1024;
export const PUD_SHIFT = 30;
export const PUD_SIZE = 1024 * 1024 * 1024;
export const PGDIR_SHIFT = 39;
export const PGDIR_SIZE = 512 * PUD_SIZE;
/** Entries per page-table page at every level (4 KiB page / 8-byte entry). */
export const PTRS_PER_TABLE = 512;

// Sizes, as include/linux/sizes.h names them.
export const SZ_4K = 4096;
export const SZ_64K = 64 * 1024;
export const SZ_1M = 1024 * 1024;
export const SZ_2M = 2 * SZ_1M;
export const SZ_16M = 16 * SZ_1M;
export const SZ_1G = 1024 * SZ_1M;
/** Pages covered by one PMD leaf (order 9) and one PUD leaf (order 18). */
export const PMD_ORDER = 9;
export const PUD_ORDER = 18;
export const PAGES_PER_PMD = 512;
export const PAGES_PER_PUD = 512 * 512;
/** End of user space with 4-level paging (TASK_SIZE_MAX, arch/x86/include/asm/page_64.h). */
export const TASK_SIZE = 2 ** 47 - PAGE_SIZE;
/** Where top-down mmap placement starts (like mm->mmap_base below the stack gap). */
export const MMAP_BASE = 0x7f0000000000;

// vm_flags (include/linux/mm.h). All below 2^31, so bitwise is safe on them.
export const VM_NONE = 0x0;
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
export const VM_MAYREAD = 0x10;
export const VM_MAYWRITE = 0x20;
export const VM_MAYEXEC = 0x40;
export const VM_MAYSHARE = 0x80;
export const VM_GROWSDOWN = 0x100;
export const VM_PFNMAP = 0x400;
export const VM_LOCKED = 0x2000;
export const VM_IO = 0x4000;
export const VM_DONTCOPY = 0x20000;
export const VM_DONTEXPAND = 0x40000;
export const VM_ACCOUNT = 0x100000;
export const VM_NORESERVE = 0x200000;
export const VM_HUGETLB = 0x400000;
export const VM_DONTDUMP = 0x4000000;
export const VM_MIXEDMAP = 0x10000000;

/** Every vm_flags bit the model knows; others are rejected as bad input. */
export const VM_KNOWN_FLAGS =
  VM_READ |
  VM_WRITE |
  VM_EXEC |
  VM_SHARED |
  VM_MAYREAD |
  VM_MAYWRITE |
  VM_MAYEXEC |
  VM_MAYSHARE |
  VM_GROWSDOWN |
  VM_PFNMAP |
  VM_LOCKED |
  VM_IO |
  VM_DONTCOPY |
  VM_DONTEXPAND |
  VM_ACCOUNT |
  VM_NORESERVE |
  VM_HUGETLB |
  VM_DONTDUMP |
  VM_MIXEDMAP;

export const VM_FLAG_NAMES: ReadonlyArray<[number, string]> = [
  [VM_READ, "VM_READ"],
  [VM_WRITE, "VM_WRITE"],
  [VM_EXEC, "VM_EXEC"],
  [VM_SHARED, "VM_SHARED"],
  [VM_MAYREAD, "VM_MAYREAD"],
  [VM_MAYWRITE, "VM_MAYWRITE"],
  [VM_MAYEXEC, "VM_MAYEXEC"],
  [VM_MAYSHARE, "VM_MAYSHARE"],
  [VM_GROWSDOWN, "VM_GROWSDOWN"],
  [VM_PFNMAP, "VM_PFNMAP"],
  [VM_LOCKED, "VM_LOCKED"],
  [VM_IO, "VM_IO"],
  [VM_DONTCOPY, "VM_DONTCOPY"],
  [VM_DONTEXPAND, "VM_DONTEXPAND"],
  [VM_ACCOUNT, "VM_ACCOUNT"],
  [VM_NORESERVE, "VM_NORESERVE"],
  [VM_HUGETLB, "VM_HUGETLB"],
  [VM_DONTDUMP, "VM_DONTDUMP"],
  [VM_MIXEDMAP, "VM_MIXEDMAP"],
];

export function vmFlagNames(flags: number): string {
  if (typeof flags !== "number") checkNumber("vmFlagNames", "flags", flags);
  return vmFlagList(flags).join("|");
}

/** The names of the flags set, as a list (["VM_NONE"] when none): what vmFlagNames joins. */
export function vmFlagList(flags: number): string[] {
  if (typeof flags !== "number") checkNumber("vmFlagList", "flags", flags);
  const names = VM_FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, n]) => n);
  return names.length ? names : ["VM_NONE"];
}

// Fault flags (include/linux/mm_types.h enum fault_flag).
export const FAULT_FLAG_WRITE = 0x1;
export const FAULT_FLAG_MKWRITE = 0x2;
export const FAULT_FLAG_ALLOW_RETRY = 0x4;
export const FAULT_FLAG_RETRY_NOWAIT = 0x8;
export const FAULT_FLAG_KILLABLE = 0x10;
export const FAULT_FLAG_TRIED = 0x20;
export const FAULT_FLAG_USER = 0x40;
export const FAULT_FLAG_REMOTE = 0x80;
export const FAULT_FLAG_KNOWN = 0xff;

// gup_flags (include/linux/mm_types.h enum FOLL_*; FOLL_PIN is internal to mm/gup.c).
export const FOLL_WRITE = 0x1;
export const FOLL_GET = 0x2;
export const FOLL_DUMP = 0x4;
export const FOLL_FORCE = 0x8;
export const FOLL_LONGTERM = 0x100;
export const FOLL_PIN = 0x10000;
export const FOLL_KNOWN = FOLL_WRITE | FOLL_GET | FOLL_DUMP | FOLL_FORCE | FOLL_LONGTERM | FOLL_PIN;
/** How much a FOLL_PIN adds to the refcount (GUP_PIN_COUNTING_BIAS, include/linux/mm.h). */
export const GUP_PIN_COUNTING_BIAS = 1024;

// The same few addresses and pfns are printed in every run of an exploration.
const HEX_MEMO = new Map<number, string>();
const HEX_MEMO_MAX = 4096;

/** "0x7f0000001000" */
export function hex(n: number): string {
  if (typeof n !== "number") checkNumber("hex", "n", n);
  let s = HEX_MEMO.get(n);
  if (s === undefined) {
    s = n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
    if (HEX_MEMO.size >= HEX_MEMO_MAX) HEX_MEMO.clear();
    HEX_MEMO.set(n, s);
  }
  return s;
}
