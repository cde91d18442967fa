/**
 * Sweeps of follow_pfnmap_start() / the legacy follow_pte() across a range of addresses
 * (notebooks 01 and 02): each lookup as plain data, classified by its cause.
 */
import { PAGE_SIZE, hex } from "../mm/constants";
import { followPfnmapEnd, followPfnmapStart } from "../mm/follow";
import { followPfnmapArgs, type LeafLevel } from "../mm/follow-args";
import { followPte, pteUnmapUnlock, type FollowPteOut } from "../mm/follow-pte";
import { mmapReadLock, mmapReadUnlock } from "../mm/mmap-lock";
import type { Mm, Vma } from "../mm/mm-types";
import { entryPfn } from "../mm/pte";
import { checkArray } from "./figures/format";
import { LOOKUP_CAUSES, lookupCause, type LookupCause } from "./lookup-causes";

/** One lookup of a sweep. */
export interface LookupPoint {
  address: number;
  /** 0 or -EINVAL. */
  ret: number;
  cause: LookupCause;
  /** The model's reason, in words. */
  reason: string;
  /** Level of the leaf found (success only). */
  leaf: LeafLevel | null;
  /** pfn returned (success only). */
  pfn: number | null;
  /** Lock class held between start and end (success only). */
  lock: string | null;
}

/** Which lookup a sweep runs: the v6.12 API or the legacy follow_pte (v6.11 and before). */
export type LookupApi = "follow_pfnmap" | "follow_pte";

/** Options of sweepLookups. */
export interface SweepOptions {
  /** First address (default vma.vmStart). */
  start?: number;
  /** End, exclusive (default vma.vmEnd). */
  end?: number;
  /** Distance between addresses, bytes (default PAGE_SIZE). */
  step?: number;
  /** Explicit addresses instead of start/end/step. */
  addresses?: number[];
  api?: LookupApi;
}

/** Holds mm's mmap_lock for read around fn, unless task "main" already holds it. */
function withMmapRead<T>(mm: Mm, fn: () => T): T {
  const held = mm.kernel.ctx.task.held.some((h) => h.lock === mm.mmapLock);
  if (!held) mmapReadLock(mm);
  try {
    return fn();
  } finally {
    if (!held) mmapReadUnlock(mm);
  }
}

/** The addresses a sweep visits. */
export function sweepAddresses(vma: Vma, opts: SweepOptions = {}): number[] {
  if (opts.addresses) return [...checkArray<number>("sweepAddresses", "addresses", opts.addresses)];
  const start = opts.start ?? vma.vmStart;
  const end = opts.end ?? vma.vmEnd;
  const step = opts.step ?? PAGE_SIZE;
  if (!(step > 0) || !Number.isInteger(step))
    throw new Error(`sweepAddresses: step ${step} must be a positive integer`);
  if (!(end > start)) throw new Error(`sweepAddresses: end ${hex(end)} must be above start ${hex(start)}`);
  if ((end - start) / step > 200_000)
    throw new Error(`sweepAddresses: ${Math.ceil((end - start) / step)} lookups is too many; use a larger step`);
  const out: number[] = [];
  for (let a = start; a < end; a += step) out.push(a);
  return out;
}

/**
 * Look up every address of the sweep as a correct caller does: mmap_lock held for
 * read (taken here if the caller does not hold it), start(), read the outputs, end().
 * `api: "follow_pte"` runs the legacy follow_pte() + pte_unmap_unlock() instead.
 */
export function sweepLookups(vma: Vma, opts: SweepOptions = {}): LookupPoint[] {
  const addrs = sweepAddresses(vma, opts);
  const api = opts.api ?? "follow_pfnmap";
  if (api !== "follow_pfnmap" && api !== "follow_pte")
    throw new Error(`sweepLookups: api ${String(api)} must be "follow_pfnmap" or "follow_pte"`);
  const mm = vma.mm;
  return withMmapRead(mm, () =>
    addrs.map((address): LookupPoint => {
      if (api === "follow_pte") {
        const out: FollowPteOut = { ptep: null, ptl: null, reason: "" };
        const ret = followPte(vma, address, out);
        if (ret !== 0)
          return {
            address,
            ret,
            cause: lookupCause(out.failure),
            reason: out.reason,
            leaf: null,
            pfn: null,
            lock: null,
          };
        const pfn = entryPfn(out.ptep!.table.entries[out.ptep!.index]);
        const lock = out.ptl!.className;
        pteUnmapUnlock(vma, out.ptep, out.ptl!);
        return { address, ret, cause: "ok", reason: "ok", leaf: "pte", pfn, lock };
      }
      const args = followPfnmapArgs(vma, address);
      const ret = followPfnmapStart(args);
      if (ret !== 0)
        return {
          address,
          ret,
          cause: lookupCause(args.failure),
          reason: args.reason,
          leaf: null,
          pfn: null,
          lock: null,
        };
      const point: LookupPoint = {
        address,
        ret,
        cause: "ok",
        reason: "ok",
        leaf: args.leaf,
        pfn: args.pfn,
        lock: args.lock!.className,
      };
      followPfnmapEnd(args);
      return point;
    }),
  );
}

/** Lookups per cause, only causes that occur, in LOOKUP_CAUSES order. */
export function countByCause(points: LookupPoint[]): Partial<Record<LookupCause, number>> {
  const out: Partial<Record<LookupCause, number>> = {};
  for (const c of LOOKUP_CAUSES) {
    const n = points.filter((p) => p.cause === c).length;
    if (n) out[c] = n;
  }
  return out;
}
