export { executeNotebook, describeFailures, headline, projectRoot } from "./execute";
export type { ExecuteOptions, ExecuteResult } from "./execute";
export { readNotebook, writeNotebook, cellFailures, cellsWithOutputs, joinText } from "./notebook";
export type { Notebook, NotebookCell, NotebookOutput, CellFailure } from "./notebook";
