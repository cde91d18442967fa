/**
 * Reading a replayed race for the figures: what one trace record did in words, the
 * sanitizer's event behind a note, and the schedule's context switches (which of them are
 * preemptions). Shared by the race table and the step chart.
 */
import type { RaceTrace } from "../scenarios/mm/compare";
import type { TraceEvent, TraceRecord } from "../sched/trace";

const COST_WORDS: Record<string, string> = {
  ptRead: "reads a page-table entry",
  ptWrite: "writes a page-table entry",
  pfnUse: "touches the memory behind the pfn",
  tlbFlush: "flushes the TLB",
  iommuMap: "changes the IOMMU page table",
  ioremap: "maps the pfn into the kernel (ioremap)",
  memcpy: "copies through the mapping",
  notifier: "calls an MMU notifier",
  work: "works",
};

/** What one trace record did, in words ("takes ptlock (PMD) [W]", "reads a page-table entry"). */
export function describeRecord(r: TraceRecord): string {
  const lock = r.lockClass ?? r.lock ?? "";
  const mode = r.mode ? ` [${r.mode === "read" ? "R" : "W"}]` : "";
  switch (r.kind) {
    case "acquire":
      return `takes ${lock}${mode}`;
    case "contend":
      return `waits for ${lock}${mode}`;
    case "acquired":
      return `gets ${lock}${mode} after waiting`;
    case "release":
      return `drops ${lock}`;
    case "step":
      return COST_WORDS[r.cost ?? "work"] ?? String(r.cost);
    case "mightSleep":
      return "may sleep here (might_sleep)";
    case "cpuRelax":
      return "yields, will try again";
    case "done":
      return r.text ?? "returns";
    case "crash":
      return `crashes: ${r.text ?? ""}`;
    default:
      return r.text ?? r.kind;
  }
}

/** The sanitizer's event behind a trace record (a note), or null for other records. */
export function sanitizerEventOf(r: TraceRecord): TraceEvent | null {
  return r.event?.source === "sanitizer" ? r.event : null;
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** One context switch of a replayed schedule. */
export interface ContextSwitch {
  /** First step of the task switched to. */
  step: number;
  from: string;
  to: string;
  /** True when `from` could have gone on (it runs again later and had not blocked or yielded): a preemption. */
  preemption: boolean;
}

/** The schedule's context switches; the preemptions among them are what the preemption bound counts. */
export function contextSwitches(trace: RaceTrace): ContextSwitch[] {
  const recs = trace.report.trace;
  const schedule = trace.report.schedule;
  const names = trace.report.taskNames;
  const out: ContextSwitch[] = [];
  for (let s = 1; s < schedule.length; s++) {
    const from = names[schedule[s - 1]!]!;
    const to = names[schedule[s]!]!;
    if (from === to) continue;
    const runsAgain = schedule.slice(s).some((id) => names[id] === from);
    const last = [...recs].reverse().find((r) => r.task === from && r.step < s && r.kind !== "note");
    const stopped = last !== undefined && (last.kind === "contend" || last.kind === "cpuRelax" || last.kind === "done");
    out.push({ step: s, from, to, preemption: runsAgain && !stopped });
  }
  return out;
}
