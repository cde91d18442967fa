/**
 * The data of MMU notifiers (include/linux/mmu_notifier.h, mm/mmu_notifier.c):
 * struct mmu_notifier_range, struct mmu_notifier (+ ops), struct mmu_interval_notifier
 * (+ ops), and struct mmu_notifier_subscriptions, which hangs off the mm and holds both
 * the classic list and the interval tree with its sequence count.
 *
 * Split from the functions so the mm model can import the types without pulling in
 * the dispatch code, and so interval-notifier.ts and mmu-notifier.ts share one state.
 */
import type { MaybeSteps } from "../sched/effect";
import type { Mm } from "./mm";

/** enum mmu_notifier_event (include/linux/mmu_notifier.h). */
export type MmuNotifierEvent =
  | "unmap"
  | "clear"
  | "protection-vma"
  | "protection-page"
  | "soft-dirty"
  | "release"
  | "migrate";

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

/** struct mmu_notifier_ops, reduced to the callbacks the course needs. */
export interface MmuNotifierOps {
  name?: string;
  /** Drop secondary mappings of [start, end). Return 0, or -EAGAIN when !blockable and it would block. */
  invalidateRangeStart?(sub: MmuNotifier, range: MmuNotifierRange): MaybeSteps<number | undefined>;
  /** The page-table change is done. */
  invalidateRangeEnd?(sub: MmuNotifier, range: MmuNotifierRange): MaybeSteps<void>;
  /** The mm is going away (exit_mmap). */
  release?(sub: MmuNotifier, mm: Mm): MaybeSteps<void>;
}

/** struct mmu_notifier: one subscription on the classic list. */
export interface MmuNotifier {
  readonly id: number;
  readonly mm: Mm;
  readonly ops: MmuNotifierOps;
  registered: boolean;
}

/** struct mmu_interval_notifier_ops. */
export interface MmuIntervalNotifierOps {
  name?: string;
  /**
   * Called from invalidate_range_start for every notifier whose interval overlaps the
   * range, with `curSeq` (odd). The callback takes the user's lock, calls
   * mmuIntervalSetSeq(sub, curSeq), drops its secondary mappings of the overlap and
   * unlocks. Return false only for a non-blockable range it cannot handle now.
   */
  invalidate(sub: MmuIntervalNotifier, range: MmuNotifierRange, curSeq: number): MaybeSteps<boolean>;
}

/** struct mmu_interval_notifier: a subscription to [start, last] of one mm. */
export interface MmuIntervalNotifier {
  readonly id: number;
  readonly mm: Mm;
  readonly ops: MmuIntervalNotifierOps;
  /** First address watched. */
  readonly start: number;
  /** Last address watched (inclusive, as the kernel's interval tree stores it). */
  readonly last: number;
  /** interval_sub->invalidate_seq: odd; equal to the mm's seq while an overlapping invalidation runs. */
  invalidateSeq: number;
  /** In the interval tree (false while an insert or remove is deferred). */
  inTree: boolean;
  state: "inserted" | "removed";
}

/** One start or end in the history (for traces and figures). */
export interface NotifierHistoryEntry {
  range: Omit<MmuNotifierRange, "mm" | "vma">;
  phase: "start" | "end";
}

/**
 * struct mmu_notifier_subscriptions.
 *
 * `invalidateSeq` is the interval-tree sequence of mm/mmu_notifier.c: it starts at 2,
 * becomes odd (seq |= 1) when an invalidation overlaps some interval notifier, and even
 * again (seq++) when the last overlapping range ends. `activeInvalidations` counts the
 * ranges between start and end (the kernel's active_invalidate_ranges; the model counts
 * every range, also when only classic notifiers are registered).
 */
export class MmuNotifierSubscriptions {
  readonly list: MmuNotifier[] = [];
  /** The interval tree, as a list kept sorted by start (a handful of entries in the model). */
  readonly itree: MmuIntervalNotifier[] = [];
  /** Inserts and removes that arrived during an invalidation, applied at its end. */
  readonly deferred: { sub: MmuIntervalNotifier; op: "insert" | "remove" }[] = [];
  hasItree = false;
  invalidateSeq = 2;
  activeInvalidations = 0;
  /** Every range started and ended, in order. */
  readonly history: NotifierHistoryEntry[] = [];
}

/** mm->notifier_subscriptions, created on first use (__mmu_notifier_register allocates it). */
export function subscriptionsOf(mm: Mm): MmuNotifierSubscriptions {
  if (!mm.notifierSubscriptions) mm.notifierSubscriptions = new MmuNotifierSubscriptions();
  return mm.notifierSubscriptions;
}

export function stripRange(r: MmuNotifierRange): Omit<MmuNotifierRange, "mm" | "vma"> {
  return { start: r.start, end: r.end, event: r.event, blockable: r.blockable, site: r.site };
}
