/**
 * The experiments behind notebook 03-huge-pfnmaps: which leaf level faults get for a
 * given alignment (fault-levels.ts), page-table memory and fault counts vs BAR size by
 * leaf size (page-table-scaling.ts), and lock contention of follow_pfnmap lookups on PUD,
 * PMD and PTE leaves under simulated time (lookup-contention.ts).
 */
export {
  faultLevelsByAlignment,
  faultLevelsForCase,
  alignmentCaseLabel,
  underEachRule,
  VFIO_ALIGN_RULES,
  FAULT_LEVELS_BASE_VA,
} from "./fault-levels";
export type { AlignmentCase, FaultLevelsResult, WrongPfnLeaf, TouchOrder } from "./fault-levels";
export { pageTableScaling, measurePageTables, scalingSeries, sizeSweep } from "./page-table-scaling";
export type { PageTablePoint, PageTableScalingOptions, ScalingLeaf } from "./page-table-scaling";
export {
  lookupContention,
  lookupContentionSweep,
  leafLockClass,
  resolveContentionOptions,
} from "./lookup-contention";
export type {
  LookupContentionOptions,
  LookupContentionResult,
  ResolvedContentionOptions,
  LeafLockSummary,
  ContentionLeaf,
  AddressPattern,
  ContentionSweepPoint,
} from "./lookup-contention";
