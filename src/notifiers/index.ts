/** MMU notifiers (mm/mmu_notifier.c). Interval notifiers and secondary MMUs build on this. */
export {
  MmuNotifierSubscriptions,
  mmuNotifierRegister,
  mmuNotifierUnregister,
  mmuNotifierUnregisterSteps,
  mmHasNotifiers,
  mmuNotifierInvalidateRangeStartSteps,
  mmuNotifierInvalidateRangeEndSteps,
  mmuNotifierReleaseSteps,
} from "./mmu-notifier";
export type { MmuNotifier, MmuNotifierOps, MmuNotifierRange, MmuNotifierEvent } from "./mmu-notifier";
