/**
 * The data of MMU notifiers (include/linux/mmu_notifier.h, mm/mmu_notifier.c):
 * struct mmu_notifier_range, struct mmu_notifier (+ ops), struct mmu_interval_notifier
 * (+ ops), and struct mmu_notifier_subscriptions, which hangs off the mm and holds both
 * the classic list and the interval tree with its sequence count.
 *
 * Split from the functions so the mm model can import the types without pulling in
 * the dispatch code, and so interval-notifier.ts and mmu-notifier.ts share one state.
 */
import type { Mm, MmuNotifierRange, MmuNotifier, MmuIntervalNotifier, NotifierHistoryEntry } from "./mm-types";
export type {
  MmuNotifierEvent,
  MmuNotifierRange,
  MmuNotifierOps,
  MmuNotifier,
  MmuIntervalNotifierOps,
  MmuIntervalNotifier,
  NotifierHistoryEntry,
} from "./mm-types";
import type * as MmTypes from "./mm-types";

/**
 * struct mmu_notifier_subscriptions.
 *
 * `invalidateSeq` is the interval-tree sequence of mm/mmu_notifier.c: it starts at 2,
 * becomes odd (seq |= 1) when an invalidation overlaps some interval notifier, and even
 * again (seq++) when the last overlapping range ends. `activeInvalidations` counts the
 * ranges between start and end (the kernel's active_invalidate_ranges; the model counts
 * every range, also when only classic notifiers are registered).
 */
export class MmuNotifierSubscriptions implements MmTypes.MmuNotifierSubscriptions {
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
