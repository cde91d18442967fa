/**
 * MMU notifiers, the minimal core of mm/mmu_notifier.c and include/linux/mmu_notifier.h:
 * a list of subscriptions hanging off the mm (mm->notifier_subscriptions), and the
 * invalidate_range_start/end calls that every zap, unmap_mapping_range and munmap makes
 * around its page-table change. A secondary MMU (an IOMMU, KVM's shadow/EPT tables)
 * subscribes so it can drop its copies of the pfns before the CPU page table loses them.
 *
 * Kept small on purpose: interval notifiers (mmu_interval_notifier with read_begin /
 * read_retry / set_seq) and secondary MMUs are built on top by subscribing an ops object
 * here and dispatching from it; nothing in this file needs to change for that.
 *
 * Callbacks may be plain functions or stepwise generators (so a callback can take a
 * lock, e.g. KVM's mmu_lock, and be interleaved by the scheduler).
 */
import { mightSleep, step, type Steps } from "../sched/effect";
import type { Mm } from "../mm/mm";

/** enum mmu_notifier_event (include/linux/mmu_notifier.h). */
export type MmuNotifierEvent = "unmap" | "clear" | "protection-vma" | "protection-page" | "soft-dirty" | "release" | "migrate";

/** struct mmu_notifier_range. */
export interface MmuNotifierRange {
  mm: Mm;
  start: number;
  end: number;
  event: MmuNotifierEvent;
  /** The vma being changed, when there is one. */
  vma?: unknown;
  /** MMU_NOTIFIER_RANGE_BLOCKABLE: callbacks may sleep. Zaps from process context are. */
  blockable: boolean;
  /** What caused it, for traces (e.g. "zap_vma_ptes", "munmap"). */
  site: string;
}

type MaybeSteps<T> = Steps<T> | T;

/** struct mmu_notifier_ops, reduced to the callbacks the course needs. */
export interface MmuNotifierOps {
  name?: string;
  /** Drop secondary mappings of [start, end). Return 0, or -EAGAIN when !blockable and it would block. */
  invalidateRangeStart?(sub: MmuNotifier, range: MmuNotifierRange): MaybeSteps<number | void>;
  /** The page-table change is done. */
  invalidateRangeEnd?(sub: MmuNotifier, range: MmuNotifierRange): MaybeSteps<void>;
  /** The mm is going away (exit_mmap). */
  release?(sub: MmuNotifier, mm: Mm): MaybeSteps<void>;
}

/** struct mmu_notifier: one subscription. */
export interface MmuNotifier {
  readonly id: number;
  readonly mm: Mm;
  readonly ops: MmuNotifierOps;
  registered: boolean;
}

/**
 * struct mmu_notifier_subscriptions: the list, plus counters a reader can use to tell
 * that an invalidation ran (`invalidateSeq` odd while one is in progress, as the
 * interval-tree seq of mm/mmu_notifier.c; `activeInvalidations` how many are open).
 */
export class MmuNotifierSubscriptions {
  readonly list: MmuNotifier[] = [];
  invalidateSeq = 0;
  activeInvalidations = 0;
  /** Every range started, in order (for traces and figures). */
  readonly history: { range: Omit<MmuNotifierRange, "mm" | "vma">; phase: "start" | "end" }[] = [];
}

let nextNotifierId = 1;

function isSteps(x: unknown): x is Steps<unknown> {
  return typeof x === "object" && x !== null && typeof (x as Steps<unknown>).next === "function" && typeof (x as Steps<unknown>).throw === "function";
}

function* callMaybe<T>(x: MaybeSteps<T>): Steps<T> {
  if (isSteps(x)) return (yield* x) as T;
  return x;
}

function subscriptionsOf(mm: Mm): MmuNotifierSubscriptions {
  if (!mm.notifierSubscriptions) mm.notifierSubscriptions = new MmuNotifierSubscriptions();
  return mm.notifierSubscriptions;
}

/**
 * mmu_notifier_register() (mm/mmu_notifier.c). The kernel takes mmap_lock for write
 * around it; the model's list change is atomic, so this form takes no lock.
 */
export function mmuNotifierRegister(mm: Mm, ops: MmuNotifierOps): MmuNotifier {
  if (!ops || typeof ops !== "object") throw new Error(`mmuNotifierRegister: ops ${String(ops)} must be an object`);
  const sub: MmuNotifier = { id: nextNotifierId++, mm, ops, registered: true };
  subscriptionsOf(mm).list.push(sub);
  return sub;
}

/** mmu_notifier_unregister(): calls ->release first, as the kernel does. */
export function* mmuNotifierUnregisterSteps(sub: MmuNotifier): Steps<void> {
  if (!sub.registered) throw new Error(`mmuNotifierUnregister: notifier ${sub.id} is not registered`);
  if (sub.ops.release) yield* callMaybe(sub.ops.release(sub, sub.mm));
  const list = sub.mm.notifierSubscriptions!.list;
  list.splice(list.indexOf(sub), 1);
  sub.registered = false;
}

export function mmuNotifierUnregister(sub: MmuNotifier): void {
  sub.mm.kernel.run(mmuNotifierUnregisterSteps(sub));
}

/** mm_has_notifiers(). */
export function mmHasNotifiers(mm: Mm): boolean {
  return mm.notifierSubscriptions !== null && mm.notifierSubscriptions.list.length > 0;
}

/**
 * mmu_notifier_invalidate_range_start(): might_sleep() when blockable, then every
 * subscription's invalidate_range_start in registration order. Returns 0 or the first
 * error a non-blockable callback returned (the kernel then calls _end for those that
 * already started; the model's callers only use blockable ranges).
 */
export function* mmuNotifierInvalidateRangeStartSteps(range: MmuNotifierRange): Steps<number> {
  if (range.blockable) yield* mightSleep(`mmu_notifier_invalidate_range_start (${range.site})`);
  const subs = range.mm.notifierSubscriptions;
  if (!subs) return 0;
  subs.activeInvalidations++;
  if (subs.activeInvalidations === 1) subs.invalidateSeq++; // odd: invalidating
  subs.history.push({ range: strip(range), phase: "start" });
  for (const sub of [...subs.list]) {
    if (!sub.ops.invalidateRangeStart) continue;
    yield* step("notifier", `${sub.ops.name ?? `notifier${sub.id}`}.invalidate_range_start (${range.site})`);
    const r = yield* callMaybe(sub.ops.invalidateRangeStart(sub, range));
    if (typeof r === "number" && r !== 0) return r;
  }
  return 0;
}

/** mmu_notifier_invalidate_range_end(). */
export function* mmuNotifierInvalidateRangeEndSteps(range: MmuNotifierRange): Steps<void> {
  const subs = range.mm.notifierSubscriptions;
  if (!subs) return;
  for (const sub of [...subs.list]) {
    if (!sub.ops.invalidateRangeEnd) continue;
    yield* step("notifier", `${sub.ops.name ?? `notifier${sub.id}`}.invalidate_range_end (${range.site})`);
    yield* callMaybe(sub.ops.invalidateRangeEnd(sub, range));
  }
  subs.history.push({ range: strip(range), phase: "end" });
  subs.activeInvalidations--;
  if (subs.activeInvalidations === 0) subs.invalidateSeq++; // even: quiet
}

/** __mmu_notifier_release(): called from exit_mmap. */
export function* mmuNotifierReleaseSteps(mm: Mm): Steps<void> {
  const subs = mm.notifierSubscriptions;
  if (!subs) return;
  for (const sub of [...subs.list]) if (sub.ops.release) yield* callMaybe(sub.ops.release(sub, mm));
}

function strip(r: MmuNotifierRange): Omit<MmuNotifierRange, "mm" | "vma"> {
  return { start: r.start, end: r.end, event: r.event, blockable: r.blockable, site: r.site };
}
