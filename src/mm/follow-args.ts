/**
 * struct follow_pfnmap_args (include/linux/mm.h), with the split the kernel documents:
 * inputs (vma, address), internals (lock, ptep: "the caller shouldn't touch"), outputs
 * (pfn, pgprot, writable, special). Outputs are getters: reading one after
 * follow_pfnmap_end() is reported to the checker (the value read is still returned,
 * stale, as real memory would hold it).
 */
import type { Lock } from "../sched/lock";
import type { Task } from "../sched/effect";
import type { ActiveLookup } from "./mm";
import { reportUseAfterEnd } from "./pfnmap-checks";
import type { EntryRef, Vma } from "./vma";
import { PfnlabError } from "./model-error";
import { checkInteger, checkVma } from "./validate";

export type LeafLevel = "pte" | "pmd" | "pud";

/** What the caller gives follow_pfnmap_start(). */
export interface FollowPfnmapInputs {
  vma: Vma;
  address: number;
}

/** What a successful start() fills in. */
export interface FollowPfnmapOutputs {
  /** pfn mapped at `address`: leaf base pfn + page offset of `address` inside the leaf. */
  pfn: number;
  /** pgprot of the leaf, as a flag word (pte.ts). */
  pgprot: number;
  writable: boolean;
  /** The leaf is special (no struct page behind it to refcount). */
  special: boolean;
}

export type FollowState = "new" | "started" | "failed" | "ended";

/**
 * Why a lookup failed, as a code: the exits of follow_pfnmap_start (texts in follow.ts
 * FOLLOW_REASONS) and of the legacy follow_pte (pudLeaf, pmdLeaf, pmdNone).
 */
export type FollowFailure =
  | "outsideVma"
  | "notPfnmap"
  | "p4dNone"
  | "p4dBad"
  | "pudNone"
  | "pudNotPresent"
  | "pudGoneUnderLock"
  | "pmdNotPresent"
  | "pmdGoneUnderLock"
  | "pteMapNull"
  | "pteNotPresent";

/** The exits only follow_pte has (it knows ptes only). */
export type FollowPteFailure =
  | "outsideVma"
  | "notPfnmap"
  | "p4dNone"
  | "pudNone"
  | "pudLeaf"
  | "pmdLeaf"
  | "pmdNone"
  | "pteNotPresent";

export class FollowPfnmapArgs implements FollowPfnmapInputs, ActiveLookup {
  // Inputs
  declare vma: Vma;
  declare address: number;
  // Internals: the lock held between start() and end(), and the pte pointer (PTE leaves only).
  declare lock: Lock | null;
  declare ptep: EntryRef | null;
  // Model bookkeeping (not in the kernel struct)
  /** Where the lookup is in its life. */
  declare state: FollowState;
  /** Why the last start() failed, or "ok". */
  declare reason: string;
  /** Why the last start() failed, as a code (null after a success); `reason` is its text. */
  declare failure: FollowFailure | null;
  /** Level of the leaf found by the last successful start(). */
  declare leaf: LeafLevel | null;
  /** Bytes the leaf maps (4 KiB, 2 MiB, 1 GiB); the kernel's later addr_mask carries the same. */
  declare leafSize: number;
  declare taskName: string;
  declare out: FollowPfnmapOutputs;

  constructor(vma: Vma, address: number) {
    this.vma = vma;
    this.address = address;
    resetFollowArgs(this);
  }

  get pfn(): number {
    if (this.state === "ended") this.useAfterEnd("pfn");
    return this.out.pfn;
  }
  get pgprot(): number {
    if (this.state === "ended") this.useAfterEnd("pgprot");
    return this.out.pgprot;
  }
  get writable(): boolean {
    if (this.state === "ended") this.useAfterEnd("writable");
    return this.out.writable;
  }
  get special(): boolean {
    if (this.state === "ended") this.useAfterEnd("special");
    return this.out.special;
  }

  /** The outputs without a checker report (for tools: sanitizer, figures). */
  peek(): Readonly<FollowPfnmapOutputs> {
    return { ...this.out };
  }

  /** How error messages show args: "args for 0x7f... (started)". */
  toString(): string {
    return `args for ${typeof this.address === "number" ? "0x" + this.address.toString(16) : String(this.address)} (${this.state})`;
  }

  private useAfterEnd(field: string): void {
    reportUseAfterEnd(this.vma.mm.kernel, this.taskName, field, this.address);
  }
}

export function resetFollowArgs(a: FollowPfnmapArgs): void {
  a.lock = null;
  a.ptep = null;
  a.state = "new";
  a.reason = "";
  a.failure = null;
  a.leaf = null;
  a.leafSize = 0;
  a.taskName = "";
  a.out = { pfn: 0, pgprot: 0, writable: false, special: false };
}

/** Make args for a lookup: `followPfnmapArgs(vma, address)`. */
export function followPfnmapArgs(vma: Vma, address: number): FollowPfnmapArgs {
  return new FollowPfnmapArgs(vma, address);
}

/**
 * Accept a plain `{ vma, address }` as the kernel accepts a struct on the stack: it is
 * turned into FollowPfnmapArgs in place (same object), so the caller reads outputs from it.
 */
export function asFollowArgs(x: FollowPfnmapArgs | FollowPfnmapInputs): FollowPfnmapArgs {
  if (x instanceof FollowPfnmapArgs) return x;
  if (!x || typeof x !== "object") throw new PfnlabError("followPfnmapStart", "args", x, "must be { vma, address }");
  for (const k of ["pfn", "pgprot", "writable", "special"]) {
    if (Object.hasOwn(x, k))
      throw new PfnlabError(
        "followPfnmapStart",
        `args.${k}`,
        (x as unknown as Record<string, unknown>)[k],
        "is an output; pass only { vma, address }",
      );
  }
  // Check the inputs before the object is turned into args, so a refused call leaves it as it was.
  checkVma("followPfnmapStart", x.vma);
  checkInteger("followPfnmapStart", "address", x.address);
  Object.setPrototypeOf(x, FollowPfnmapArgs.prototype);
  resetFollowArgs(x as FollowPfnmapArgs);
  return x as FollowPfnmapArgs;
}

/** Remember who started it (used by the mmap-unlock check). */
export function markStarted(a: FollowPfnmapArgs, task: Task): void {
  a.taskName = task.name;
}
