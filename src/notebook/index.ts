/** Notebook-side behaviour of the package inside a tslab kernel (errors in cells). */
export { cellErrorDetails, formatCellError, installCellErrors, matchCellLine, readableJs } from "./cell-errors";
export type { CellCode } from "./cell-errors";
export { showStepper, stepperOutput } from "./stepper";
