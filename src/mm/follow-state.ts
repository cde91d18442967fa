/**
 * The bookkeeping both forms of follow_pfnmap_start()/follow_pfnmap_end() share
 * (follow.ts): resetting the args, a failure's code and text, pfnmap_args_setup() on
 * success, the end() misuse checks, and mm's list of active lookups.
 */
import type { Lock } from "../sched/lock";
import type { Task } from "../sched/effect";
import { hex } from "./constants";
import { EINVAL } from "./errors";
import { type FollowFailure, type FollowPfnmapArgs, type LeafLevel, markStarted } from "./follow-args";
import { FOLLOW_REASONS } from "./follow-levels";
import type { Kernel } from "./mm-types";
import type { ActiveLookup, Mm } from "./mm";
import { reportEndTwice, reportEndWithoutStart, reportStartWhileActive } from "./pfnmap-checks";
import { leafPfn } from "./pte";
import { checkInteger, checkVma } from "./validate";
import { PfnlabError } from "./model-error";
import type { EntryRef } from "./vma";

export const FN = "followPfnmapStart";

export function beginStart(args: FollowPfnmapArgs, k: Kernel, task: Task): void {
  if (args.state === "started") refuseStartWhileActive(args, k, task);
  args.lock = null;
  args.ptep = null;
  args.leaf = null;
  args.leafSize = 0;
  args.reason = "";
  args.failure = null;
  markStarted(args, task);
}

/**
 * start() on args that were never ended: the kernel would overwrite args->lock and never
 * release the first lock (or spin on it forever). Report the misuse, then refuse before
 * anything changes. (Out of line: beginStart stays small enough to inline.)
 */
function refuseStartWhileActive(args: FollowPfnmapArgs, k: Kernel, task: Task): never {
  reportStartWhileActive(k, task, args.address, FN);
  throw new PfnlabError(
    FN,
    "args",
    args,
    `are still started (a lookup at ${hex(args.address)} holds ${args.lock ?? "its lock"}); call followPfnmapEnd(args) first`,
  );
}

export function fail(args: FollowPfnmapArgs, k: Kernel, task: Task, failure: FollowFailure): number {
  const r = FOLLOW_REASONS[failure];
  const reason =
    typeof r === "string"
      ? r
      : failure === "outsideVma"
        ? FOLLOW_REASONS.outsideVma(args.vma, args.address)
        : FOLLOW_REASONS.notPfnmap(args.vma);
  args.state = "failed";
  args.failure = failure;
  args.reason = reason;
  k.note(FN, task, reason, { address: args.address, ret: -EINVAL });
  return -EINVAL;
}

/** pfnmap_args_setup(): outputs from the leaf entry; pud_pfn/pmd_pfn mask the pfn to the leaf size as x86 does (leafPfn). */
export function setup(args: FollowPfnmapArgs, lock: Lock, ptep: EntryRef | null, v: number, level: LeafLevel): number {
  const raw = Math.floor(v / 4096);
  const flags = v - raw * 4096;
  const o = args.out;
  o.pfn = leafPfn(raw, level, args.address);
  o.pgprot = flags;
  o.writable = (flags & 0x2) !== 0; // _PAGE_RW
  o.special = (flags & 0x200) !== 0; // _PAGE_SPECIAL
  args.lock = lock;
  args.ptep = ptep;
  args.leaf = level;
  // A ternary, not a table: a keyed load with a run-time key is a generic lookup in
  // compiled code, where literals cost a compare each.
  args.leafSize = level === "pte" ? 4096 : level === "pmd" ? 2097152 : 1073741824;
  args.state = "started";
  args.reason = "ok";
  addActive(args.vma.mm, args);
  return 0;
}

export function validate(args: FollowPfnmapArgs): void {
  checkVma(FN, args.vma);
  checkInteger(FN, "address", args.address);
}

export function notStartedArgs(args: unknown): never {
  throw new PfnlabError(
    "followPfnmapEnd",
    "args",
    args,
    "were never passed to followPfnmapStart (pass the FollowPfnmapArgs start() used)",
  );
}

/** end() on args that are not started: report ending twice / without a start; false = nothing to do. */
export function endCheck(args: FollowPfnmapArgs, k: Kernel, me: Task): boolean {
  if (args.state === "ended") {
    reportEndTwice(k, me, args.address, "followPfnmapEnd");
    return false;
  }
  if (args.state !== "started") {
    reportEndWithoutStart(k, me, args.address, args.state, "followPfnmapEnd");
    return false;
  }
  return true;
}

export function finishEnd(args: FollowPfnmapArgs): void {
  args.state = "ended";
  removeActive(args);
}

/** Add args to mm's active lookups (mm.activeFirst when free and nothing newer waits, see Mm). */
function addActive(mm: Mm, args: FollowPfnmapArgs): void {
  if (mm.activeFirst === null && mm.activeMore.length === 0) mm.activeFirst = args;
  else mm.activeMore.push(args);
}

/** Drop args from mm's active lookups (usually the lone one, in mm.activeFirst). */
function removeActive(args: FollowPfnmapArgs): void {
  const mm = args.vma.mm;
  if (mm.activeFirst === args) mm.activeFirst = null;
  else if (mm.activeMore.length !== 0) removeActiveMore(mm.activeMore, args);
}

function removeActiveMore(list: ActiveLookup[], args: FollowPfnmapArgs): void {
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i] === args) {
      if (i === list.length - 1) list.pop();
      else list.splice(i, 1);
      return;
    }
  }
}
