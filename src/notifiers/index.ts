/** MMU notifiers (mm/mmu_notifier.c), interval notifiers, secondary MMUs and the callers of follow_pfnmap. */
export {
  mmuNotifierRegister,
  mmuNotifierUnregister,
  mmuNotifierUnregisterSteps,
  mmHasNotifiers,
  mmuNotifierInvalidateRangeStartSteps,
  mmuNotifierInvalidateRangeEndSteps,
  mmuNotifierReleaseSteps,
} from "../mm/mmu-notifier";
export type { MmuNotifier, MmuNotifierOps, MmuNotifierRange, MmuNotifierEvent } from "../mm/mmu-notifier";
export { MmuNotifierSubscriptions } from "../mm/subscriptions";
export type { MmuIntervalNotifier, MmuIntervalNotifierOps, NotifierHistoryEntry } from "../mm/subscriptions";
export {
  mmuIntervalNotifierInsert,
  mmuIntervalNotifierRemoveSteps,
  mmuIntervalReadBeginSteps,
  mmuIntervalReadRetry,
  mmuIntervalCheckRetry,
  mmuIntervalSetSeq,
  mnItreeIsInvalidating,
} from "../mm/interval-notifier";
export { Iommu } from "./iommu";
export type { IoPte, IommuMapOptions, DmaResult } from "./iommu";
export { KvmMmu, INVALID_GPA } from "./kvm-mmu";
export type { KvmMemslot, Spte } from "./kvm-mmu";
export * from "./callers/index";
