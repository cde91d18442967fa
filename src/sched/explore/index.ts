export {
  explore,
  replay,
  simulate,
  exploreJson,
  traceLines,
  resolveScenario,
} from "./explorer";
export { STRATEGIES, REDUCTIONS } from "./explore-options";
export type {
  ExploreOptions,
  ExploreResult,
  FailureReport,
  ReplayOptions,
  SimulateOptions,
  StrategyName,
  ReductionName,
} from "./explorer";
export { manual, ManualRun } from "./manual";
export type { ManualOption, ManualOptions } from "./manual";
export { runControlled, runTimedOnce, prepareRun, finishRun, prefixChooser } from "./runner";
export type { RunOptions, RunReport } from "./runner";
export {
  encodeSchedule,
  decodeSchedule,
  formatReplay,
  parseReplay,
  encodeParams,
  ReplayStringError,
} from "./replay-string";
export type { ParsedReplay } from "./replay-string";
export { shrinkFailure } from "./shrink";
export type { ShrinkResult } from "./shrink";
export { DfsStrategy } from "./dfs";
export { DporStrategy, SleepBlocked } from "./dpor";
export { conflicts, footprintOf } from "./footprint";
export { PAGE_TABLES } from "../effect";
export type { Footprint } from "./footprint";
export { formatProgress } from "./progress";
export type { ExploreProgress } from "./progress";
export { PctStrategy } from "./pct";
export { RandomStrategy } from "./random";
export type { Strategy } from "./strategy";
export { stepTree } from "./step-tree";
export type { StepTree, StepNode, StepTaskView, StepLockView, StepTreeOptions } from "./step-tree";
