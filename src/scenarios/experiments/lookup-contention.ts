/**
 * A timed experiment: N tasks, each on its own simulated CPU, look pfns up in one BAR
 * mapping again and again, as a caller of follow_pfnmap_start()/follow_pfnmap_end()
 * (mm/memory.c, v6.12) does: mmap_read_lock, start, read the outputs, end,
 * mmap_read_unlock. Every leaf of the mapping sits at one level, so the lock that
 * start() returns holding is the lock of that level:
 *
 *  - PUD leaf: pud_lock() = mm->page_table_lock (include/linux/mm.h:3187 pud_lockptr():
 *    the generic definition, the same on every architecture; there is no split PUD
 *    lock), one spinlock for the whole process;
 *  - PMD leaf: pmd_lock() = the split ptlock of the PMD table page (one per 1 GiB);
 *  - PTE leaf: pte_offset_map_lock() = the split ptlock of the PTE table page (one per 2 MiB).
 *
 * Run under the scheduler's timed mode (simulated ns from the cost model, never the wall
 * clock), the lock_stat report shows what the mm-wide lock costs: with PUD leaves every
 * lookup of every task queues on the same spinlock, with PTE leaves tasks that look at
 * different 2 MiB ranges never meet. Deterministic: the same options give the same report.
 */
import { followPfnmapEndSteps, followPfnmapStartSteps } from "../../mm/follow";
import { followPfnmapArgs } from "../../mm/follow-args";
import { vmfInsertPfnPmd, vmfInsertPfnPud } from "../../mm/insert";
import { createKernel, type Kernel } from "../../mm/kernel";
import { mmapReadLock, mmapReadLockSteps, mmapReadUnlock, mmapReadUnlockSteps } from "../../mm/mmap-lock";
import { remapPfnRange } from "../../mm/remap";
import { createVfioPciBarDevice } from "../../mm/vfio-device";
import type { Vma } from "../../mm/vma";
import type { Mm } from "../../mm/mm";
import type { IoRegion } from "../../mm/physmem";
import { PAGE_SIZE, PMD_SIZE, PUD_SIZE, hex } from "../../mm/constants";
import { step, type Steps } from "../../sched/effect";
import { createCostModel, type CostModel } from "../../sched/cost-model";
import { formatLockStat, type LockStatData, type LockStatRow } from "../../sched/lockstat";
import { Prng } from "../../sched/prng";
import { assertCompleteRun } from "./complete-run";
import { Scheduler, type RunStatus } from "../../sched/scheduler";
import type { TaskSpec } from "../../sched/task";

export type ContentionLeaf = "pte" | "pmd" | "pud";

/**
 * Which addresses the lookups use:
 *  - "random": a seeded random page of the whole BAR for every lookup;
 *  - "per-task": a random page of the task's own slice of the BAR (tasks never share a leaf
 *    unless the slices are smaller than a leaf);
 *  - "same-page": every lookup of every task at the same page (the worst case for any lock).
 */
export type AddressPattern = "random" | "per-task" | "same-page";

export interface LookupContentionOptions {
  /** Concurrent tasks, one per CPU (1..64). Default 8. */
  tasks?: number;
  /** Lookups each task makes (1..1000). Default 50. */
  lookupsPerTask?: number;
  /** Level of every leaf of the mapping. Default "pud". */
  leaf?: ContentionLeaf;
  /** BAR (and mapping) size, a multiple of 1 GiB (1..64 GiB). Default 4 GiB. */
  barSize?: number;
  /** Default "random". */
  addresses?: AddressPattern;
  /** Caller work between start() and end(), in units of costs.work (reading pfn, pgprot, writable). Default 1. */
  holdWork?: number;
  /** Mean caller work between two lookups, in units of costs.work (drawn uniformly from 0..2x). Default 4. */
  thinkWork?: number;
  /** Cost model overrides (simulated ns), see src/sched/cost-model.ts. */
  costs?: Partial<CostModel>;
  /** CONFIG_SPLIT_PTE_PTLOCKS / CONFIG_SPLIT_PMD_PTLOCKS; false makes every level use mm->page_table_lock. Default true. */
  splitPtlocks?: boolean;
  /** Seed of the address and think-time choices. Default 1. */
  seed?: number | string;
}

export interface ResolvedContentionOptions {
  tasks: number;
  lookupsPerTask: number;
  leaf: ContentionLeaf;
  barSize: number;
  addresses: AddressPattern;
  holdWork: number;
  thinkWork: number;
  costs: CostModel;
  splitPtlocks: boolean;
  seed: number | string;
}

/** The lock_stat numbers of the lock the lookups' leaves need (all holds of that class). */
export interface LeafLockSummary {
  className: string;
  acquisitions: number;
  contentions: number;
  waitTotalNs: number;
  waitMaxNs: number;
  holdTotalNs: number;
  /** Total wait divided by every acquisition (uncontended ones count as 0). */
  meanWaitNs: number;
  meanHoldNs: number;
}

export interface LookupContentionResult {
  options: ResolvedContentionOptions;
  /** lock_stat class of the leaf level's lock, e.g. "&mm->page_table_lock". */
  leafLockClass: string;
  lookups: number;
  /** Lookups that returned 0 with the expected pfn (all of them, unless the model is broken). */
  correct: number;
  /** Always "done": a run that does not complete throws instead of returning wrong numbers. */
  status: RunStatus;
  /** Scheduler steps the run took. */
  steps: number;
  /** Simulated time when the last task finished. */
  elapsedNs: number;
  leafLock: LeafLockSummary;
  /** Everything lock_stat collected: classes, printed rows, raw samples, per-task timeline. */
  lockStat: LockStatData;
  /** The /proc/lock_stat text. */
  text: string;
}

const FN = "lookupContention";
/** The largest lookupsPerTask: 64 tasks x 1000 lookups run in a few seconds. */
export const MAX_LOOKUPS_PER_TASK = 1000;
/**
 * Scheduler steps one lookup takes at most (mmap lock, five table reads, the leaf lock,
 * the caller's work, unlocks: about 15), with room to spare. The run's step bound is this
 * times the lookups, so no amount of legitimate work is mistaken for a runaway loop.
 */
const STEPS_PER_LOOKUP_BOUND = 64;
const LEAF_SIZE: Record<ContentionLeaf, number> = { pte: PAGE_SIZE, pmd: PMD_SIZE, pud: PUD_SIZE };

function intIn(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new Error(`${FN}: ${field} ${String(v)} must be an integer in [${min}, ${max}]`);
  }
  return v;
}

const KNOWN = [
  "tasks",
  "lookupsPerTask",
  "leaf",
  "barSize",
  "addresses",
  "holdWork",
  "thinkWork",
  "costs",
  "splitPtlocks",
  "seed",
];

export function resolveContentionOptions(o: LookupContentionOptions = {}): ResolvedContentionOptions {
  for (const k of Object.keys(o))
    if (!KNOWN.includes(k)) throw new Error(`${FN}: unknown option ${k} (known: ${KNOWN.join(", ")})`);
  const leaf = o.leaf ?? "pud";
  if (leaf !== "pte" && leaf !== "pmd" && leaf !== "pud")
    throw new Error(`${FN}: leaf ${String(leaf)} must be "pte", "pmd" or "pud"`);
  const addresses = o.addresses ?? "random";
  if (!["random", "per-task", "same-page"].includes(addresses))
    throw new Error(`${FN}: addresses ${String(addresses)} must be "random", "per-task" or "same-page"`);
  const barSize = o.barSize ?? 4 * PUD_SIZE;
  if (typeof barSize !== "number" || barSize % PUD_SIZE !== 0 || barSize < PUD_SIZE || barSize > 64 * PUD_SIZE) {
    throw new Error(
      `${FN}: barSize ${typeof barSize === "number" ? hex(barSize) : String(barSize)} must be a multiple of 1 GiB between 1 and 64 GiB`,
    );
  }
  const splitPtlocks = o.splitPtlocks ?? true;
  if (typeof splitPtlocks !== "boolean")
    throw new Error(`${FN}: splitPtlocks ${String(splitPtlocks)} must be a boolean`);
  const seed = o.seed ?? 1;
  if (typeof seed !== "number" && typeof seed !== "string")
    throw new Error(`${FN}: seed ${String(seed)} must be a number or a string`);
  return {
    tasks: intIn("tasks", o.tasks ?? 8, 1, 64),
    lookupsPerTask: intIn("lookupsPerTask", o.lookupsPerTask ?? 50, 1, MAX_LOOKUPS_PER_TASK),
    leaf,
    barSize,
    addresses: addresses as AddressPattern,
    holdWork: intIn("holdWork", o.holdWork ?? 1, 0, 100000),
    thinkWork: intIn("thinkWork", o.thinkWork ?? 4, 0, 100000),
    costs: createCostModel(o.costs ?? {}),
    splitPtlocks,
    seed,
  };
}

interface Stage {
  kernel: Kernel;
  mm: Mm;
  vma: Vma;
  bar: IoRegion;
}

/** One process with the whole BAR mapped by leaves of one level (vfio-pci-like device, plain calls). */
function buildStage(o: ResolvedContentionOptions): Stage {
  const kernel = createKernel({ traceLimit: 0, splitPtlocks: { pte: o.splitPtlocks, pmd: o.splitPtlocks } });
  const bar = kernel.addIoRegion({ name: "bar0", size: o.barSize });
  const mm = kernel.createMm("proc");
  const dev = createVfioPciBarDevice(kernel, { bar, alignRule: "align-down" });
  const vma = dev.mmapBar(mm, { align: PUD_SIZE });
  mmapReadLock(mm);
  if (o.leaf === "pte") {
    remapPfnRange(vma, vma.vmStart, bar.startPfn, o.barSize, vma.vmPageProt);
  } else {
    const size = LEAF_SIZE[o.leaf];
    for (let off = 0; off < o.barSize; off += size) {
      const vmf = { vma, address: vma.vmStart + off };
      if (o.leaf === "pmd") vmfInsertPfnPmd(vmf, bar.startPfn + off / PAGE_SIZE, false);
      else vmfInsertPfnPud(vmf, bar.startPfn + off / PAGE_SIZE, false);
    }
  }
  mmapReadUnlock(mm);
  if (kernel.checker.violations.length > 0)
    throw new Error(`${FN}: setting up broke a rule: ${kernel.checker.violations.map((v) => v.rule).join(", ")}`);
  return { kernel, mm, vma, bar };
}

/** The page index (in the BAR) of a task's next lookup. */
function pagePicker(o: ResolvedContentionOptions, task: number, prng: Prng): () => number {
  const pages = o.barSize / PAGE_SIZE;
  if (o.addresses === "same-page") return () => 5;
  if (o.addresses === "random") return () => prng.int(pages);
  const slice = Math.max(1, Math.floor(pages / o.tasks));
  return () => Math.min(pages - 1, task * slice + prng.int(slice));
}

/** The body of one looking-up task; returns how many lookups gave the expected pfn. */
function* lookupLoop(st: Stage, o: ResolvedContentionOptions, task: number, prng: Prng): Steps<number> {
  const pick = pagePicker(o, task, prng);
  let correct = 0;
  for (let n = 0; n < o.lookupsPerTask; n++) {
    const page = pick();
    const think = o.thinkWork > 0 ? prng.int(2 * o.thinkWork + 1) : 0;
    if (think > 0) yield* step("work", "caller: work between lookups", think);
    yield* mmapReadLockSteps(st.mm);
    const args = followPfnmapArgs(st.vma, st.vma.vmStart + page * PAGE_SIZE);
    if ((yield* followPfnmapStartSteps(args)) === 0) {
      if (o.holdWork > 0) yield* step("work", "caller: read pfn, pgprot, writable under the lock", o.holdWork);
      if (args.pfn === st.bar.startPfn + page) correct++;
      yield* followPfnmapEndSteps(args);
    }
    yield* mmapReadUnlockSteps(st.mm);
  }
  return correct;
}

/** The lock class a lookup on a leaf of `leaf` returns holding. */
export function leafLockClass(leaf: ContentionLeaf, splitPtlocks = true): string {
  if (leaf === "pud" || !splitPtlocks) return "&mm->page_table_lock";
  return leaf === "pmd" ? "ptlock (PMD)" : "ptlock (PTE)";
}

function summarize(rows: LockStatRow[], className: string): LeafLockSummary {
  const mine = rows.filter((r) => r.className === className);
  const sum = (f: (r: LockStatRow) => number) => mine.reduce((a, r) => a + f(r), 0);
  const acquisitions = sum((r) => r.acquisitions);
  const waitTotalNs = sum((r) => r.waittimeTotal);
  const holdTotalNs = sum((r) => r.holdtimeTotal);
  return {
    className,
    acquisitions,
    contentions: sum((r) => r.contentions),
    waitTotalNs,
    waitMaxNs: Math.max(0, ...mine.map((r) => r.waittimeMax)),
    holdTotalNs,
    meanWaitNs: acquisitions ? waitTotalNs / acquisitions : 0,
    meanHoldNs: acquisitions ? holdTotalNs / acquisitions : 0,
  };
}

/**
 * Run the experiment: build the mapping, spawn `tasks` looking-up tasks, run them in the
 * scheduler's timed mode, and return the lock_stat report (data and text).
 */
export function lookupContention(options: LookupContentionOptions = {}): LookupContentionResult {
  const o = resolveContentionOptions(options);
  const st = buildStage(o);
  const work = o.tasks * o.lookupsPerTask * STEPS_PER_LOOKUP_BOUND;
  const sched = new Scheduler({
    costs: o.costs,
    checker: st.kernel.checker,
    trace: false,
    stepBound: Math.max(1_000_000, work),
  });
  const root = new Prng(o.seed);
  const specs: TaskSpec[] = [];
  for (let i = 0; i < o.tasks; i++) {
    const prng = root.fork(i);
    specs.push({ name: `task${i}`, cpu: i, body: () => lookupLoop(st, o, i, prng) });
  }
  for (const s of specs) sched.spawn(s);
  const end = sched.runTimed();
  assertCompleteRun(FN, `the run of ${o.tasks} tasks x ${o.lookupsPerTask} lookups on ${o.leaf} leaves`, end);
  if (end.violations.length > 0)
    throw new Error(`${FN}: a rule was broken: ${end.violations[0].rule}: ${end.violations[0].message}`);
  const correct = Object.values(end.results).reduce((a: number, v) => a + (v as number), 0);
  if (correct !== o.tasks * o.lookupsPerTask) {
    throw new Error(
      `${FN}: only ${correct} of ${o.tasks * o.lookupsPerTask} lookups returned the expected pfn (${o.leaf} leaves): the model is broken`,
    );
  }
  const lockStat = sched.lockStat.data();
  const cls = leafLockClass(o.leaf, o.splitPtlocks);
  return {
    options: o,
    leafLockClass: cls,
    lookups: o.tasks * o.lookupsPerTask,
    correct,
    status: end.status,
    steps: end.steps,
    elapsedNs: end.time,
    leafLock: summarize(lockStat.rows, cls),
    lockStat,
    text: formatLockStat(lockStat),
  };
}

/** One point of a sweep: a leaf level and a task count, with the leaf lock's numbers. */
export interface ContentionSweepPoint {
  leaf: ContentionLeaf;
  tasks: number;
  leafLockClass: string;
  meanWaitNs: number;
  contentions: number;
  acquisitions: number;
  elapsedNs: number;
  /** Lookups finished per simulated microsecond, over all tasks. */
  lookupsPerUs: number;
}

/** lookupContention for every leaf level and task count (other options shared). */
export function lookupContentionSweep(
  taskCounts: readonly number[],
  leaves: readonly ContentionLeaf[] = ["pud", "pmd", "pte"],
  options: Omit<LookupContentionOptions, "tasks" | "leaf"> = {},
): ContentionSweepPoint[] {
  if (!Array.isArray(taskCounts) || taskCounts.length === 0)
    throw new Error(`lookupContentionSweep: taskCounts ${String(taskCounts)} must be a non-empty array`);
  const out: ContentionSweepPoint[] = [];
  for (const leaf of leaves) {
    for (const tasks of taskCounts) {
      const r = lookupContention({ ...options, tasks, leaf });
      out.push({
        leaf,
        tasks,
        leafLockClass: r.leafLockClass,
        meanWaitNs: r.leafLock.meanWaitNs,
        contentions: r.leafLock.contentions,
        acquisitions: r.leafLock.acquisitions,
        elapsedNs: r.elapsedNs,
        lookupsPerUs: r.elapsedNs ? (r.lookups * 1000) / r.elapsedNs : 0,
      });
    }
  }
  return out;
}
