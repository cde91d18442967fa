/**
 * /proc/lock_stat for a notebook: the kernel's 221-column text does not fit an output
 * area (it wraps into noise at ~116 columns), so the html part is a table of the same
 * numbers (one row per lock class and mode, times in µs as the kernel prints them), with
 * the kernel's own text folded underneath; text/plain is the kernel's text.
 */
import { formatLockStat, lockStatTime, type LockStatData } from "../sched/lockstat";
import { displayBundle, preBundle, tableBundle, type TableBundle, type TableColumn } from "./table";

/** One lock_stat line as a table row (times as the kernel prints them, in µs). */
export interface LockStatTableRow {
  "class name": string;
  "con-bounces": number;
  contentions: number;
  "waittime-min": string;
  "waittime-max": string;
  "waittime-total": string;
  "waittime-avg": string;
  "acq-bounces": number;
  acquisitions: number;
  "holdtime-min": string;
  "holdtime-max": string;
  "holdtime-total": string;
  "holdtime-avg": string;
}

/** lock_stat's rows (LockStatData.rows) in lock_stat's column names. */
export function lockStatRows(data: LockStatData): LockStatTableRow[] {
  if (!data || !Array.isArray(data.rows))
    throw new Error("lockStatRows: data must be lock_stat data (LockStat.data() or a run's lockStat)");
  return data.rows.map((r) => ({
    "class name": r.mode ? `${r.className}-${r.mode}` : r.className,
    "con-bounces": r.conBounces,
    contentions: r.contentions,
    "waittime-min": lockStatTime(r.waittimeMin),
    "waittime-max": lockStatTime(r.waittimeMax),
    "waittime-total": lockStatTime(r.waittimeTotal),
    "waittime-avg": lockStatTime(r.waittimeAvg),
    "acq-bounces": r.acqBounces,
    acquisitions: r.acquisitions,
    "holdtime-min": lockStatTime(r.holdtimeMin),
    "holdtime-max": lockStatTime(r.holdtimeMax),
    "holdtime-total": lockStatTime(r.holdtimeTotal),
    "holdtime-avg": lockStatTime(r.holdtimeAvg),
  }));
}

export interface LockStatBundleOptions {
  /** A line above the table, e.g. "PUD leaves, 8 tasks". */
  caption?: string;
}

/** The bundle: html table + the kernel's text folded; text/plain = the kernel's text. */
export function lockStatBundle(data: LockStatData, opts: LockStatBundleOptions = {}): TableBundle {
  // lock_stat's 13 columns do not fit 960 px as a table either: the four wait times and
  // the four hold times share a cell each (min / max / total / avg, µs).
  const times = (...t: string[]): string => t.join(" / ");
  const rows = lockStatRows(data).map((r) => ({
    "class name": r["class name"],
    "con-bounces": r["con-bounces"],
    contentions: r.contentions,
    waittime: times(r["waittime-min"], r["waittime-max"], r["waittime-total"], r["waittime-avg"]),
    "acq-bounces": r["acq-bounces"],
    acquisitions: r.acquisitions,
    holdtime: times(r["holdtime-min"], r["holdtime-max"], r["holdtime-total"], r["holdtime-avg"]),
  }));
  // Fixed widths that fit 960 px: a class name on one line, a time quadruple per cell.
  const count = (key: string, width: string): TableColumn => ({ key, align: "right", width });
  const columns: TableColumn[] = [
    { key: "class name", code: true, nowrap: true, width: "19%" },
    count("con-bounces", "9%"),
    count("contentions", "10%"),
    { key: "waittime", header: "waittime (µs) min / max / total / avg", align: "right", width: "22%" },
    count("acq-bounces", "9%"),
    count("acquisitions", "10%"),
    { key: "holdtime", header: "holdtime (µs) min / max / total / avg", align: "right", width: "21%" },
  ];
  const table = tableBundle(rows, { columns, caption: opts.caption, emphasize: (r) => r.contentions > 0 });
  const text = formatLockStat(data);
  const kernel = preBundle(text, {
    collapsed: "the same as the kernel prints it (/proc/lock_stat, 221 columns, with the contention points)",
  });
  return {
    "text/html": `${table["text/html"]}\n${kernel["text/html"]}`,
    "text/plain": opts.caption ? `${opts.caption}\n${text}` : text,
  };
}

/** Displays lock_stat data as a table, with the kernel's own text one click away. */
export function showLockStat(data: LockStatData, opts: LockStatBundleOptions = {}): TableBundle | undefined {
  return displayBundle(lockStatBundle(data, opts));
}
