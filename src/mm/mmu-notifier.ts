/**
 * MMU notifiers, the dispatch of mm/mmu_notifier.c (read against v6.12): a list of
 * classic subscriptions plus an interval tree hanging off the mm
 * (mm->notifier_subscriptions), and the invalidate_range_start/end calls that every zap,
 * unmap_mapping_range and munmap makes around its page-table change. A secondary MMU
 * (an IOMMU, KVM's shadow/EPT tables) subscribes so it can drop its copies of the pfns
 * before the CPU page table loses them.
 *
 * Order as in __mmu_notifier_invalidate_range_start/_end: interval notifiers first
 * (mn_itree_invalidate / mn_itree_inv_end, interval-notifier.ts), then the classic list.
 * Callbacks may be plain functions or stepwise generators (so a callback can take a
 * lock, e.g. KVM's mmu_lock, and be interleaved by the scheduler).
 */
import { mightSleep, step, writes, type Steps, callMaybe } from "../sched/effect";
import type { Mm } from "./mm-types";
import { PfnlabError } from "../base/model-error";
import { checkMm, checkObject } from "./validate";
import { mnItreeInvEnd, mnItreeInvalidateSteps } from "./interval-notifier";
import {
  stripRange,
  subscriptionsOf,
  type MmuNotifier,
  type MmuNotifierOps,
  type MmuNotifierRange,
} from "./subscriptions";

export type { MmuNotifier, MmuNotifierOps, MmuNotifierRange, MmuNotifierEvent } from "./subscriptions";

let nextNotifierId = 1;

/**
 * Ranges whose start found subscriptions. The kernel makes registration wait for running
 * invalidations (mm_take_all_locks); the model instead lets only a counted range's end
 * touch the counters, so a notifier registered mid-invalidation cannot unbalance them.
 */
const counted = new WeakSet<MmuNotifierRange>();

/** A notifier from mmuNotifierRegister() that is still registered. */
function checkNotifier(fn: string, sub: unknown): asserts sub is MmuNotifier {
  const s = sub as MmuNotifier | null;
  if (
    typeof s !== "object" ||
    s === null ||
    typeof s.mm !== "object" ||
    s.mm === null ||
    !s.mm.notifierSubscriptions?.list.includes(s)
  ) {
    throw new PfnlabError(fn, "notifier", sub, "is not a registered notifier (mmuNotifierRegister())");
  }
}

/**
 * mmu_notifier_register() (mm/mmu_notifier.c). The kernel takes mmap_lock for write
 * around it; the model's list change is atomic, so this form takes no lock.
 */
export function mmuNotifierRegister(mm: Mm, ops: MmuNotifierOps): MmuNotifier {
  checkMm("mmuNotifierRegister", mm);
  checkObject(
    "mmuNotifierRegister",
    "ops",
    ops,
    "an object of callbacks { invalidateRangeStart?, invalidateRangeEnd?, release? }",
  );
  for (const [k, v] of Object.entries(ops))
    if (k !== "name" && typeof v !== "function")
      throw new PfnlabError("mmuNotifierRegister", `ops.${k}`, v, "must be a function");
  const sub: MmuNotifier = { id: nextNotifierId++, mm, ops, registered: true };
  // hlist_add_head_rcu: the newest subscription is called first.
  subscriptionsOf(mm).list.unshift(sub);
  return sub;
}

/** mmu_notifier_unregister(): calls ->release first, as the kernel does. */
export function* mmuNotifierUnregisterSteps(sub: MmuNotifier): Steps<void> {
  checkNotifier("mmuNotifierUnregister", sub);
  if (sub.ops.release) yield* callMaybe(sub.ops.release(sub, sub.mm));
  const list = sub.mm.notifierSubscriptions!.list;
  list.splice(list.indexOf(sub), 1);
  sub.registered = false;
}

export function mmuNotifierUnregister(sub: MmuNotifier): void {
  checkNotifier("mmuNotifierUnregister", sub);
  sub.mm.kernel.run(mmuNotifierUnregisterSteps(sub), undefined, "mmuNotifierUnregister");
}

/** mm_has_notifiers(). */
export function mmHasNotifiers(mm: Mm): boolean {
  checkMm("mmHasNotifiers", mm);
  const s = mm.notifierSubscriptions;
  return s !== null && (s.list.length > 0 || s.hasItree);
}

const notifierCells = new WeakMap<Mm, object>();

/** The explorer's name for an mm's notifier bookkeeping (subscriptions, sequence counts). */
export function notifierCell(mm: Mm): object {
  let c = notifierCells.get(mm);
  if (!c) notifierCells.set(mm, (c = { notifiersOf: mm }));
  return c;
}

/**
 * mmu_notifier_invalidate_range_start(): might_sleep() when blockable, then the
 * interval notifiers overlapping the range, then every classic subscription's
 * invalidate_range_start. Returns 0 or the first error (-EAGAIN from a non-blockable
 * range; the model's zaps are all blockable).
 */
export function* mmuNotifierInvalidateRangeStartSteps(range: MmuNotifierRange): Steps<number> {
  // What runs next touches only this mm's notifier bookkeeping (the explorer's footprint).
  if (range.blockable)
    yield* mightSleep(`mmu_notifier_invalidate_range_start (${range.site})`, [writes(notifierCell(range.mm))]);
  const subs = range.mm.notifierSubscriptions;
  if (!subs) return 0;
  counted.add(range);
  subs.activeInvalidations++;
  subs.history.push({ range: stripRange(range), phase: "start" });
  if (subs.hasItree) {
    const r = yield* mnItreeInvalidateSteps(subs, range);
    if (r !== 0) {
      counted.delete(range); // already ended by mn_itree_invalidate; the caller must not call end
      return r;
    }
  }
  for (const sub of [...subs.list]) {
    if (!sub.ops.invalidateRangeStart) continue;
    yield* step("notifier", `${sub.ops.name ?? `notifier${sub.id}`}.invalidate_range_start (${range.site})`);
    const r = yield* callMaybe(sub.ops.invalidateRangeStart(sub, range));
    if (typeof r === "number" && r !== 0) return r;
  }
  return 0;
}

/** mmu_notifier_invalidate_range_end(): interval bookkeeping (mn_itree_inv_end), then the classic list. */
export function* mmuNotifierInvalidateRangeEndSteps(range: MmuNotifierRange): Steps<void> {
  const subs = range.mm.notifierSubscriptions;
  if (!subs || !counted.has(range)) return;
  counted.delete(range);
  subs.activeInvalidations--;
  if (subs.hasItree) mnItreeInvEnd(subs);
  for (const sub of [...subs.list]) {
    if (!sub.ops.invalidateRangeEnd) continue;
    yield* step("notifier", `${sub.ops.name ?? `notifier${sub.id}`}.invalidate_range_end (${range.site})`);
    yield* callMaybe(sub.ops.invalidateRangeEnd(sub, range));
  }
  subs.history.push({ range: stripRange(range), phase: "end" });
}

/** __mmu_notifier_release(): called from exit_mmap. */
export function* mmuNotifierReleaseSteps(mm: Mm): Steps<void> {
  const subs = mm.notifierSubscriptions;
  if (!subs) return;
  for (const sub of [...subs.list]) if (sub.ops.release) yield* callMaybe(sub.ops.release(sub, mm));
}
