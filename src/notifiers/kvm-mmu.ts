/**
 * A secondary MMU for a guest: KVM's shadow/EPT entries (sptes) caching the pfns of a
 * memslot, and the MMU-notifier half of virt/kvm/kvm_main.c (v6.12):
 *
 *  - kvm_mmu_notifier_invalidate_range_start(): for a range that hits the memslot, take
 *    mmu_lock for write, kvm_mmu_invalidate_begin() (mmu_invalidate_in_progress++, and on
 *    the first one reset the range), kvm_mmu_invalidate_range_add() (widen the gfn range
 *    being invalidated), zap the sptes of the range and flush the guest TLBs, unlock;
 *  - kvm_mmu_notifier_invalidate_range_end(): under mmu_lock, kvm_mmu_invalidate_end():
 *    mmu_invalidate_seq++, then mmu_invalidate_in_progress--;
 *  - mmu_invalidate_retry_gfn() (include/linux/kvm_host.h), called by the page-fault path
 *    under mmu_lock with the seq it sampled before looking up the pfn: retry when an
 *    invalidation covering the gfn is in progress or the seq moved.
 *
 * x86 makes mmu_lock an rwlock (faults may take it for read with the TDP MMU); the model
 * uses one spinlock taken exclusively, as the other architectures do.
 */
import { acquire, current, holds, release, step, type Steps, type Task } from "../sched/effect";
import { ownedSite } from "../sched/site";
import { Lock } from "../sched/lock";
import type { LookupSite, PfnHold, Sanitizer } from "../checks/sanitizer";
import { hex } from "../mm/constants";
import type { Mm } from "../mm/mm-types";
import { mmuNotifierRegister } from "../mm/mmu-notifier";
import type { MmuNotifier, MmuNotifierRange } from "../mm/subscriptions";

/** INVALID_GPA: no range recorded yet. */
export const INVALID_GPA = -1;

/** struct kvm_memory_slot, reduced: guest frames [baseGfn, baseGfn+npages) backed by user memory at userspaceAddr. */
export interface KvmMemslot {
  baseGfn: number;
  npages: number;
  userspaceAddr: number;
}

/** One shadow/EPT entry. */
export interface Spte {
  pfn: number;
  writable: boolean;
  hold: PfnHold | null;
}

export class KvmMmu {
  readonly mmuLock: Lock;
  mmuInvalidateSeq = 0;
  mmuInvalidateInProgress = 0;
  mmuInvalidateRangeStart = INVALID_GPA;
  mmuInvalidateRangeEnd = INVALID_GPA;
  /** gfn -> spte. */
  readonly sptes = new Map<number, Spte>();
  readonly notifier: MmuNotifier;
  /** Guest accesses, in order. */
  readonly accessLog: { task: string; gfn: number; pfn: number | null; outcome: string | null }[] = [];

  constructor(
    readonly mm: Mm,
    readonly slot: KvmMemslot,
    readonly san: Sanitizer | null = null,
    readonly name = "kvm",
  ) {
    this.mmuLock = new Lock("spinlock", "&kvm->mmu_lock", `${name} mmu_lock`);
    // kvm_init_mmu_notifier(): mmu_notifier_register(&kvm->mmu_notifier, current->mm)
    this.notifier = mmuNotifierRegister(mm, {
      name: `${name}_mmu_notifier`,
      invalidateRangeStart: (_s, r) => this.invalidateRangeStartSteps(r),
      invalidateRangeEnd: (_s, r) => this.invalidateRangeEndSteps(r),
    });
  }

  /** __gfn_to_hva_memslot(). */
  gfnToHva(gfn: number): number {
    if (gfn < this.slot.baseGfn || gfn >= this.slot.baseGfn + this.slot.npages)
      throw new Error(`gfnToHva: gfn ${hex(gfn)} is outside the memslot`);
    return this.slot.userspaceAddr + (gfn - this.slot.baseGfn) * 4096;
  }

  /** The gfns of [start, end) (host virtual) inside the memslot, or null (hva_to_gfn_memslot over the overlap). */
  hvaRangeToGfns(start: number, end: number): [number, number] | null {
    const s = Math.max(start, this.slot.userspaceAddr);
    const e = Math.min(end, this.slot.userspaceAddr + this.slot.npages * 4096);
    if (s >= e) return null;
    const first = this.slot.baseGfn + Math.floor((s - this.slot.userspaceAddr) / 4096);
    const last = this.slot.baseGfn + Math.ceil((e - this.slot.userspaceAddr) / 4096);
    return [first, last];
  }

  /** kvm_mmu_notifier_invalidate_range_start() -> kvm_handle_hva_range(on_lock = begin, handler = unmap). */
  *invalidateRangeStartSteps(range: MmuNotifierRange): Steps<number> {
    const gfns = this.hvaRangeToGfns(range.start, range.end);
    if (!gfns) return 0;
    const me = yield* current();
    yield* acquire(this.mmuLock, "write", ownedSite(this.name, "invalidate_range_start KVM_MMU_LOCK"));
    // kvm_mmu_invalidate_begin()
    this.mmuInvalidateInProgress++;
    if (this.mmuInvalidateInProgress === 1) {
      this.mmuInvalidateRangeStart = INVALID_GPA;
      this.mmuInvalidateRangeEnd = INVALID_GPA;
    }
    // kvm_mmu_invalidate_range_add()
    if (this.mmuInvalidateRangeStart === INVALID_GPA) {
      this.mmuInvalidateRangeStart = gfns[0];
      this.mmuInvalidateRangeEnd = gfns[1];
    } else {
      this.mmuInvalidateRangeStart = Math.min(this.mmuInvalidateRangeStart, gfns[0]);
      this.mmuInvalidateRangeEnd = Math.max(this.mmuInvalidateRangeEnd, gfns[1]);
    }
    yield* step("ptWrite", ownedSite(this.name, `kvm_unmap_gfn_range [${hex(gfns[0])}, ${hex(gfns[1])}) zaps sptes`));
    this.zapSptes(gfns[0], gfns[1], me);
    yield* step("tlbFlush", ownedSite(this.name, "kvm_flush_remote_tlbs"));
    yield* release(this.mmuLock, "write", ownedSite(this.name, "invalidate_range_start KVM_MMU_UNLOCK"));
    return 0;
  }

  /** kvm_mmu_notifier_invalidate_range_end() -> kvm_mmu_invalidate_end() under mmu_lock. */
  *invalidateRangeEndSteps(range: MmuNotifierRange): Steps<void> {
    if (!this.hvaRangeToGfns(range.start, range.end)) return;
    yield* acquire(this.mmuLock, "write", ownedSite(this.name, "invalidate_range_end KVM_MMU_LOCK"));
    this.mmuInvalidateSeq++;
    this.mmuInvalidateInProgress--;
    yield* release(this.mmuLock, "write", ownedSite(this.name, "invalidate_range_end KVM_MMU_UNLOCK"));
  }

  private zapSptes(first: number, last: number, me: Task): void {
    for (let g = first; g < last; g++) {
      const s = this.sptes.get(g);
      if (!s) continue;
      if (s.hold && this.san) this.san.release(s.hold, me.name);
      this.sptes.delete(g);
    }
  }

  /**
   * mmu_invalidate_retry_gfn(kvm, mmu_seq, gfn): 1 when an invalidation covering gfn is
   * in progress or mmu_invalidate_seq moved since mmu_seq was read. The kernel asserts
   * mmu_lock is held (lockdep_assert_held); the model reports it to the checker.
   */
  mmuInvalidateRetryGfn(task: Task, mmuSeq: number, gfn: number): boolean {
    if (!holds(task, this.mmuLock)) {
      this.mm.kernel.checker.report({
        rule: "kvm-retry-without-mmu-lock",
        message:
          "mmu_invalidate_retry_gfn() called without kvm->mmu_lock: the check is only meaningful under the lock the notifier takes (include/linux/kvm_host.h lockdep_assert_held)",
        site: "mmu_invalidate_retry_gfn",
        task: task.name,
      });
    }
    if (this.mmuInvalidateInProgress > 0) {
      if (this.mmuInvalidateRangeStart === INVALID_GPA) return true;
      if (gfn >= this.mmuInvalidateRangeStart && gfn < this.mmuInvalidateRangeEnd) return true;
    }
    return this.mmuInvalidateSeq !== mmuSeq;
  }

  /** Install the spte for gfn (the tail of kvm_tdp_mmu_map / __direct_map), under mmu_lock. */
  installSpte(task: Task, gfn: number, pfn: number, writable: boolean, site: LookupSite | null): Spte {
    if (!holds(task, this.mmuLock))
      throw new Error(`installSpte: ${task.name} must hold ${this.mmuLock} to install an spte`);
    const old = this.sptes.get(gfn);
    if (old?.hold && this.san) this.san.release(old.hold, task.name);
    const hold = this.san ? this.san.hold(task.name, `${this.name} spte gfn ${hex(gfn)}`, pfn, site) : null;
    const s: Spte = { pfn, writable, hold };
    this.sptes.set(gfn, s);
    return s;
  }

  /** The vCPU touches gfn: through the spte when there is one (hardware, no lock), else an EPT violation. */
  *guestAccessSteps(gfn: number, write = false): Steps<{ pfn: number | null; outcome: string | null }> {
    const me = yield* current();
    yield* step("pfnUse", `vcpu ${write ? "writes" : "reads"} gfn ${hex(gfn)} through the EPT`);
    const s = this.sptes.get(gfn);
    let res: { pfn: number | null; outcome: string | null };
    if (!s) {
      this.san?.fault(
        me.name,
        this.name,
        `EPT violation at gfn ${hex(gfn)}: no spte (the vcpu would fault it in again)`,
      );
      res = { pfn: null, outcome: null };
    } else {
      res = {
        pfn: s.pfn,
        outcome: s.hold && this.san ? this.san.access(s.hold, me.name, write ? "guest-write" : "guest-read") : null,
      };
    }
    this.accessLog.push({ task: me.name, gfn, ...res });
    return res;
  }
}
