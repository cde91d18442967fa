/**
 * The trace: one record per executed effect (and per wake-up, note, task end), in
 * execution order. Formatting is a pure function of the records, so the same scenario
 * and schedule print byte-identical traces.
 */
import type { CostName, TraceEvent } from "./effect";

export type { TraceEvent };
import type { CallFrame } from "./call-site";
import type { LockMode } from "./lock";
import type { OwnedSite } from "./site";

export type TraceKind =
  | "step" // a costed step (page-table read/write, pfn use, ...)
  | "acquire" // lock taken without waiting
  | "contend" // lock busy: the task starts waiting (spinning or sleeping)
  | "acquired" // a waiting task got the lock and runs again
  | "release"
  | "mightSleep"
  | "cpuRelax"
  | "note" // text from the model
  | "done" // the task returned
  | "crash"; // the task threw

export interface TraceRecord {
  /** Scheduling step that produced the record (0-based; the replay string counts the same steps). */
  step: number;
  /** Simulated ns at which the effect started. */
  time: number;
  task: string;
  cpu: number;
  kind: TraceKind;
  /** The site as printed (an owned site's "owner: what"). */
  site: string;
  /** The parts of an owned site (site.ts): whose code it is, and what it does, as data. */
  siteParts?: OwnedSite;
  /** file:line of our model that yielded the effect (only while call sites are captured). */
  at?: string;
  /** The call stack behind `at`, innermost first (only while call sites are captured). */
  frames?: readonly CallFrame[];
  /** The lock as printed: its class, then its instance name in parentheses when they differ. */
  lock?: string;
  /** lock_stat / lockdep class of the lock, e.g. "ptlock (PMD)". */
  lockClass?: string;
  /** The lock instance, e.g. "proc pmd-table@0x7effc0000000" (the class again when it has no own name). */
  lockName?: string;
  mode?: LockMode;
  cost?: CostName;
  units?: number;
  /** Free text: note text, holders a task waits for, error message, return value. */
  text?: string;
  /** A checker's event behind a note, as data (the note's text is its printed form). */
  event?: TraceEvent;
  /** A done record's return value, shortened for display (its text is "returned " + this). */
  returned?: string;
}

/**
 * One record as one line: `step time task kind details @site`. `continued`: the record
 * belongs to the same step as the line above (a note, the task's end), so the step and time
 * columns are left blank: every printed step number is unique and the time column, the
 * start of each step, only grows (a task's end says when it finished in its text).
 */
export function formatTraceRecord(r: TraceRecord, taskWidth = 8, continued = false): string {
  const head = `${(continued ? "" : String(r.step)).padStart(4)} ${(continued ? "" : formatNs(r.time)).padStart(10)} ${r.task.padEnd(taskWidth)} ${r.kind.padEnd(10)}`;
  const parts: string[] = [];
  if (r.lock !== undefined) parts.push(`${r.lock}${r.mode ? ` [${r.mode === "read" ? "R" : "W"}]` : ""}`);
  if (r.cost !== undefined) parts.push(r.units === undefined ? r.cost : `${r.cost} x${r.units}`);
  if (r.text !== undefined) parts.push(r.text);
  if (continued && (r.kind === "done" || r.kind === "crash")) parts.push(`(at ${formatNs(r.time)})`);
  const at = r.site ? ` @ ${r.site}` : "";
  return `${head} ${parts.join(" ")}${at}`.trimEnd();
}

/** The column heads of formatted trace lines. */
export function traceHeader(taskWidth = 8): string {
  return `${"step".padStart(4)} ${"time".padStart(10)} ${"task".padEnd(taskWidth)} ${"what".padEnd(10)} details @ call site`;
}

/** Trace lines: the header, then one line per record (a step's number on its first record only). */
export function formatTraceLines(
  records: readonly TraceRecord[],
  taskWidth = Math.max(4, ...records.map((r) => r.task.length)),
): string[] {
  return [
    traceHeader(taskWidth),
    ...records.map((r, i) => formatTraceRecord(r, taskWidth, i > 0 && records[i - 1]!.step === r.step)),
  ];
}

/** A whole trace, task names padded to the longest, with its header. */
export function formatTrace(records: readonly TraceRecord[]): string {
  return formatTraceLines(records).join("\n");
}

/** Simulated time for humans: integer ns below 10 µs, then µs with 2 decimals. */
export function formatNs(ns: number): string {
  if (ns < 10000) return `${Math.round(ns)}ns`;
  return `${(Math.round(ns / 10) / 100).toFixed(2)}us`;
}
