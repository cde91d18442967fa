/**
 * mmap_read_lock / mmap_read_unlock / mmap_write_lock / mmap_write_unlock
 * (include/linux/mmap_lock.h). The unlock paths also ask the checker whether the task
 * is letting go of mmap_lock in the middle of a follow_pfnmap lookup, which the
 * kernel-doc of follow_pfnmap_start() forbids.
 */
import { plainForm } from "./plain-form";
import { acquire, current, release, type Steps } from "../sched/effect";
import type { Mm } from "./mm-types";
import { checkMmapUnlockDuringLookup } from "./pfnmap-checks";
import { checkMm, kernelOfMm } from "./validate";

export function* mmapReadLockSteps(mm: Mm): Steps<void> {
  checkMm("mmapReadLock", mm);
  yield* acquire(mm.mmapLock, "read", "mmap_read_lock");
}

export function* mmapReadUnlockSteps(mm: Mm): Steps<void> {
  checkMm("mmapReadUnlock", mm);
  const me = yield* current();
  checkMmapUnlockDuringLookup(mm, me, "mmap_read_unlock");
  yield* release(mm.mmapLock, "read", "mmap_read_unlock");
}

export function* mmapWriteLockSteps(mm: Mm): Steps<void> {
  checkMm("mmapWriteLock", mm);
  yield* acquire(mm.mmapLock, "write", "mmap_write_lock");
}

export function* mmapWriteUnlockSteps(mm: Mm): Steps<void> {
  checkMm("mmapWriteUnlock", mm);
  const me = yield* current();
  checkMmapUnlockDuringLookup(mm, me, "mmap_write_unlock");
  yield* release(mm.mmapLock, "write", "mmap_write_unlock");
}

export const mmapReadLock = plainForm("mmapReadLock", kernelOfMm, mmapReadLockSteps);
export const mmapReadUnlock = plainForm("mmapReadUnlock", kernelOfMm, mmapReadUnlockSteps);
export const mmapWriteLock = plainForm("mmapWriteLock", kernelOfMm, mmapWriteLockSteps);
export const mmapWriteUnlock = plainForm("mmapWriteUnlock", kernelOfMm, mmapWriteUnlockSteps);
