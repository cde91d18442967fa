/**
 * pfnlab's public API: what notebooks import as `import { ... } from "pfnlab"`.
 *
 * Curated, not `export *`: exactly the names notebooks/, course/, the grader prelude and
 * the docs use, plus the documented few (PfnlabError, the fault flags, the Steps
 * vocabulary). Internals (SimTask, Pending, EventHeap, ...) stay inside; tests import them
 * from src/ paths. Fewer declarations also means less for tslab to type-check per cell.
 * test/architecture/public-api.test.ts holds this list to what the notebooks use.
 */
import "./source-maps";
import { installCellErrors } from "./notebook/cell-errors";

// The mm model: kernel, vmas, page tables, the pfnmap API and its stepwise twins, constants.
export {
  cacheModeName,
  createKernel,
  createVfioPciBarDevice,
  describeEntry,
  doUserAddrFault,
  entryFlagNames,
  entryPfn,
  errnoName,
  explainWalk,
  FAULT_FLAG_USER,
  FAULT_FLAG_WRITE,
  findTable,
  followPfnmapArgs,
  FollowPfnmapArgs,
  followPfnmapEnd,
  followPfnmapEndSteps,
  followPfnmapStart,
  followPte,
  getUserPages,
  hex,
  Kernel,
  lookupLeaf,
  mappedLeaves,
  mmapReadLock,
  mmapReadLockSteps,
  mmapReadUnlock,
  mmapReadUnlockSteps,
  PAGE_SHARED,
  PAGE_SIZE,
  PfnlabError,
  PMD_SIZE,
  ptepGet,
  pteUnmapUnlock,
  PUD_SIZE,
  remapPfnRange,
  SZ_16M,
  SZ_1G,
  SZ_1M,
  SZ_2M,
  tableIndex,
  VM_DONTDUMP,
  VM_DONTEXPAND,
  VM_IO,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_MIXEDMAP,
  VM_PFNMAP,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  Vma,
  vmFaultName,
  vmfInsertPfn,
  vmfInsertPfnPmd,
  vmfInsertPfnPud,
  vmfInsertPfnSteps,
  vmFlagNames,
  vmInsertPage,
  vmNormalPageWhy,
  walkData,
  zapVmaPtes,
} from "./mm/index";
export type { FollowPfnmapVariant, FollowPteOut, Vmf, VmOps } from "./mm/index";

// MMU notifiers and the secondary-MMU callers the exercises build on.
export {
  Iommu,
  mmuIntervalNotifierInsert,
  mmuIntervalReadBeginSteps,
  mmuIntervalReadRetry,
  mmuIntervalSetSeq,
  startAndClassify,
} from "./notifiers/index";
export type { CallerEnv, CallerInstance } from "./notifiers/index";

// The scheduler: effects for Steps functions, locks, exploring and replaying schedules.
export {
  acquire,
  cpuRelax,
  current,
  DEFAULT_COSTS,
  explore,
  formatProgress,
  Lock,
  manual,
  mightSleep,
  Prng,
  release,
  replay,
  runSteps,
  step,
  stepTree,
} from "./sched/index";
export type { RunReport, Steps } from "./sched/index";

// Scenarios and the experiments the notebooks run (importing it registers the scenarios).
export {
  faultLevelsByAlignment,
  paramGridCases,
  tallyOutcomes,
  worstOutcomes,
  getScenario,
  lookupContention,
  lookupContentionSweep,
  pageTableScaling,
  raceTrace,
  scalingSeries,
  sizeSweep,
  underEachRule,
} from "./scenarios/index";
export type { Scenario } from "./scenarios/index";

// Figures and tables for notebook cells.
export {
  faultLevelsResultFigure,
  addressSpaceFigure,
  callerOutcomeBars,
  contentionSweepFigure,
  countByCause,
  countsText,
  lockScope,
  lockScopeFigure,
  lockTimelineFigure,
  lockTimesFigure,
  lookupCause,
  lookupOutcomeBars,
  lookupStripFigure,
  physMemoryFigure,
  raceStepChart,
  raceTable,
  scalingFigure,
  show,
  showLockStat,
  showRaceTable,
  showTable,
  sweepLookups,
  touchFigure,
  touchSeries,
  vmaLeafStrip,
  walkDiagram,
  walkFigure,
} from "./display/index";

// The exercises' worlds and checks (course/05-exercises).
export {
  checkClassify,
  checkEinval,
  checkFixMisuse,
  checkPfnLock,
  checkPgtableBytes,
  checkPudAlign,
  checkRaceBound,
  checkRaceByHand,
  checkSafeCaller,
  CLASSIFY_CLASSES,
  classifyCase,
  EINVAL_CAUSES,
  misuseWorld,
  pfnLockWorld,
  pudWindow,
  requireClassify,
  requireEinval,
  requireFixMisuse,
  requirePfnLock,
  requirePgtableBytes,
  requirePudAlign,
  requireRaceBound,
  requireRaceByHand,
  requireSafeCaller,
  safeCallerScenario,
} from "./grading/exercises/index";

// The recorded real-kernel oracle.
export { oracleSummary } from "./oracle/record";

// Errors in cells.
export { cellErrorDetails, showStepper } from "./notebook/index";

// In a tslab kernel, errors in cells show the message and the student's line (notebook/cell-errors.ts).
installCellErrors();
