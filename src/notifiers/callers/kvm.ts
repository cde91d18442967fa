/**
 * KVM faulting in a guest page backed by a VM_PFNMAP range (e.g. a device BAR given to
 * the guest): virt/kvm/kvm_main.c, 6.12, hva_to_pfn() -> hva_to_pfn_remapped(), and the
 * x86 fault path around it.
 *
 * The path modelled is one: x86-64 with the TDP MMU (EPT/NPT, the default),
 * kvm_tdp_mmu_page_fault() (arch/x86/kvm/mmu/mmu.c:4710 in 6.12.118): kvm_faultin_pfn()
 * samples fault->mmu_seq (:4482) and looks the pfn up; then read_lock(&kvm->mmu_lock)
 * (:4734), is_page_fault_stale() (:4583, whose last test is mmu_invalidate_retry_gfn),
 * and kvm_tdp_mmu_map() installs the spte, all under the read lock. (The shadow-MMU
 * path, direct_page_fault(), takes write_lock instead; it is not modelled.) The model has
 * no rwlock_t: kvm->mmu_lock is one exclusive spinlock, taken here where the TDP MMU
 * takes read_lock. That is stricter only against other faulting vCPUs (there is one);
 * against the MMU notifier, which takes mmu_lock for write (KVM_MMU_LOCK), read and
 * exclusive exclude it the same way.
 *
 * The order that makes it safe: sample mmu_seq = kvm->mmu_invalidate_seq before the
 * lookup; under mmap_read_lock do follow_pfnmap_start(), copy pfn and writable,
 * follow_pfnmap_end() (no reference is taken on a special pfn); then take mmu_lock and
 * ask mmu_invalidate_retry_gfn(mmu_seq, gfn): if an invalidation covering the gfn is in
 * progress or one finished since the sample, drop the pfn and return RET_PF_RETRY (the
 * vCPU re-enters the guest and faults again); else install the spte under mmu_lock.
 * KVM's MMU notifier (kvm-mmu.ts) zaps sptes under the same lock before the CPU page
 * table changes, so the guest can never reach a pfn the host has unmapped.
 * fixup_user_fault() after a failed lookup is not modelled (reported as einval).
 */
import { acquire, cpuRelax, current, release, step, type Steps } from "../../sched/effect";
import { ownedSite } from "../../sched/site";
import { followPfnmapEndSteps } from "../../mm/follow";
import { followPfnmapArgs } from "../../mm/follow-args";
import { mmapReadLockSteps, mmapReadUnlockSteps } from "../../mm/mmap-lock";
import type { KvmMmu } from "../kvm-mmu";
import { checkAttempts, siteOf, startAndClassify, type CallerEnv, type CallerInstance } from "./types";

export interface KvmCallerOptions {
  kvm: KvmMmu;
  /** Guest frame faulted in; must map to env.address through the memslot. */
  gfn: number;
  /** Faults before the model stops (the real vCPU retries forever). Default 3. */
  maxAttempts?: number;
  /** The vCPU touches the page after the fault. Default true. */
  access?: boolean;
  /** Skip the mmu_invalidate_retry_gfn check (a broken KVM, for contrast). Default false. */
  skipRetryCheck?: boolean;
  name?: string;
}

export function kvmCaller(env: CallerEnv, opts: KvmCallerOptions): CallerInstance {
  const name = opts.name ?? "kvm";
  const kvm = opts.kvm;
  const maxAttempts = opts.maxAttempts ?? 3;
  checkAttempts("kvmCaller", maxAttempts);
  if (kvm.gfnToHva(opts.gfn) !== env.address - (env.address % 4096)) {
    throw new Error(
      `kvmCaller: gfn ${opts.gfn} maps hva ${kvm.gfnToHva(opts.gfn)}, not the looked-up address ${env.address}`,
    );
  }
  const who = "kvm hva_to_pfn_remapped";
  return {
    name,
    source:
      "virt/kvm/kvm_main.c hva_to_pfn_remapped + arch/x86/kvm/mmu/mmu.c kvm_tdp_mmu_page_fault (x86-64 TDP MMU: kvm_faultin_pfn, read_lock(mmu_lock), is_page_fault_stale, kvm_tdp_mmu_map), 6.12",
    describe: () =>
      `mmu_invalidate_seq ${kvm.mmuInvalidateSeq}, in progress ${kvm.mmuInvalidateInProgress}, sptes ${kvm.sptes.size}`,
    body: function* (): Steps<string> {
      const me = yield* current();
      let result = "gave-up";
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        yield* step("work", ownedSite(name, "kvm_faultin_pfn: mmu_seq = kvm->mmu_invalidate_seq; smp_rmb()"));
        const mmuSeq = kvm.mmuInvalidateSeq;
        yield* mmapReadLockSteps(env.mm);
        const args = followPfnmapArgs(env.vma, env.address);
        const r = yield* startAndClassify(env, args, who);
        if (r !== 0) {
          yield* mmapReadUnlockSteps(env.mm);
          result = "einval";
          break;
        }
        const pfn = args.pfn;
        const writable = args.writable;
        yield* followPfnmapEndSteps(args);
        yield* mmapReadUnlockSteps(env.mm);
        yield* acquire(
          kvm.mmuLock,
          "write",
          ownedSite(name, "kvm_tdp_mmu_page_fault read_lock(&kvm->mmu_lock) (modelled exclusive)"),
        );
        if (!opts.skipRetryCheck && kvm.mmuInvalidateRetryGfn(me, mmuSeq, opts.gfn)) {
          yield* release(kvm.mmuLock, "write", ownedSite(name, "is_page_fault_stale: read_unlock, RET_PF_RETRY"));
          env.san.retried(
            me.name,
            who,
            `mmu_invalidate_retry_gfn: seq ${mmuSeq} -> ${kvm.mmuInvalidateSeq}, in progress ${kvm.mmuInvalidateInProgress}`,
          );
          yield* cpuRelax(ownedSite(name, "re-enter the guest, fault again"));
          continue;
        }
        yield* step("ptWrite", ownedSite(name, "kvm_tdp_mmu_map installs the spte for gfn"));
        kvm.installSpte(me, opts.gfn, pfn, writable, siteOf(env));
        yield* release(kvm.mmuLock, "write", ownedSite(name, "kvm_tdp_mmu_page_fault read_unlock(&kvm->mmu_lock)"));
        result = "mapped";
        break;
      }
      if (opts.access ?? true) yield* kvm.guestAccessSteps(opts.gfn, false);
      return result;
    },
  };
}
