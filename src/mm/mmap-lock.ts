/**
 * mmap_read_lock / mmap_read_unlock / mmap_write_lock / mmap_write_unlock
 * (include/linux/mmap_lock.h). The unlock paths also ask the checker whether the task
 * is letting go of mmap_lock in the middle of a follow_pfnmap lookup, which the
 * kernel-doc of follow_pfnmap_start() forbids.
 */
import { acquire, current, release, type Steps } from "../sched/effect";
import type { Mm } from "./mm";
import { checkMmapUnlockDuringLookup } from "./pfnmap-checks";
import { checkMm } from "./validate";

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

export function mmapReadLock(mm: Mm): void {
  checkMm("mmapReadLock", mm);
  mm.kernel.run(mmapReadLockSteps(mm), undefined, "mmapReadLock");
}
export function mmapReadUnlock(mm: Mm): void {
  checkMm("mmapReadUnlock", mm);
  mm.kernel.run(mmapReadUnlockSteps(mm), undefined, "mmapReadUnlock");
}
export function mmapWriteLock(mm: Mm): void {
  checkMm("mmapWriteLock", mm);
  mm.kernel.run(mmapWriteLockSteps(mm), undefined, "mmapWriteLock");
}
export function mmapWriteUnlock(mm: Mm): void {
  checkMm("mmapWriteUnlock", mm);
  mm.kernel.run(mmapWriteUnlockSteps(mm), undefined, "mmapWriteUnlock");
}
