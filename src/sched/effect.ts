/**
 * The protocol between the models (mm, notifiers, callers) and whoever runs them.
 *
 * Every mirrored kernel function has a stepwise form, a generator that yields an
 * {@link Effect} at each point where the real kernel could be preempted or race with
 * another CPU (lock acquire/release, a page-table entry read or write, the use of a pfn).
 * Two drivers run the same generator:
 *  - `runSteps` (sync.ts): plain calls outside the scheduler, for tests and notebooks;
 *  - the scheduler (scheduler.ts): several tasks interleaved under simulated time.
 * So the model is written once and the exploration engine stays separate from it,
 * as loom keeps its engine apart from the primitives models use.
 */
import type { HeldLock, Lock, LockMode, Task } from "./lock";

export type { HeldLock, Task };
import { type CallFrame, callSitesEnabled, callStacksEnabled, captureCallStack, formatCallFrame } from "./call-site";
import { type OwnedSite, type Site, siteText } from "./site";

export type { OwnedSite, Site };

/** Names of the costs in the cost model (cost-model.ts documents each). */
export type CostName =
  | "ptRead" // read one page-table entry
  | "ptWrite" // write one page-table entry
  | "pfnUse" // a CPU or device touching the memory behind a pfn
  | "tlbFlush" // flush after a zap
  | "iommuMap" // program one IOMMU entry
  | "ioremap" // ioremap_prot(): map the pfn into the kernel (may sleep)
  | "memcpy" // copy a small buffer
  | "notifier" // call one MMU notifier callback
  | "work"; // anything else, caller-chosen

/**
 * A scheduling point. `site` names the kernel function (and step) for traces; `at`,
 * present only while call sites are captured (call-site.ts), is the file:line of our
 * model that yielded it, and `frames` the whole call stack behind it (innermost first), so a
 * trace can name the mirrored kernel function without reading the site's text. `siteParts`,
 * present when the model gave an owned site (site.ts), holds its owner and the rest as data
 * (`site` is their printed form).
 */
export type Effect = EffectKind & { at?: string; frames?: readonly CallFrame[]; siteParts?: OwnedSite };

type EffectKind =
  /**
   * `touches`: what the code right after the lock is taken writes (or reads) beyond what
   * the lock itself orders, e.g. page-table entries cleared under it before the next effect
   * (explore/footprint.ts); it applies at the wake-up when the acquire had to wait.
   */
  | { kind: "acquire"; lock: Lock; mode: LockMode; site: string; touches?: readonly Touch[] }
  | { kind: "release"; lock: Lock; mode: LockMode; site: string }
  /**
   * `touches`: what the code run right after this effect (up to the next one) reads and
   * writes, for the explorer's partial-order reduction (explore/footprint.ts). Absent:
   * the explorer assumes a default for the cost (page-table reads and writes touch the
   * page tables; most others may touch anything, so they conflict with every step).
   */
  | { kind: "step"; cost: CostName; site: string; units?: number; touches?: readonly Touch[] }
  /** might_sleep(): the checker reports it when a spinlock is held. */
  | { kind: "mightSleep"; site: string; touches?: readonly Touch[] }
  /** Ask the driver which task is running; the driver sends the Task back. */
  | { kind: "current" }
  /**
   * cpu_relax() in a retry/spin loop: "I am waiting for someone else". A scheduling
   * point after which the explorer lets another task run first (switching away from a
   * relaxing task is not counted as a preemption), as CHESS treats yields.
   */
  | { kind: "cpuRelax"; site: string }
  /**
   * A line for the trace (e.g. "pfn 0x1234 used after zap"). Not a scheduling point:
   * the driver records it and resumes the task at once.
   */
  | { kind: "note"; text: string; event?: TraceEvent };

/**
 * One thing a step reads or writes: a memory cell, a page-table entry, a notifier
 * sequence... identified by any object or string (the same identity means the same thing).
 * Two steps of different tasks conflict when they touch the same thing and one writes it.
 */
export interface Touch {
  readonly cell: object | string;
  readonly write: boolean;
}

/**
 * A cell whose contents the state cache can read (explore/state-cache.ts): two runs that
 * leave it with the same value need not be told apart by who wrote it. `stateName()` is
 * the same in every run of a scenario (cells are rebuilt with the world); `stateValue()`
 * is what a step touching it would read now.
 */
export interface ValueCell {
  stateName(): string;
  stateValue(): number | string;
}

export function isValueCell(c: object | string): c is ValueCell & object {
  return typeof c === "object" && typeof (c as Partial<ValueCell>).stateValue === "function";
}

/**
 * The cell "all page tables". A finer cell, such as one entry (mm/pagetable.ts
 * `entryCell`), names it as its `group`: a step touching the group conflicts with a step
 * touching any cell of the group, so undeclared page-table accesses stay conservative.
 */
export const PAGE_TABLES = "page tables";

/** The stepwise form of a function returning T. */
export type Steps<T> = Generator<Effect, T, unknown>;

/** A callback result that is either plain or stepwise (vm_ops handlers, notifier ops). */
export type MaybeSteps<T> = Steps<T> | T;

export function isSteps(x: unknown): x is Steps<unknown> {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as Steps<unknown>).next === "function" &&
    typeof (x as Steps<unknown>).throw === "function"
  );
}

/** Run a callback result: yield* it when it is a generator, return it otherwise. */
export function* callMaybe<T>(x: MaybeSteps<T>): Steps<T> {
  if (isSteps(x)) return (yield* x) as T;
  return x as T;
}

/** An event a checker reports into the trace (e.g. a pfn sanitizer verdict). */
export interface TraceEvent {
  /** Who reported it, e.g. "sanitizer". */
  source: string;
  /** What happened, e.g. "lookup", "access", "retry", "fault". */
  kind: string;
  /** The outcome class it gives the run (e.g. "stale-pfn"), or null. */
  outcome: string | null;
  detail: string;
}

// Small helpers so model code reads like the kernel it mirrors.

/** The effect, with an owned site's parts and, while call sites are captured, its call site. */
function at<E extends Effect>(e: E, site?: Site): E {
  // An owned site's parts go on as data (plain-text sites, the common case, allocate nothing).
  if (typeof site === "object") e.siteParts = site;
  if (callSitesEnabled()) {
    const whole = callStacksEnabled();
    const frames = captureCallStack(whole);
    if (frames[0]) e.at = formatCallFrame(frames[0]);
    if (frames[0] && whole) e.frames = frames;
  }
  return e;
}

export function* acquire(lock: Lock, mode: LockMode, site: Site, touches?: readonly Touch[]): Steps<void> {
  yield at(
    touches === undefined
      ? { kind: "acquire", lock, mode, site: siteText(site) }
      : { kind: "acquire", lock, mode, site: siteText(site), touches },
    site,
  );
}

export function* release(lock: Lock, mode: LockMode, site: Site): Steps<void> {
  yield at({ kind: "release", lock, mode, site: siteText(site) }, site);
}

export function* step(cost: CostName, site: Site, units?: number): Steps<void> {
  const text = siteText(site);
  yield at(units === undefined ? { kind: "step", cost, site: text } : { kind: "step", cost, site: text, units }, site);
}

/** might_sleep(); `touches`, when given, is what the code right after it touches (see the step effect). */
export function* mightSleep(site: Site, touches?: readonly Touch[]): Steps<void> {
  const text = siteText(site);
  yield at(
    touches === undefined ? { kind: "mightSleep", site: text } : { kind: "mightSleep", site: text, touches },
    site,
  );
}

/**
 * A step that reads or writes exactly the given cells (nothing else shared), so the
 * explorer can tell it commutes with steps touching other cells. `touches: []` declares
 * a step that touches nothing shared at all.
 */
export function* access(cost: CostName, site: Site, touches: readonly Touch[], units?: number): Steps<void> {
  const text = siteText(site);
  yield at(
    units === undefined
      ? { kind: "step", cost, site: text, touches }
      : { kind: "step", cost, site: text, units, touches },
    site,
  );
}

/** Touch helpers: `reads(cell)` and `writes(cell)`. */
export function reads(cell: object | string): Touch {
  return { cell, write: false };
}
export function writes(cell: object | string): Touch {
  return { cell, write: true };
}

/** An explicit preemption point with no cost (cond_resched() in spirit). */
export function* preemptPoint(site: Site): Steps<void> {
  yield at({ kind: "step", cost: "work", site: siteText(site), units: 0 }, site);
}

/** cpu_relax() inside a retry loop: lets the scheduler run somebody else first. */
export function* cpuRelax(site: Site): Steps<void> {
  yield at({ kind: "cpuRelax", site: siteText(site) }, site);
}

/** Write a line into the trace without creating a scheduling point. */
export function* note(text: string): Steps<void> {
  yield { kind: "note", text };
}

export function* current(): Steps<Task> {
  return (yield { kind: "current" }) as Task;
}

/** True when `task` holds `lock` (in any mode, or in the given one). */
export function holds(task: Task, lock: Lock, mode?: LockMode): boolean {
  return task.held.some((h) => h.lock === lock && (mode === undefined || h.mode === mode));
}
