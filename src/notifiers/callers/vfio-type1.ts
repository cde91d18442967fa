/**
 * VFIO type1 mapping a VM_PFNMAP range (e.g. another device's BAR, for peer-to-peer DMA)
 * into the IOMMU: drivers/vfio/vfio_iommu_type1.c, v6.12, vfio_pin_pages_remote() ->
 * vaddr_get_pfns() -> follow_fault_pfn(), then vfio_iommu_map() -> iommu_map().
 *
 * What the kernel does (line numbers of Debian's 6.12.118): under mmap_read_lock,
 * pin_user_pages_remote() refuses the VM_IO|VM_PFNMAP vma, so vaddr_get_pfns()
 * (vfio_iommu_type1.c:551) finds the vma and calls follow_fault_pfn() (:512):
 * follow_pfnmap_start(), -EFAULT for a write mapping of a pfn without args.writable,
 * else copy args.pfn; follow_pfnmap_end(). Back in vaddr_get_pfns (:580-584) the pfn is
 * refused with -EFAULT unless is_invalid_reserved_pfn(pfn) (:454): no struct page, or a
 * PageReserved one. Ordinary RAM behind a VM_PFNMAP vma is never mapped this way, so the
 * use-after-free story here is about BAR pfns (the model's RAM pages are never reserved:
 * every RAM pfn is refused). The lock is dropped and the pfn is programmed into the IOMMU.
 * No MMU notifier is registered: a later zap of the user mapping leaves the IOMMU entry
 * in place, and the device keeps DMAing into memory the process gave up ("Concurrent zap
 * results in a UAF through the IOMMU mapping", Jason Gunthorpe on the follow_pfnmap
 * series). fixup_user_fault() after a failed lookup is not modelled: the model reports
 * the failure as einval.
 *
 * `withIntervalNotifier: true` is the safe design (what a notifier-aware driver such as
 * one using mmu_interval_notifier does; VFIO type1 does not): insert an interval notifier
 * on the range, read_begin before the lookup, and under the driver lock that the
 * invalidate callback also takes, read_retry -> start over, else iommu_map. The callback
 * sets the seq and unmaps the IOMMU entry before the CPU page table is cleared.
 */
import { acquire, cpuRelax, current, release, step, type Steps } from "../../sched/effect";
import { ownedSite } from "../../sched/site";
import { Lock } from "../../sched/lock";
import { followPfnmapEndSteps } from "../../mm/follow";
import { followPfnmapArgs } from "../../mm/follow-args";
import { mmapReadLockSteps, mmapReadUnlockSteps } from "../../mm/mmap-lock";
import type { Iommu } from "../iommu";
import {
  mmuIntervalNotifierInsert,
  mmuIntervalReadBeginSteps,
  mmuIntervalReadRetry,
  mmuIntervalSetSeq,
} from "../../mm/interval-notifier";
import type { MmuIntervalNotifier } from "../../mm/subscriptions";
import { checkAttempts, siteOf, startAndClassify, type CallerEnv, type CallerInstance } from "./types";
import { EFAULT, EINVAL } from "../../mm/errors";
import { hex } from "../../mm/constants";
import type { Kernel } from "../../mm/kernel";

/**
 * is_invalid_reserved_pfn() (drivers/vfio/vfio_iommu_type1.c:454, 6.12): true for a pfn
 * without a struct page (pfn_valid() false: a BAR) or with a PageReserved one. The model
 * keeps no reserved RAM pages, so every RAM pfn is "valid and not reserved": refused.
 */
export function isInvalidReservedPfn(k: Kernel, pfn: number): boolean {
  return !k.physmem.isRamPfn(pfn);
}

export interface VfioType1Options {
  iommu: Iommu;
  /** IO virtual address the user asked for (VFIO_IOMMU_MAP_DMA). Default 0x100000. */
  iova?: number;
  /** Register an interval notifier and use the read_begin/read_retry protocol. Default false (what VFIO does). */
  withIntervalNotifier?: boolean;
  /** Map for device writes (checks args.writable). Default true. */
  write?: boolean;
  /** The device DMAs through the mapping after it is set up. Default true. */
  dma?: boolean;
  /** Lookups before giving up when the notifier keeps forcing retries. Default 3. */
  maxAttempts?: number;
  name?: string;
}

export function vfioType1Caller(env: CallerEnv, opts: VfioType1Options): CallerInstance {
  const name = opts.name ?? "vfio";
  const iommu = opts.iommu;
  const iova = opts.iova ?? 0x100000;
  const write = opts.write ?? true;
  const maxAttempts = opts.maxAttempts ?? 3;
  checkAttempts("vfioType1Caller", maxAttempts);
  const who = "vfio_iommu_type1 follow_fault_pfn";
  // The driver's lock serialising IOMMU updates against the invalidate callback (iommu->lock is a mutex).
  const userLock = new Lock("mutex", "&iommu->lock", `${name} iommu->lock`);
  let sub: MmuIntervalNotifier | null = null;
  let mapped = false;
  if (opts.withIntervalNotifier) {
    sub = mmuIntervalNotifierInsert(env.mm, env.vma.vmStart, env.vma.size, {
      name: `${name}_interval_notifier`,
      invalidate: function* (s, range, curSeq): Steps<boolean> {
        yield* acquire(userLock, "write", ownedSite(name, "invalidate callback mutex_lock(&iommu->lock)"));
        mmuIntervalSetSeq(s, curSeq);
        if (mapped && env.address >= range.start && env.address < range.end) {
          yield* iommu.unmapSteps(iova, 4096);
          mapped = false;
        }
        yield* release(userLock, "write", ownedSite(name, "invalidate callback mutex_unlock(&iommu->lock)"));
        return true;
      },
    });
  }
  return {
    name,
    source: "drivers/vfio/vfio_iommu_type1.c vaddr_get_pfns/follow_fault_pfn + vfio_iommu_map, v6.12",
    describe: () =>
      `iova ${iova.toString(16)} ${mapped ? "mapped" : "not mapped"}${sub ? `, notifier seq ${sub.invalidateSeq}` : ""}`,
    body: function* (): Steps<number> {
      const me = yield* current();
      let ret = -EINVAL;
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const seq = sub ? yield* mmuIntervalReadBeginSteps(sub) : 0;
        yield* mmapReadLockSteps(env.mm);
        yield* step(
          "work",
          ownedSite(name, "vaddr_get_pfns: pin_user_pages_remote refuses VM_PFNMAP, vma_lookup -> follow_fault_pfn"),
        );
        const args = followPfnmapArgs(env.vma, env.address);
        const r = yield* startAndClassify(env, args, who);
        if (r !== 0) {
          yield* mmapReadUnlockSteps(env.mm);
          return r;
        }
        const pfn = args.pfn;
        const ok = !write || args.writable;
        yield* followPfnmapEndSteps(args);
        if (!ok) {
          yield* mmapReadUnlockSteps(env.mm);
          env.san.discard(me.name, who, `follow_fault_pfn: write mapping of a read-only pfn ${hex(pfn)}: -EFAULT`);
          return -EFAULT;
        }
        if (!isInvalidReservedPfn(env.kernel, pfn)) {
          yield* mmapReadUnlockSteps(env.mm);
          env.san.discard(
            me.name,
            who,
            `vaddr_get_pfns: pfn ${hex(pfn)} is ordinary RAM (!is_invalid_reserved_pfn): -EFAULT`,
          );
          return -EFAULT;
        }
        yield* mmapReadUnlockSteps(env.mm);
        if (sub) {
          yield* acquire(userLock, "write", ownedSite(name, "mutex_lock(&iommu->lock) before iommu_map"));
          if (mmuIntervalReadRetry(sub, seq)) {
            yield* release(userLock, "write", ownedSite(name, "mmu_interval_read_retry: collided, unlock and retry"));
            env.san.retried(
              me.name,
              who,
              `interval notifier seq moved from ${seq} to ${sub.invalidateSeq}: look the pfn up again`,
            );
            yield* cpuRelax(ownedSite(name, "retry the lookup"));
            continue;
          }
        }
        ret = yield* iommu.mapSteps(iova, pfn, { writable: write, site: siteOf(env) });
        if (ret === 0) mapped = true;
        if (sub) yield* release(userLock, "write", ownedSite(name, "mutex_unlock(&iommu->lock) after iommu_map"));
        break;
      }
      if (opts.dma ?? true) yield* iommu.dmaSteps(iova, write);
      return ret;
    },
  };
}
