/**
 * Checker rules for the follow_pfnmap API, in the spirit of lockdep and KASAN: each
 * report names the rule the kernel states (kernel-doc of follow_pfnmap_start() and
 * pfnmap_lockdep_assert() in mm/memory.c) and the call site. A report is a WARN, not a
 * failure: the model keeps going unless the Checker is in "throw" mode.
 */
import { holds, type Task } from "../sched/effect";
import { hex } from "./constants";
import type { Kernel, Mm, Vma } from "./mm-types";
import { Checker } from "../base/checker";
import { PfnlabError } from "./model-error";
import { checkVma } from "./validate";

export const PFNMAP_RULES = {
  /** start() without mmap_lock (or, for a file vma, i_mmap_rwsem) held. */
  withoutLock: "follow-pfnmap-without-lock",
  /** mmap_lock released while a lookup is between start() and end(). */
  unlockDuringLookup: "mmap-lock-released-during-lookup",
  /** end() called again on the same args. */
  endTwice: "follow-pfnmap-end-twice",
  /** end() on args whose start() failed or never ran. */
  endWithoutStart: "follow-pfnmap-end-without-start",
  /** An output (pfn, pgprot, writable, special) read after end(). */
  useAfterEnd: "follow-pfnmap-use-after-end",
  /** start() on a vma without VM_IO|VM_PFNMAP. */
  nonPfnmapVma: "follow-pfnmap-non-pfnmap-vma",
  /** start() on args that are still between start() and end(). */
  startWhileActive: "follow-pfnmap-start-while-active",
  /** handle_mm_fault() without mmap_lock. */
  faultWithoutLock: "fault-without-mmap-lock",
  /** get_user_pages() without mmap_lock. */
  gupWithoutLock: "gup-without-mmap-lock",
} as const;

const DOC = "kernel-doc of follow_pfnmap_start(), mm/memory.c";

/**
 * pfnmap_lockdep_assert() (mm/memory.c): mmap_lock must be held; for a vma backed by a
 * file, holding that file mapping's i_mmap_rwsem is accepted instead.
 */
export function pfnmapLockdepAssert(k: Kernel, task: Task, vma: Vma, site: string): void {
  const fn = "pfnmapLockdepAssert";
  if (typeof k !== "object" || k === null || !(k.checker instanceof Checker))
    throw new PfnlabError(fn, "k", k, "is not a kernel (createKernel())");
  if (typeof task !== "object" || task === null || !Array.isArray(task.held) || typeof task.name !== "string")
    throw new PfnlabError(fn, "task", task, "is not a task (kernel.ctx.task, or a scheduler task)");
  checkVma(fn, vma);
  if (typeof site !== "string") throw new PfnlabError(fn, "site", site, "must be a string");
  if (holds(task, vma.mm.mmapLock)) return;
  const mapping = vma.vmFile?.mapping;
  if (mapping && holds(task, mapping.iMmapRwsem)) return;
  k.checker.report({
    rule: PFNMAP_RULES.withoutLock,
    message:
      `${task.name} looks up ${hex(vma.vmStart)}.. without ${mapping ? "mmap_lock or i_mmap_rwsem" : "mmap_lock"} held: ` +
      `the caller must hold the mmap lock (for read) across the lookup, or page tables may be freed under it ` +
      `(pfnmap_lockdep_assert and ${DOC})`,
    site,
    task: task.name,
  });
}

export function reportNonPfnmapVma(k: Kernel, task: Task, vma: Vma, site: string): void {
  k.checker.report({
    rule: PFNMAP_RULES.nonPfnmapVma,
    message: `${task.name} calls follow_pfnmap_start on ${vma}: only IO and raw PFN mappings (VM_IO|VM_PFNMAP) may be looked up; normal memory needs GUP and a page reference (${DOC})`,
    site,
    task: task.name,
  });
}

/** Called by mmap_read_unlock/mmap_write_unlock: is this task in the middle of a lookup on mm? */
export function checkMmapUnlockDuringLookup(mm: Mm, task: Task, site: string): void {
  for (const l of mm.activeLookups) {
    if (l.taskName !== task.name) continue;
    const mapping = l.vma.vmFile?.mapping;
    if (mapping && holds(task, mapping.iMmapRwsem)) continue;
    mm.kernel.checker.report({
      rule: PFNMAP_RULES.unlockDuringLookup,
      message:
        `${task.name} releases ${mm.name}'s mmap_lock while its follow_pfnmap lookup of ${hex(l.address)} is not ended: ` +
        `the mmap lock may not be dropped before follow_pfnmap_end() (${DOC})`,
      site,
      task: task.name,
    });
  }
}

export function reportUseAfterEnd(k: Kernel, taskName: string, field: string, address: number): void {
  k.checker.report({
    rule: PFNMAP_RULES.useAfterEnd,
    message:
      `args.${field} of the lookup at ${hex(address)} read after follow_pfnmap_end(): once end() has run, no field of ` +
      `follow_pfnmap_args may be trusted; using them later needs the caller's own synchronisation with page-table ` +
      `updates (such as an MMU notifier), otherwise it can become a security bug (${DOC})`,
    site: `args.${field}`,
    task: taskName,
  });
}

export function reportEndTwice(k: Kernel, task: Task, address: number, site: string): void {
  k.checker.report({
    rule: PFNMAP_RULES.endTwice,
    message: `${task.name} calls follow_pfnmap_end() twice for ${hex(address)}: each successful start() pairs with exactly one end(); a second one unlocks a lock it does not hold (${DOC})`,
    site,
    task: task.name,
  });
}

export function reportEndWithoutStart(k: Kernel, task: Task, address: number, state: string, site: string): void {
  k.checker.report({
    rule: PFNMAP_RULES.endWithoutStart,
    message: `${task.name} calls follow_pfnmap_end() for ${hex(address)} whose start() ${state === "failed" ? "failed" : "never ran"}: end() pairs only with a start() that returned 0 (${DOC})`,
    site,
    task: task.name,
  });
}

export function reportStartWhileActive(k: Kernel, task: Task, address: number, site: string): void {
  k.checker.report({
    rule: PFNMAP_RULES.startWhileActive,
    message: `${task.name} calls follow_pfnmap_start() again on args for ${hex(address)} that were never ended: the first lookup still holds its lock (${DOC})`,
    site,
    task: task.name,
  });
}

export function reportWithoutMmapLock(k: Kernel, task: Task, mm: Mm, rule: string, what: string, site: string): void {
  k.checker.report({
    rule,
    message: `${task.name} runs ${what} on ${mm.name} without mmap_lock held: vmas and page tables may change or be freed under it (mmap_assert_locked, include/linux/mmap_lock.h)`,
    site,
    task: task.name,
  });
}
