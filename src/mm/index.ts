/**
 * The mm model: physical memory, x86-64 page tables, vmas, IO/PFN mappings with PTE,
 * PMD and PUD leaves, faults, zaps, follow_pfnmap_start/end (v6.12 and fixed), the legacy
 * follow_pte, vm_normal_page, GUP, and the checker rules of the follow_pfnmap API.
 *
 * Naming: every mirrored kernel function has a plain form `foo(...)` (runs at once in the
 * kernel's task "main") and a stepwise form `fooSteps(...)` for the scheduler.
 */
export * from "./constants";
export * from "./errors";
export { PfnlabError, formatValue } from "./model-error";
export {
  _PAGE_PRESENT,
  _PAGE_RW,
  _PAGE_USER,
  _PAGE_PWT,
  _PAGE_PCD,
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_PSE,
  _PAGE_PAT,
  _PAGE_GLOBAL,
  _PAGE_SPECIAL,
  _PAGE_PAT_LARGE,
  _PAGE_TABLE,
  PAGE_NONE,
  PAGE_SHARED,
  PAGE_COPY,
  PAGE_READONLY,
  pgprotNoncached,
  pgprotWritecombine,
  mkEntry,
  entryPfn,
  entryFlags,
  entryNone,
  entryPresent,
  entryHugeLeaf,
  entryWrite,
  entrySpecial,
  entryFlagNames,
  describeEntry,
  cacheModeName,
} from "./pte";
export { PhysMem } from "./physmem";
export type { Page, PageUse, IoRegion, RetiredRange, PfnInfo, AddIoRegionOptions } from "./physmem";
export { Kernel, createKernel } from "./kernel";
export type { KernelOptions, ResolvedKernelOptions, FollowPfnmapVariant, TraceEntry } from "./kernel";
export { Mm } from "./mm";
export type { ActiveLookup } from "./mm";
export { Vma, isCowMapping, vmGetPageProt, linearPageIndex } from "./vma";
export type { VmOps, VmFile, Vmf, EntryRef, MaybeSteps } from "./vma";
export {
  AddressSpace,
  iMmapLockRead,
  iMmapUnlockRead,
  iMmapLockReadSteps,
  iMmapUnlockReadSteps,
  iMmapLockWriteSteps,
  iMmapUnlockWriteSteps,
} from "./mapping";
export {
  PageTablePage,
  LEVEL_SHIFT,
  ENTRY_SPAN,
  TABLE_SPAN,
  tableIndex,
  findTable,
  lookupLeaf,
  allTables,
  pudLockptr,
  pmdLockptr,
  pteLockptr,
} from "./pagetable";
export type { TableLevel, LeafLookup } from "./pagetable";
export { mmapSteps, getUnmappedArea } from "./mmap";
export type { MmapOptions } from "./mmap";
export { munmap, munmapSteps, splitVmaSteps, freePgtablesSteps } from "./munmap";
export {
  mmapReadLock,
  mmapReadUnlock,
  mmapWriteLock,
  mmapWriteUnlock,
  mmapReadLockSteps,
  mmapReadUnlockSteps,
  mmapWriteLockSteps,
  mmapWriteUnlockSteps,
} from "./mmap-lock";
export { remapPfnRange, remapPfnRangeSteps } from "./remap";
export {
  vmfInsertPfn,
  vmfInsertPfnSteps,
  vmfInsertPfnPmd,
  vmfInsertPfnPmdSteps,
  vmfInsertPfnPud,
  vmfInsertPfnPudSteps,
} from "./insert";
export { vmInsertPage, vmInsertPageSteps } from "./insert-page";
export {
  handleMmFault,
  handleMmFaultSteps,
  doUserAddrFault,
  doUserAddrFaultSteps,
  fixupUserFault,
  fixupUserFaultSteps,
} from "./fault";
export {
  zapVmaPtes,
  zapVmaPtesSteps,
  zapPageRangeSingleSteps,
  unmapMappingRange,
  unmapMappingRangeSteps,
  unmapPageRangeSteps,
} from "./zap";
export type { ZapStats, ZapOptions } from "./zap";
export {
  followPfnmapStart,
  followPfnmapStartSteps,
  followPfnmapEnd,
  followPfnmapEndSteps,
  pteOffsetMapLockSteps,
} from "./follow";
export { FOLLOW_REASONS } from "./follow-levels";
export { FollowPfnmapArgs, followPfnmapArgs } from "./follow-args";
export type { FollowPfnmapInputs, FollowPfnmapOutputs, FollowState, LeafLevel } from "./follow-args";
export { followPte, followPteSteps, ptepGet, ptepGetSteps, pteUnmapUnlock, pteUnmapUnlockSteps } from "./follow-pte";
export type { FollowPteOut } from "./follow-pte";
export { vmNormalPage, vmNormalPageWhy, highestMemmapPfn } from "./normal-page";
export type { NormalPageResult } from "./normal-page";
export { getUserPages, getUserPagesSteps, pinUserPages, unpinUserPage } from "./gup";
export type { GupResult } from "./gup";
export { explainWalk, walkData } from "./explain";
export { mappedLeaves } from "./leaves";
export type { MappedLeaf } from "./leaves";
export type { WalkExplanation, WalkLevel } from "./explain";
export { PFNMAP_RULES, pfnmapLockdepAssert } from "./pfnmap-checks";
export { VfioPciBarDevice, createVfioPciBarDevice } from "./vfio-device";
export type { VfioAlignRule, VfioPciBarOptions, MmapBarOptions } from "./vfio-device";
