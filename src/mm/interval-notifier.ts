/**
 * Interval notifiers (mm/mmu_notifier.c, since v5.5 "mm/mmu_notifier: add an interval
 * tree notifier"; read against v6.12): a subscription to one address range with a
 * seqcount-like protocol, for secondary MMUs that must sleep while building entries.
 *
 * The reader (a driver filling its IOMMU or device page table):
 *   seq = mmuIntervalReadBegin(sub)      -- waits while an overlapping invalidation runs
 *   look up the pfn (follow_pfnmap_start/end, hmm_range_fault, ...)
 *   take user_lock
 *   if mmuIntervalReadRetry(sub, seq): unlock, start again
 *   install the secondary mapping
 *   drop user_lock
 * The invalidate callback takes the same user_lock, calls mmuIntervalSetSeq(sub, curSeq)
 * and removes its mappings, so a reader either installs before the callback (which then
 * removes the entry) or sees the new seq under the lock and retries.
 *
 * The mm-wide `invalidateSeq` is odd while an invalidation that overlaps some interval
 * runs; a notifier's own seq equals it exactly while that invalidation touches it.
 */
import { cpuRelax, mightSleep, step, type Steps, callMaybe } from "../sched/effect";
import { EAGAIN } from "./errors";
import { hex } from "./constants";
import type { Mm } from "./mm-types";
import { PfnlabError } from "../base/model-error";
import { checkInteger, checkMm, checkObject } from "./validate";
import {
  subscriptionsOf,
  type MmuIntervalNotifier,
  type MmuIntervalNotifierOps,
  type MmuNotifierRange,
  type MmuNotifierSubscriptions,
} from "./subscriptions";

let nextIntervalId = 1;

function isOdd(n: number): boolean {
  return n % 2 === 1;
}

/** mn_itree_is_invalidating(): the mm-wide seq is odd. */
export function mnItreeIsInvalidating(subs: MmuNotifierSubscriptions): boolean {
  return isOdd(subs.invalidateSeq);
}

function treeInsert(subs: MmuNotifierSubscriptions, sub: MmuIntervalNotifier): void {
  let i = subs.itree.length;
  while (i > 0 && subs.itree[i - 1]!.start > sub.start) i--;
  subs.itree.splice(i, 0, sub);
  sub.inTree = true;
}

function treeRemove(subs: MmuNotifierSubscriptions, sub: MmuIntervalNotifier): void {
  const i = subs.itree.indexOf(sub);
  if (i >= 0) subs.itree.splice(i, 1);
  sub.inTree = false;
}

/**
 * mmu_interval_notifier_insert(): watch [start, start+length) of mm. When an
 * invalidation is running the tree may not change: the insert is deferred to its end
 * (the notifier's seq then equals the running one, so a read_begin waits for it);
 * otherwise the notifier gets seq - 1 (odd, never equal to the idle even seq).
 */
export function mmuIntervalNotifierInsert(
  mm: Mm,
  start: number,
  length: number,
  ops: MmuIntervalNotifierOps,
): MmuIntervalNotifier {
  const fn = "mmuIntervalNotifierInsert";
  checkMm(fn, mm);
  checkObject(fn, "ops", ops, "{ invalidate(sub, range, curSeq) }");
  if (typeof ops.invalidate !== "function")
    throw new PfnlabError(fn, "ops.invalidate", ops.invalidate, "must be a function");
  checkInteger(fn, "start", start);
  if (start < 0) throw new PfnlabError(fn, "start", start, "must be >= 0");
  checkInteger(fn, "length", length);
  if (length <= 0)
    throw new PfnlabError(fn, "length", length, "must be a positive integer (the kernel returns -EOVERFLOW for 0)");
  if (start + length > 2 ** 53)
    throw new PfnlabError(fn, "length", length, `overflows from start ${hex(start)} (the kernel returns -EOVERFLOW)`);
  const subs = subscriptionsOf(mm);
  subs.hasItree = true;
  const sub: MmuIntervalNotifier = {
    id: nextIntervalId++,
    mm,
    ops,
    start,
    last: start + length - 1,
    invalidateSeq: 0,
    inTree: false,
    state: "inserted",
  };
  if (subs.activeInvalidations > 0) {
    if (mnItreeIsInvalidating(subs)) subs.deferred.push({ sub, op: "insert" });
    else {
      subs.invalidateSeq += 1; // |= 1 on an even value
      treeInsert(subs, sub);
    }
    sub.invalidateSeq = subs.invalidateSeq;
  } else {
    sub.invalidateSeq = subs.invalidateSeq - 1;
    treeInsert(subs, sub);
  }
  return sub;
}

/**
 * mmu_interval_notifier_remove(): take the notifier out of the tree; during an
 * invalidation the removal is deferred and the caller waits for that invalidation to end
 * (so no callback runs after this returns).
 */
export function* mmuIntervalNotifierRemoveSteps(sub: MmuIntervalNotifier): Steps<void> {
  checkInterval("mmuIntervalNotifierRemove", sub);
  if (sub.state !== "inserted")
    throw new PfnlabError("mmuIntervalNotifierRemove", "sub", sub.id, "is an interval notifier that is not inserted");
  yield* mightSleep("mmu_interval_notifier_remove");
  const subs = subscriptionsOf(sub.mm);
  let seq = 0;
  if (mnItreeIsInvalidating(subs)) {
    const pending = subs.deferred.findIndex((d) => d.sub === sub && d.op === "insert");
    if (pending >= 0) subs.deferred.splice(pending, 1);
    else {
      subs.deferred.push({ sub, op: "remove" });
      seq = subs.invalidateSeq;
    }
  } else {
    treeRemove(subs, sub);
  }
  sub.state = "removed";
  while (seq !== 0 && subs.invalidateSeq === seq) {
    yield* cpuRelax("mmu_interval_notifier_remove: wait_event(invalidate_seq != seq)");
  }
}

/**
 * mmu_interval_read_begin(): read the notifier's seq; if an invalidation is touching it
 * right now (its seq equals the mm's odd seq), wait until that invalidation ends. The
 * returned seq goes to mmuIntervalReadRetry() under the user lock.
 */
export function* mmuIntervalReadBeginSteps(sub: MmuIntervalNotifier): Steps<number> {
  checkInterval("mmuIntervalReadBegin", sub);
  const subs = subscriptionsOf(sub.mm);
  yield* step("work", "mmu_interval_read_begin: read seqs under subscriptions->lock");
  const seq = sub.invalidateSeq;
  const invalidating = seq === subs.invalidateSeq;
  if (invalidating) {
    // wait_event(subscriptions->wq, invalidate_seq != seq): the waiter lets others run.
    for (;;) {
      yield* cpuRelax("mmu_interval_read_begin: wait_event(invalidate_seq != seq)");
      if (subs.invalidateSeq !== seq) break;
    }
  }
  return seq;
}

/** mmu_interval_read_retry(): true when an invalidation ran since read_begin. Call it holding the user lock. */
export function mmuIntervalReadRetry(sub: MmuIntervalNotifier, seq: number): boolean {
  checkInterval("mmuIntervalReadRetry", sub);
  checkInteger("mmuIntervalReadRetry", "seq", seq);
  return sub.invalidateSeq !== seq;
}

/** mmu_interval_check_retry(): the same test without the lock, only as an early hint. */
export function mmuIntervalCheckRetry(sub: MmuIntervalNotifier, seq: number): boolean {
  checkInterval("mmuIntervalCheckRetry", sub);
  checkInteger("mmuIntervalCheckRetry", "seq", seq);
  return sub.invalidateSeq !== seq;
}

/** mmu_interval_set_seq(): from the invalidate callback, under the user lock. */
export function mmuIntervalSetSeq(sub: MmuIntervalNotifier, curSeq: number): void {
  checkInterval("mmuIntervalSetSeq", sub);
  checkInteger("mmuIntervalSetSeq", "curSeq", curSeq);
  sub.invalidateSeq = curSeq;
}

function overlaps(sub: MmuIntervalNotifier, range: MmuNotifierRange): boolean {
  return sub.start <= range.end - 1 && sub.last >= range.start;
}

/**
 * mn_itree_invalidate() with mn_itree_inv_start_range(): mark the seq odd when some
 * interval overlaps the range, then call each overlapping notifier's invalidate with it.
 * Returns 0, or -EAGAIN when a non-blockable range met a callback that refused (the
 * range is then ended here, as the kernel does).
 */
export function* mnItreeInvalidateSteps(subs: MmuNotifierSubscriptions, range: MmuNotifierRange): Steps<number> {
  const hits = subs.itree.filter((s) => overlaps(s, range));
  if (hits.length > 0 && !isOdd(subs.invalidateSeq)) subs.invalidateSeq += 1;
  const curSeq = subs.invalidateSeq;
  for (const sub of hits) {
    yield* step(
      "notifier",
      `${sub.ops.name ?? `interval${sub.id}`}.invalidate [${hex(range.start)}, ${hex(range.end)}) seq ${curSeq} (${range.site})`,
    );
    const ok = yield* callMaybe(sub.ops.invalidate(sub, range, curSeq));
    if (!ok) {
      if (range.blockable) continue; // WARN_ON in the kernel: blockable callbacks may not refuse
      subs.activeInvalidations--;
      mnItreeInvEnd(subs);
      return -EAGAIN;
    }
  }
  return 0;
}

/**
 * mn_itree_inv_end(), after the caller dropped activeInvalidations: when no range is
 * left and the seq is odd, make it even, apply deferred inserts/removes, and (wake_up_all)
 * let waiters in read_begin/remove see the new seq.
 */
export function mnItreeInvEnd(subs: MmuNotifierSubscriptions): void {
  if (subs.activeInvalidations > 0 || !mnItreeIsInvalidating(subs)) return;
  subs.invalidateSeq += 1;
  for (const d of subs.deferred.splice(0)) {
    if (d.op === "insert") treeInsert(subs, d.sub);
    else treeRemove(subs, d.sub);
  }
}

/** An interval notifier made by mmuIntervalNotifierInsert(). */
function checkInterval(fn: string, sub: unknown): asserts sub is MmuIntervalNotifier {
  const s = sub as MmuIntervalNotifier | null;
  if (
    typeof s !== "object" ||
    s === null ||
    typeof s.invalidateSeq !== "number" ||
    typeof s.mm !== "object" ||
    s.mm === null ||
    !s.mm.notifierSubscriptions
  ) {
    throw new PfnlabError(fn, "sub", sub, "is not an interval notifier (mmuIntervalNotifierInsert())");
  }
}
