/** Figure builders: each returns a plain plotly figure {data, layout} (JSON, restylable). */
export { lockTimesBoxPlot, type LockClassTimes, type LockTimesInput } from "./lockTimesBoxPlot";
export { lockTimeline, timelineRow, type LockInterval, type TimelineMarker, type LockTimelineInput } from "./lockTimeline";
export { outcomeBars, type OutcomeGroup, type OutcomeBarsInput } from "./outcomeBars";
export { scalingFigure, type ScalingSeries, type ScalingInput } from "./scalingFigure";
export { pageTableWalkDiagram, type WalkLevelStep, type WalkDiagramInput } from "./pageTableWalkDiagram";
export { physMemoryMap, type PhysRegion, type PhysMemoryMapInput } from "./physMemoryMap";
export { virtToPhysLayout, type VirtRange, type PhysRange, type VirtPhysMapping, type VirtToPhysInput } from "./virtToPhysLayout";
export { faultLevelsFigure, faultRuns, LEAF_BYTES, type FaultRecord, type FaultLevelsRow, type FaultLevelsInput, type FaultRun } from "./faultLevelsFigure";
export { formatBytes, hex } from "./format";
