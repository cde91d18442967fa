/**
 * Lock statistics per lock class, in the columns of the kernel's /proc/lock_stat
 * (CONFIG_LOCK_STAT; Documentation/locking/lockstat.rst, kernel/locking/lockdep.c
 * __lock_contended/__lock_acquired/lock_release, kernel/locking/lockdep_proc.c seq_stats),
 * plus the raw samples for plots and a per-task timeline of holds and waits for a Gantt chart.
 *
 * Definitions, as in the kernel:
 *  - contentions = number of waits (waittime.nr); acquisitions = number of completed holds
 *    (holdtime.nr, counted at release, so a lock still held at the end is not counted);
 *  - acq-bounces: acquisitions on a CPU other than the one that took the lock last;
 *  - con-bounces: contentions where the lock was last taken on another CPU;
 *  - read (rwsem down_read) and write statistics are kept apart, printed as -R and -W lines;
 *  - up to 4 contention points (sites that had to wait) and 4 contending points (sites of
 *    the holder they waited for) per class, in first-seen order.
 * All times are simulated ns; the text format prints microseconds with 2 decimals as the
 * kernel does.
 */
import type { LockMode } from "./lock";

export interface LockTime {
  nr: number;
  min: number;
  max: number;
  total: number;
}

export interface LockModeStats {
  conBounces: number;
  waittime: LockTime;
  acqBounces: number;
  holdtime: LockTime;
}

export interface LockPoint {
  site: string;
  count: number;
}

export interface LockClassStats {
  className: string;
  read: LockModeStats;
  write: LockModeStats;
  contentionPoints: LockPoint[];
  contendingPoints: LockPoint[];
}

/** One printed line of lock_stat as data: the columns, in ns. `mode` is "" for a class with only write holds. */
export interface LockStatRow {
  className: string;
  mode: "R" | "W" | "";
  conBounces: number;
  contentions: number;
  waittimeMin: number;
  waittimeMax: number;
  waittimeTotal: number;
  waittimeAvg: number;
  acqBounces: number;
  acquisitions: number;
  holdtimeMin: number;
  holdtimeMax: number;
  holdtimeTotal: number;
  holdtimeAvg: number;
}

/** One raw hold or wait, for histograms. */
export interface LockSample {
  className: string;
  lock: string;
  task: string;
  mode: LockMode;
  kind: "hold" | "wait";
  ns: number;
}

/** One bar of the Gantt chart: a task holding or waiting for a lock from start to end. */
export interface TimelineSpan {
  task: string;
  lock: string;
  className: string;
  mode: LockMode;
  kind: "hold" | "wait";
  start: number;
  end: number;
  /** True when the run ended before the span did (deadlock, a lock never released): `end` is the run's end. */
  open?: boolean;
}

export const LOCKSTAT_POINTS = 4;

function emptyTime(): LockTime {
  return { nr: 0, min: 0, max: 0, total: 0 };
}

function emptyMode(): LockModeStats {
  return { conBounces: 0, waittime: emptyTime(), acqBounces: 0, holdtime: emptyTime() };
}

/** lock_time_inc(): min is the smallest sample (the first sample sets it). */
function timeInc(t: LockTime, ns: number): void {
  if (ns > t.max) t.max = ns;
  if (ns < t.min || t.nr === 0) t.min = ns;
  t.total += ns;
  t.nr++;
}

function bumpPoint(points: LockPoint[], site: string): void {
  const p = points.find((x) => x.site === site);
  if (p) p.count++;
  else if (points.length < LOCKSTAT_POINTS) points.push({ site, count: 1 });
}

/** Collects statistics, samples and the timeline during a run (the scheduler calls it). */
export class LockStat {
  private readonly classes = new Map<string, LockClassStats>();
  readonly samples: LockSample[] = [];
  readonly timeline: TimelineSpan[] = [];

  private cls(className: string): LockClassStats {
    let c = this.classes.get(className);
    if (!c) {
      c = { className, read: emptyMode(), write: emptyMode(), contentionPoints: [], contendingPoints: [] };
      this.classes.set(className, c);
    }
    return c;
  }

  /** lock_contended(): `site` waits; `holderSite` is where the current holder took it; `bounce` if last taken on another CPU. */
  contended(className: string, mode: LockMode, site: string, holderSite: string | undefined, bounce: boolean): void {
    const c = this.cls(className);
    if (bounce) c[mode].conBounces++;
    bumpPoint(c.contentionPoints, site);
    if (holderSite !== undefined) bumpPoint(c.contendingPoints, holderSite);
  }

  /** lock_acquired(): records the wait (if the acquisition waited) and an acquisition bounce. */
  acquired(
    className: string,
    lock: string,
    task: string,
    mode: LockMode,
    bounce: boolean,
    wait: { start: number; end: number } | null,
  ): void {
    const c = this.cls(className);
    if (bounce) c[mode].acqBounces++;
    if (wait) {
      const ns = wait.end - wait.start;
      timeInc(c[mode].waittime, ns);
      this.samples.push({ className, lock, task, mode, kind: "wait", ns });
      this.timeline.push({ task, lock, className, mode, kind: "wait", start: wait.start, end: wait.end });
    }
  }

  /** lock_release(): records the hold. */
  released(className: string, lock: string, task: string, mode: LockMode, start: number, end: number): void {
    const ns = end - start;
    timeInc(this.cls(className)[mode].holdtime, ns);
    this.samples.push({ className, lock, task, mode, kind: "hold", ns });
    this.timeline.push({ task, lock, className, mode, kind: "hold", start, end });
  }

  /** A hold or wait still going when the run ended (shown in the timeline only, as the kernel would not count it). */
  unfinished(
    className: string,
    lock: string,
    task: string,
    mode: LockMode,
    kind: "hold" | "wait",
    start: number,
    end: number,
  ): void {
    this.timeline.push({ task, lock, className, mode, kind, start, end, open: true });
  }

  /** Classes sorted as lock_stat sorts them: most contentions first (ties by name, to stay deterministic). */
  classStats(): LockClassStats[] {
    return [...this.classes.values()].sort((a, b) => {
      const d = b.read.waittime.nr + b.write.waittime.nr - (a.read.waittime.nr + a.write.waittime.nr);
      return d !== 0 ? d : a.className < b.className ? -1 : a.className > b.className ? 1 : 0;
    });
  }

  /** The printed lines as data (ns). */
  rows(): LockStatRow[] {
    const out: LockStatRow[] = [];
    for (const c of this.classStats()) {
      const both = c.read.holdtime.nr > 0 && c.write.holdtime.nr > 0;
      if (c.write.holdtime.nr > 0 || (c.read.holdtime.nr === 0 && c.write.waittime.nr > 0)) {
        out.push(row(c.className, both ? "W" : "", c.write));
      }
      if (c.read.holdtime.nr > 0 || (c.read.waittime.nr > 0 && c.read.holdtime.nr === 0))
        out.push(row(c.className, "R", c.read));
    }
    return out;
  }

  /** Timeline sorted by start, then task, then lock (stable for plots). */
  spans(): TimelineSpan[] {
    return [...this.timeline].sort(
      (a, b) => a.start - b.start || cmp(a.task, b.task) || cmp(a.lock, b.lock) || cmp(a.kind, b.kind),
    );
  }

  /** Everything, as plain data for plots and JSON. */
  data(): LockStatData {
    return { classes: this.classStats(), rows: this.rows(), samples: [...this.samples], timeline: this.spans() };
  }
}

export interface LockStatData {
  classes: LockClassStats[];
  rows: LockStatRow[];
  samples: LockSample[];
  timeline: TimelineSpan[];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function row(className: string, mode: LockStatRow["mode"], s: LockModeStats): LockStatRow {
  return {
    className,
    mode,
    conBounces: s.conBounces,
    contentions: s.waittime.nr,
    waittimeMin: s.waittime.min,
    waittimeMax: s.waittime.max,
    waittimeTotal: s.waittime.total,
    waittimeAvg: s.waittime.nr ? Math.floor(s.waittime.total / s.waittime.nr) : 0,
    acqBounces: s.acqBounces,
    acquisitions: s.holdtime.nr,
    holdtimeMin: s.holdtime.min,
    holdtimeMax: s.holdtime.max,
    holdtimeTotal: s.holdtime.total,
    holdtimeAvg: s.holdtime.nr ? Math.floor(s.holdtime.total / s.holdtime.nr) : 0,
  };
}

/** snprint_time(): ns as microseconds with two decimals, rounded the kernel's way (+5 ns, truncate). */
export function lockStatTime(ns: number): string {
  const n = Math.round(ns) + 5;
  const div = Math.floor(n / 1000);
  const rem = n % 1000;
  return `${div}.${String(Math.floor(rem / 10)).padStart(2, "0")}`;
}

const WIDTH = 40 + 1 + 12 * (14 + 1);
const line = (c: string, offset: number, length: number): string => " ".repeat(offset) + c.repeat(length);

/**
 * The statistics as /proc/lock_stat prints them (lock_stat version 0.4): header, one line
 * per class and mode, then the contention and contending points. Call sites take the
 * place of the kernel's [<ip>] symbol column.
 */
export function formatLockStat(stat: LockStat | LockStatData): string {
  const classes = stat instanceof LockStat ? stat.classStats() : stat.classes;
  const out: string[] = ["lock_stat version 0.4", line("-", 0, WIDTH)];
  const heads = [
    "con-bounces",
    "contentions",
    "waittime-min",
    "waittime-max",
    "waittime-total",
    "waittime-avg",
    "acq-bounces",
    "acquisitions",
    "holdtime-min",
    "holdtime-max",
    "holdtime-total",
    "holdtime-avg",
  ];
  out.push(`${"class name".padStart(40)} ${heads.map((h) => h.padStart(14)).join(" ")}`);
  out.push(line("-", 0, WIDTH), "");
  for (const c of classes) {
    const name = c.className.slice(0, 37);
    const hasRead = c.read.holdtime.nr > 0;
    const hasWrite = c.write.holdtime.nr > 0;
    if (hasWrite) out.push(`${hasRead ? `${name.padStart(38)}-W:` : `${name.padStart(40)}:`}${modeColumns(c.write)}`);
    if (hasRead) out.push(`${name.padStart(38)}-R:${modeColumns(c.read)}`);
    if (c.read.waittime.nr + c.write.waittime.nr === 0) continue;
    const namelen = name.length + (hasRead ? 2 : 0);
    for (const pts of [c.contentionPoints, c.contendingPoints]) {
      pts.forEach((p, i) => {
        if (i === 0) out.push(line("-", 40 - namelen, namelen));
        out.push(`${name.padStart(40)} ${String(p.count).padStart(14)} ${"[<sim>]".padStart(29)} ${p.site}`);
      });
    }
    out.push("", line(".", 0, WIDTH), "");
  }
  return out.join("\n") + "\n";
}

function modeColumns(s: LockModeStats): string {
  const t = (lt: LockTime): string =>
    `${String(lt.nr).padStart(14)}` +
    [lt.min, lt.max, lt.total, lt.nr ? Math.floor(lt.total / lt.nr) : 0]
      .map((v) => ` ${lockStatTime(v).padStart(14)}`)
      .join("");
  return `${String(s.conBounces).padStart(14)} ${t(s.waittime)} ${String(s.acqBounces).padStart(14)} ${t(s.holdtime)}`;
}
