/** Figure builders: each returns a plain plotly figure {data, layout} (JSON, restylable). */
export { lockTimesBoxPlot, type LockClassTimes, type LockTimesInput } from "./lock-times-box-plot";
export {
  lockTimeline,
  timelineRow,
  type LockInterval,
  type TimelineMarker,
  type LockTimelineInput,
} from "./lock-timeline";
export { outcomeBars, type OutcomeGroup, type OutcomeBarsInput } from "./outcome-bars";
export { scalingFigure, type ScalingSeries, type ScalingInput, type ScalingUnit } from "./scaling-figure";
export { pageTableWalkDiagram, type WalkLevelStep, type WalkDiagramInput } from "./page-table-walk-diagram";
export { physMemoryMap, type PhysRegion, type PhysMemoryMapInput } from "./phys-memory-map";
export {
  virtToPhysLayout,
  type VirtRange,
  type PhysRange,
  type VirtPhysMapping,
  type VirtToPhysInput,
} from "./virt-to-phys-layout";
export {
  faultLevelsFigure,
  faultRuns,
  LEAF_BYTES,
  type FaultRecord,
  type FaultLevelsRow,
  type FaultLevelsInput,
  type FaultRun,
} from "./fault-levels-figure";
export { formatBytes, hex } from "./format";
