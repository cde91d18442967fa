/** pfnlab's display: show plotly figures in notebooks, render PNGs, build the teaching figures. */
export type { PlotlyFigure, PlotlyTrace, PlotlyLayout } from "./types";
export { show, type ShownBundle } from "./show";
export {
  figureBundle,
  figureOutput,
  figureSummary,
  PLOTLY_MIME,
  type FigureBundle,
  type FigureOutput,
  type ShowOptions,
} from "./bundle";
export { htmlOutput, LOADER_JS, PLOTLY_SERVER_PATH } from "./html-output";
export {
  lockStatRows,
  lockStatBundle,
  showLockStat,
  type LockStatTableRow,
  type LockStatBundleOptions,
} from "./lockstat-table";
export {
  showTable,
  tableBundle,
  showPre,
  preBundle,
  countsText,
  type TableColumn,
  type TableOptions,
  type TableBundle,
  type TableCell,
  type PreOptions,
} from "./table";
export { renderPng, renderSvg, type PngOptions } from "./png/render-png";
export { pngFontsAvailable } from "./png/fonts";
export { tslabDisplayWriter, inTslabKernel } from "./tslab-channel";
// The theme as a namespace (theme.baseLayout, theme.UNITS, ...) so its generic names
// cannot clash with other folders' exports; the most used parts also at top level.
export * as theme from "./theme";
export { outcomeColor, lockClassColor, OUTCOME_CLASSES, type OutcomeClass } from "./theme";
export {
  lockTimesBoxPlot,
  lockTimeline,
  timelineRow,
  outcomeBars,
  scalingFigure,
  pageTableWalkDiagram,
  physMemoryMap,
  virtToPhysLayout,
  faultLevelsFigure,
  faultRuns,
} from "./figures/index";
// Input shapes of the builders live in the `figures` namespace (figures.PhysRegion, ...)
// for the same reason: names like PhysRange are likely to exist in the mm model too.
export * as figures from "./figures/index";
export { walkDiagram, physMemoryFigure, physRegions, layoutFigure, LAYOUT_FLAGS } from "./model-figures";
export * from "./mm-figures";
export { faultLevelsResultFigure } from "./fault-levels-result-figure";
export {
  lockClassTimes,
  lockTimesFigure,
  timelineIntervals,
  lockTimelineFigure,
  contentionSweepFigure,
  type LabelledLockStat,
  type TimelineOptions,
  type ContentionPoint,
} from "./sched-figures";
export {
  raceTable,
  raceTableMarkdown,
  raceTableText,
  raceTableBundle,
  showRaceTable,
  raceStepChart,
  contextSwitches,
  callerOutcomeBars,
  sanitizerEventOf,
  type RaceTableRow,
  type ContextSwitch,
  type RaceStepChartOptions,
  type CallerOutcomeBarsOptions,
} from "./race-figures";
export {
  showStepperTree,
  stepperOutputOf,
  packStepTree,
  unpackNode,
  stepperHtml,
  type StepperOutput,
  type PackedStepTree,
} from "./stepper/index";
