/**
 * struct address_space (include/linux/fs.h), reduced to i_mmap: the vmas that map a
 * file, and i_mmap_rwsem that protects that list. unmap_mapping_range() walks it
 * (holding i_mmap_rwsem for read, not mmap_lock), which is why
 * pfnmap_lockdep_assert() in mm/memory.c accepts either lock for a file vma.
 */
import { plainForm } from "./plain-form";
import { Lock } from "../sched/lock";
import { acquire, release, type Steps } from "../sched/effect";
import type { Kernel, Vma } from "./mm-types";
import type * as MmTypes from "./mm-types";
import { PfnlabError } from "./model-error";

export class AddressSpace implements MmTypes.AddressSpace {
  readonly iMmapRwsem: Lock;
  /** The vmas mapping this file (the i_mmap interval tree, as a set). */
  readonly iMmap = new Set<Vma>();
  constructor(
    readonly kernel: Kernel,
    readonly name: string,
  ) {
    this.iMmapRwsem = new Lock("rwsem", "&mapping->i_mmap_rwsem", `${name} i_mmap_rwsem`);
  }
}

/** i_mmap_lock_read() (include/linux/fs.h). */
export function* iMmapLockReadSteps(mapping: AddressSpace): Steps<void> {
  checkMapping("iMmapLockRead", mapping);
  yield* acquire(mapping.iMmapRwsem, "read", "i_mmap_lock_read");
}
/** i_mmap_unlock_read(). */
export function* iMmapUnlockReadSteps(mapping: AddressSpace): Steps<void> {
  checkMapping("iMmapUnlockRead", mapping);
  yield* release(mapping.iMmapRwsem, "read", "i_mmap_unlock_read");
}
/** i_mmap_lock_write(). */
export function* iMmapLockWriteSteps(mapping: AddressSpace): Steps<void> {
  checkMapping("iMmapLockWrite", mapping);
  yield* acquire(mapping.iMmapRwsem, "write", "i_mmap_lock_write");
}
/** i_mmap_unlock_write(). */
export function* iMmapUnlockWriteSteps(mapping: AddressSpace): Steps<void> {
  checkMapping("iMmapUnlockWrite", mapping);
  yield* release(mapping.iMmapRwsem, "write", "i_mmap_unlock_write");
}

export const iMmapLockRead = plainForm("iMmapLockRead", kernelOfMapping, iMmapLockReadSteps);
export const iMmapUnlockRead = plainForm("iMmapUnlockRead", kernelOfMapping, iMmapUnlockReadSteps);

/** `mapping` is an address_space, or a PfnlabError naming `fn` (validate.ts re-exports it: it imports this file). */
export function checkMapping(fn: string, mapping: unknown): asserts mapping is AddressSpace {
  if (!(mapping instanceof AddressSpace))
    throw new PfnlabError(
      fn,
      "mapping",
      mapping,
      "is not an address_space (kernel.createAddressSpace(), or a device's mapping)",
    );
}

/** The kernel a plain call on `mapping` runs in, after checking that it is an address_space. */
export function kernelOfMapping(fn: string, mapping: unknown): Kernel {
  checkMapping(fn, mapping);
  return mapping.kernel;
}
