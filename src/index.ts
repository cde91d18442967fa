/** pfnlab's public API: what notebooks import as `import { ... } from "pfnlab"`. */
import "./source-maps";
import { installCellErrors } from "./notebook/cell-errors";
export * from "./mm/index";
export * from "./notifiers/index";
export * from "./sched/index";
export * from "./scenarios/index";
export * from "./display/index";
export * from "./checks/index";
export * from "./grading/exercises/index";
export { loadOracleRecord, oracleSummary, oracleHeadline } from "./oracle/record";
export type { OracleRecord } from "./oracle/record";
export { cellErrorDetails } from "./notebook/index";

// In a tslab kernel, errors in cells show the message and the student's line (notebook/cell-errors.ts).
installCellErrors();
