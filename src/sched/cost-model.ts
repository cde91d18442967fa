/**
 * The cost model: how many simulated nanoseconds each effect takes. Only the order of
 * magnitude matters for the lessons (a TLB shootdown dwarfs a PTE read; a sleeping
 * lock's wake-up dwarfs a spinlock handoff), so each value is a round number with the
 * reason for its size. Every value is adjustable: `createCostModel({ tlbFlush: 5000 })`.
 * The wall clock is never read.
 */
import type { CostName } from "./effect";
import type { LockKind } from "./lock";

export interface CostModel {
  // ---- step costs, one per CostName of effect.ts (per unit when `units` is given) ----
  /** One page-table entry read: the walk's entries usually hit L2/LLC, ~10 ns. */
  ptRead: number;
  /** One page-table entry write (set_pte / ptep_get_and_clear is an atomic xchg): ~20 ns. */
  ptWrite: number;
  /** Touching the memory behind a pfn: for device BAR memory an uncached PCIe MMIO read, ~500 ns round trip. */
  pfnUse: number;
  /** TLB flush after a zap: local invlpg plus IPIs to the other CPUs of the mm (shootdown), ~2 µs. */
  tlbFlush: number;
  /** Programming one IOMMU entry (io page-table write plus IOTLB invalidation), ~1 µs. */
  iommuMap: number;
  /** ioremap_prot(): allocate a vmalloc area, build kernel page tables, flush: ~10 µs (and it may sleep). */
  ioremap: number;
  /** Copying one small buffer (up to a few cache lines): ~100 ns. */
  memcpy: number;
  /** One MMU-notifier callback (indirect call plus the secondary MMU's bookkeeping): ~200 ns. */
  notifier: number;
  /** Anything else the model wants to account for (caller-chosen units): 50 ns. */
  work: number;

  // ---- lock costs, added by the scheduler ----
  /** cpu_relax() in a retry loop: one PAUSE instruction, ~40 ns on recent x86 (it also keeps spinning loops moving in simulated time). */
  cpuRelax: number;
  /** spin_lock() uncontended: one atomic cmpxchg on a line already in this CPU's cache, ~20 ns. */
  spinAcquire: number;
  /** spin_unlock(): a plain release store, ~5 ns. */
  spinRelease: number;
  /** down_read()/down_write() fast path: one atomic on the count, ~25 ns. */
  rwsemAcquire: number;
  /** up_read()/up_write(): one atomic, ~20 ns. */
  rwsemRelease: number;
  /** mutex_lock() fast path: one cmpxchg of the owner word, ~20 ns. */
  mutexAcquire: number;
  /** mutex_unlock() fast path: one cmpxchg, ~20 ns. */
  mutexRelease: number;
  /**
   * A lock word moving to another CPU's cache (the "bounce" lock_stat counts):
   * a cross-core cache-to-cache transfer is ~100 ns (40-100 on one socket, more across).
   * Added to an acquisition when the lock was last taken on another CPU, and to every
   * handoff between CPUs.
   */
  cacheLineBounce: number;
  /**
   * Waking a task that sleeps on an rwsem or mutex: try_to_wake_up, an IPI if the CPU is
   * idle, and the context switch back: ~3 µs. Spinning waiters (spinlocks) do not pay it;
   * that is why spinlocks exist.
   */
  wakeup: number;
}

export const DEFAULT_COSTS: Readonly<CostModel> = Object.freeze({
  ptRead: 10,
  ptWrite: 20,
  pfnUse: 500,
  tlbFlush: 2000,
  iommuMap: 1000,
  ioremap: 10000,
  memcpy: 100,
  notifier: 200,
  work: 50,
  cpuRelax: 40,
  spinAcquire: 20,
  spinRelease: 5,
  rwsemAcquire: 25,
  rwsemRelease: 20,
  mutexAcquire: 20,
  mutexRelease: 20,
  cacheLineBounce: 100,
  wakeup: 3000,
});

/** Every key of the cost model, in declaration order (for listings and validation). */
export const COST_KEYS = Object.keys(DEFAULT_COSTS) as (keyof CostModel)[];

/** The defaults with `overrides` applied; rejects unknown keys and negative or non-finite values. */
export function createCostModel(overrides: Partial<CostModel> = {}): CostModel {
  const model: CostModel = { ...DEFAULT_COSTS };
  for (const [k, v] of Object.entries(overrides)) {
    if (!(k in DEFAULT_COSTS)) {
      throw new Error(`createCostModel: unknown cost '${k}' (known: ${COST_KEYS.join(", ")})`);
    }
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new Error(`createCostModel: cost ${k} = ${String(v)} must be a finite number >= 0 (simulated ns)`);
    }
    model[k as keyof CostModel] = v;
  }
  return model;
}

/** Cost of one step effect: cost per unit times units (default one unit). */
export function stepCost(model: CostModel, cost: CostName, units = 1): number {
  const per = model[cost];
  if (per === undefined) throw new Error(`stepCost: unknown cost name '${cost}'`);
  if (!Number.isFinite(units) || units < 0) throw new Error(`stepCost: units ${units} for '${cost}' must be >= 0`);
  return per * units;
}

export function acquireCost(model: CostModel, kind: LockKind): number {
  return kind === "spinlock" ? model.spinAcquire : kind === "rwsem" ? model.rwsemAcquire : model.mutexAcquire;
}

export function releaseCost(model: CostModel, kind: LockKind): number {
  return kind === "spinlock" ? model.spinRelease : kind === "rwsem" ? model.rwsemRelease : model.mutexRelease;
}

/** Whether waiters of this kind of lock sleep (and so pay `wakeup` on handoff). */
export function waitersSleep(kind: LockKind): boolean {
  return kind !== "spinlock";
}
