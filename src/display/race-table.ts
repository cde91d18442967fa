/**
 * A replayed race as a table, one row per scheduling step: which task ran, at which site
 * of which mirror file, what it did and what the sanitizer said (notebook 04).
 */
import { isBugOutcome } from "../checks/pfn-events";
import type { RaceTrace } from "../scenarios/mm/compare";
import { mirrorsOfTrace } from "../scenarios/mm/mirrors";
import { clip, contextSwitches, describeRecord, sanitizerEventOf } from "./race-records";
import { displayBundle, tableBundle, type TableBundle } from "./table";

/** One row of a replayed race: which task ran, at which site of which mirror file, and what happened. */
export interface RaceTableRow {
  step: number;
  task: string;
  /** The effect's site, e.g. "followPfnmapStart: pmdp_get_lockless". */
  site: string;
  /** Kernel function the site belongs to (from the step's call stack, scenarios/mm/mirrors.ts), or "". */
  kernelFn: string;
  /** Our model's source file, with the line when the trace captured it ("src/mm/follow.ts:201"), or "". */
  mirrorFile: string;
  /** What the step did, in words. */
  what: string;
  /** The sanitizer's verdicts made during this step ("lookup stale-pfn: ..."), joined by "; ". */
  verdict: string;
  /** A context switch to this task happens at this step: "preemption" or "switch", else "". */
  switchIn: string;
  /**
   * A verdict of this step is a bug (stale-pfn, use-after-free, misuse), from the sanitizer's
   * events. Not enumerable: the row's JSON keeps its recorded shape (test/golden).
   */
  readonly bad?: boolean;
}

/** Marks a row as holding a bug verdict, without adding a key to its JSON. */
function markBad(row: RaceTableRow): void {
  Object.defineProperty(row, "bad", { value: true, enumerable: false });
}

/** The replayed race as table rows, one per scheduling step (notes folded into the verdict column). */
export function raceTable(trace: RaceTrace): RaceTableRow[] {
  const switches = new Map(contextSwitches(trace).map((c) => [c.step, c]));
  const rows: RaceTableRow[] = [];
  const mirrors = mirrorsOfTrace(trace.report.trace);
  for (const [i, r] of trace.report.trace.entries()) {
    if (r.kind === "note") {
      const n = sanitizerEventOf(r);
      const row = rows[rows.length - 1];
      if (!row || !n) continue;
      const v = `${n.kind === "retry" ? "retried" : `${n.kind}${n.outcome ? ` ${n.outcome}` : ""}`}: ${n.detail}`;
      row.verdict = row.verdict ? `${row.verdict}; ${v}` : v;
      if (isBugOutcome(n.outcome)) markBad(row);
      continue;
    }
    if (r.kind === "done") {
      const row = rows[rows.length - 1];
      if (row && row.task === r.task) row.what += `, then returns${r.returned !== undefined ? ` (${r.returned})` : ""}`;
      continue;
    }
    const m = mirrors[i];
    const sw = switches.get(r.step);
    rows.push({
      step: r.step,
      task: r.task,
      site: r.site,
      kernelFn: m?.fn ?? "",
      mirrorFile: r.at ?? m?.file ?? "",
      what: describeRecord(r),
      verdict: "",
      switchIn: sw ? (sw.preemption ? "preemption" : "switch") : "",
    });
  }
  return rows;
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/**
 * The rows as a markdown table (for tslab's display.markdown). Preemptions are marked
 * with ⚡ in the step column, verdicts other than ok in bold.
 */
export function raceTableMarkdown(rows: readonly RaceTableRow[], opts: { maxSite?: number } = {}): string {
  if (!Array.isArray(rows)) throw new Error("raceTableMarkdown: rows must be an array of RaceTableRow (see raceTable)");
  const max = opts.maxSite ?? 70;
  const head =
    "| step | task | site in our mirror | mirror line (kernel function) | what happened | sanitizer |\n|---:|---|---|---|---|---|";
  const body = rows.map((r) => {
    const step = r.switchIn === "preemption" ? `⚡ ${r.step}` : String(r.step);
    const file = r.mirrorFile ? `\`${r.mirrorFile}\` (${r.kernelFn})` : "";
    const verdict = r.verdict ? (r.bad ? `**${cell(r.verdict)}**` : cell(r.verdict)) : "";
    return `| ${step} | ${cell(r.task)} | \`${cell(clip(r.site, max))}\` | ${cell(file)} | ${cell(r.what)} | ${verdict} |`;
  });
  return [head, ...body].join("\n");
}

/** The rows as fixed-width text (for console.log and tests). */
export function raceTableText(rows: readonly RaceTableRow[], opts: { maxSite?: number } = {}): string {
  const max = opts.maxSite ?? 60;
  const tw = Math.max(4, ...rows.map((r) => r.task.length));
  return rows
    .map((r) => {
      const mark = r.switchIn === "preemption" ? "*" : " ";
      const verdict = r.verdict ? `  => ${r.verdict}` : "";
      return `${mark}${String(r.step).padStart(3)} ${r.task.padEnd(tw)} ${clip(r.site, max).padEnd(max)} ${r.mirrorFile.padEnd(42)} ${r.what}${verdict}`;
    })
    .join("\n");
}

/**
 * The rows as a rich table (html + text/plain): step (⚡ marks a preemption), task, site,
 * mirror line, what happened, sanitizer verdict; rows with a bug verdict in bold.
 * `showRaceTable` displays it in a notebook; `raceTableBundle` returns it.
 */
export function raceTableBundle(
  rows: readonly RaceTableRow[],
  opts: { maxSite?: number; caption?: string } = {},
): TableBundle {
  if (!Array.isArray(rows)) throw new Error("showRaceTable: rows must be an array of RaceTableRow (see raceTable)");
  const max = opts.maxSite ?? 60;
  const shown = rows.map((r) => ({
    step: r.switchIn === "preemption" ? `⚡${r.step}` : String(r.step),
    task: r.task,
    site: clip(r.site, max),
    mirror: r.mirrorFile ? `${r.mirrorFile}${r.kernelFn ? ` (${r.kernelFn})` : ""}` : "",
    what: r.what,
    verdict: r.verdict,
    bad: r.bad === true,
  }));
  return tableBundle(shown, {
    caption: opts.caption,
    columns: [
      { key: "step", align: "right", nowrap: true, width: "6%" },
      { key: "task", width: "8%" },
      { key: "site", header: "site in our mirror", code: true, width: "23%" },
      { key: "mirror", header: "mirror line (kernel function)", code: true, width: "22%" },
      { key: "what", header: "what happened", width: "16%" },
      { key: "verdict", header: "sanitizer", width: "25%" },
    ],
    emphasize: (r) => r.bad,
  });
}

/** Displays raceTable rows as a table (see raceTableBundle). */
export function showRaceTable(
  rows: readonly RaceTableRow[],
  opts: { maxSite?: number; caption?: string } = {},
): TableBundle | undefined {
  return displayBundle(raceTableBundle(rows, opts));
}
