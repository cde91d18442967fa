/**
 * follow_pfnmap_start() / follow_pfnmap_end() (mm/memory.c, added in v6.12 by
 * 6da8e9634bb7 "mm: new follow_pfnmap API"; recheck fixed by ffef67b93aa3
 * "mm/memory: fix PMD/PUD checks in follow_pfnmap_start()"). The "fixed" variant is the
 * text of Debian's 6.12.118, which carries that backport (mm/memory.c:6448-6534).
 *
 * start(), in the kernel's order:
 *  1. pfnmap_lockdep_assert(): mmap_lock held, or i_mmap_rwsem for a file vma (a
 *     checker report, not a failure);
 *  2. address outside [vm_start, vm_end) -> -EINVAL; vma without VM_IO|VM_PFNMAP -> -EINVAL;
 *  3. retry: pgd none/bad (never, with 4-level paging the p4d is folded into the pgd, so
 *     pgd_none()/pgd_bad() are constant 0), p4d none/bad -> -EINVAL;
 *  4. pud read without a lock: none (v6.12) / not present (fixed) -> -EINVAL; a PUD leaf
 *     -> pud_lock() (= mm->page_table_lock on every architecture), recheck, fill outputs, return 0
 *     holding the lock, ptep = NULL;
 *  5. pmd read without a lock (pmdp_get_lockless); fixed: not present -> -EINVAL; a PMD
 *     leaf -> pmd_lock() (split PMD ptlock, or page_table_lock), recheck, same;
 *  6. pte_offset_map_lock() (NULL when the pmd holds no PTE table -> -EINVAL), then the
 *     pte is read under the PTE lock: not present -> unlock, -EINVAL; else fill outputs,
 *     return 0 holding the PTE lock.
 *
 * The v6.12 recheck bug, level by level (why the variants differ):
 *  - PUD: v6.12 takes pud_lock and then asks pud_leaf() of the value it read BEFORE the
 *    lock, which is always true; it never rereads the entry. A zap that clears the PUD
 *    leaf between the unlocked read and the lock goes unnoticed: start() returns 0 with
 *    the old pfn while the page table no longer maps it. Broken.
 *  - PMD: the same pattern with pmdp_get_lockless() and pmd_lock(). Broken.
 *  - PTE: not broken. pte_offset_map_lock() takes the PTE lock and rechecks that the pmd
 *    still points at the same table (pmd_same, else it retries), and the pte is then
 *    read under that lock, so a zap (which clears ptes under the same lock) is either
 *    fully before (pte not present: -EINVAL) or fully after end().
 *  - pgd/p4d: not affected (no lock is taken there; tables are not freed while mmap_lock
 *    is held, and a zap does not clear upper-level table entries).
 *  The fix rereads the entry under the lock (pudp_get/pmdp_get): not present ->
 *  unlock, -EINVAL; no longer a leaf -> unlock, retry the walk. It also checks
 *  pud_present/pmd_present before pud_leaf/pmd_leaf.
 *
 * Two forms: `followPfnmapStartSteps` yields a `ptRead` step at each entry read and
 * takes/releases locks through effects, so the scheduler can run a zap between the
 * unlocked read and the lock; `followPfnmapStart` is a straight-line twin for plain calls
 * (fast; a property test proves both agree on random states). Both ask the same per-level
 * verdicts (follow-levels.ts), and share the args bookkeeping (follow-state.ts).
 */
import { access, acquire, current, release, type Steps, type Task } from "../sched/effect";
import type { PageTablePage, Kernel, Mm } from "./mm-types";
import { drop, heldEntry, type Lock, take, wouldBlock } from "../sched/lock";
import { lockdep } from "../sched/lockdep";
import { VM_IO, VM_PFNMAP } from "./constants";
import { FollowPfnmapArgs, asFollowArgs, type FollowPfnmapInputs, type LeafLevel } from "./follow-args";
import {
  lockedLeafVerdict,
  p4dVerdict,
  pmdVerdict,
  pteOffsetMapVerdict,
  pteVerdict,
  pudVerdict,
} from "./follow-levels";
import { FN, beginStart, endCheck, fail, finishEnd, notStartedArgs, setup, validate } from "./follow-state";
import { pmdLockptr, pteLockptr, pudLockptr, readsEntry } from "./pagetable";
import { pfnmapLockdepAssert, reportNonPfnmapVma } from "./pfnmap-checks";
import type { EntryRef } from "./vma";

// ---------------------------------------------------------------------------------
// Stepwise form

/** pte_offset_map_lock() (mm/pgtable-generic.c __pte_offset_map_lock): map, lock, recheck the pmd, retry if it moved. */
export function* pteOffsetMapLockSteps(
  mm: Mm,
  pmdTable: PageTablePage,
  mi: number,
  site: string,
): Steps<{ table: PageTablePage; lock: Lock } | null> {
  for (;;) {
    yield* access("ptRead", `${site}: pte_offset_map: pmdp_get_lockless`, readsEntry(pmdTable, mi));
    const pmdval = pmdTable.entries[mi];
    const table = pmdTable.children![mi];
    if (pteOffsetMapVerdict(pmdval, table) !== "table") return null;
    const lock = pteLockptr(mm, table!);
    yield* acquire(lock, "write", `${site}: pte_offset_map_lock spin_lock`);
    yield* access("ptRead", `${site}: pte_offset_map_lock recheck pmd (pmd_same)`, readsEntry(pmdTable, mi));
    if (pmdTable.entries[mi] === pmdval && pmdTable.children![mi] === table) return { table: table!, lock };
    yield* release(lock, "write", `${site}: pte_offset_map_lock pmd changed, retry`);
  }
}

export function* followPfnmapStartSteps(input: FollowPfnmapArgs | FollowPfnmapInputs): Steps<number> {
  const args = asFollowArgs(input);
  validate(args);
  const vma = args.vma;
  const mm = vma.mm;
  const k = mm.kernel;
  const fixed = k.options.followPfnmapVariant === "fixed";
  const me = yield* current();
  beginStart(args, k, me);
  pfnmapLockdepAssert(k, me, vma, FN);
  const address = args.address;
  if (address < vma.vmStart || address >= vma.vmEnd) return fail(args, k, me, "outsideVma");
  if ((vma.vmFlags & (VM_IO | VM_PFNMAP)) === 0) {
    reportNonPfnmapVma(k, me, vma, FN);
    return fail(args, k, me, "notPfnmap");
  }
  const gi = Math.floor(address / 2 ** 39) % 512;
  const ui = Math.floor(address / 2 ** 30) % 512;
  const mi = Math.floor(address / 2 ** 21) % 512;
  const ti = Math.floor(address / 4096) % 512;
  for (;;) {
    // retry:
    yield* access("ptRead", `${FN}: pgd_offset/p4dp_get`, readsEntry(mm.pgd, gi));
    const pudTable = mm.pgd.children![gi];
    const p4d = p4dVerdict(mm.pgd.entries[gi], pudTable);
    if (p4d !== "table") return fail(args, k, me, p4d);

    yield* access("ptRead", `${FN}: pudp_get (no lock)`, readsEntry(pudTable!, ui));
    const pud = pudTable!.entries[ui];
    const pmdTable = pudTable!.children![ui];
    const u = pudVerdict(pud, fixed, pmdTable);
    if (u === "leaf") {
      const lock = pudLockptr(mm);
      yield* acquire(lock, "write", `${FN}: pud_lock`);
      if (fixed) {
        yield* access("ptRead", `${FN}: pudp_get under pud_lock`, readsEntry(pudTable!, ui));
        const again = pudTable!.entries[ui];
        const r = lockedLeafVerdict(again);
        if (r === "gone") {
          yield* release(lock, "write", `${FN}: spin_unlock (pud gone)`);
          return fail(args, k, me, "pudGoneUnderLock");
        }
        if (r === "retry") {
          yield* release(lock, "write", `${FN}: spin_unlock (pud no longer a leaf: retry)`);
          k.note(FN, me, "pud no longer a leaf under the lock: retry the walk", { address });
          continue;
        }
        return setup(args, lock, null, again, "pud");
      }
      // v6.12: "if (!pud_leaf(pud))" tests the copy read before the lock: always false, no reread.
      return setup(args, lock, null, pud, "pud");
    }
    if (u !== "table") return fail(args, k, me, u);

    yield* access("ptRead", `${FN}: pmdp_get_lockless`, readsEntry(pmdTable!, mi));
    const pmd = pmdTable!.entries[mi];
    const m = pmdVerdict(pmd, fixed);
    if (m === "pmdNotPresent") return fail(args, k, me, m);
    if (m === "leaf") {
      const lock = pmdLockptr(mm, pmdTable!);
      yield* acquire(lock, "write", `${FN}: pmd_lock`);
      if (fixed) {
        yield* access("ptRead", `${FN}: pmdp_get under pmd_lock`, readsEntry(pmdTable!, mi));
        const again = pmdTable!.entries[mi];
        const r = lockedLeafVerdict(again);
        if (r === "gone") {
          yield* release(lock, "write", `${FN}: spin_unlock (pmd gone)`);
          return fail(args, k, me, "pmdGoneUnderLock");
        }
        if (r === "retry") {
          yield* release(lock, "write", `${FN}: spin_unlock (pmd no longer a leaf: retry)`);
          k.note(FN, me, "pmd no longer a leaf under the lock: retry the walk", { address });
          continue;
        }
        return setup(args, lock, null, again, "pmd");
      }
      return setup(args, lock, null, pmd, "pmd");
    }

    const mapped = yield* pteOffsetMapLockSteps(mm, pmdTable!, mi, FN);
    if (!mapped) return fail(args, k, me, "pteMapNull");
    yield* access("ptRead", `${FN}: ptep_get under the PTE lock`, readsEntry(mapped.table, ti));
    const pte = mapped.table.entries[ti];
    if (pteVerdict(pte) === "pteNotPresent") {
      yield* release(mapped.lock, "write", `${FN}: pte_unmap_unlock (pte not present)`);
      return fail(args, k, me, "pteNotPresent");
    }
    return setup(args, mapped.lock, { table: mapped.table, index: ti }, pte, "pte");
  }
}

/** follow_pfnmap_end(): unlock args.lock and pte_unmap(args.ptep). Every output is invalid afterwards. */
export function* followPfnmapEndSteps(args: FollowPfnmapArgs): Steps<void> {
  if (!(args instanceof FollowPfnmapArgs)) notStartedArgs(args);
  const me = yield* current();
  const k = args.vma.mm.kernel;
  if (!endCheck(args, k, me)) return;
  if (args.lock) yield* release(args.lock, "write", "followPfnmapEnd: spin_unlock");
  finishEnd(args);
}

// ---------------------------------------------------------------------------------
// Plain form: the same algorithm, straight-line, locks taken directly in the kernel's
// sync context (what runSteps would do for each acquire/release effect). Written for
// speed, as src/bench/lookups.ts measures it against a bare typed-array walk: no
// generator, constant site strings, entries decoded with x - floor(x / 4096) * 4096
// (pte.ts header) by the same verdicts the stepwise form asks, the common case of every
// check tested inline before the shared (reporting) helper is called, and one call
// site per helper so that V8 inlines them all into followPfnmapStart.

const SITE_PUD_LOCK = `${FN}: pud_lock`;
const SITE_PMD_LOCK = `${FN}: pmd_lock`;
const SITE_PTE_LOCK = `${FN}: pte_offset_map_lock spin_lock`;
const SITE_PTE_UNLOCK = `${FN}: pte_unmap_unlock (pte not present)`;
const SITE_END_UNLOCK = "followPfnmapEnd: spin_unlock";

/** Take `lock` for write in the sync context, as runSteps does for an acquire effect. */
function syncAcquire(k: Kernel, task: Task, lock: Lock, site: string): void {
  if (!lock.holders.empty) syncAcquireBusy(k, task, lock, site);
  take(task, heldEntry(lock, "write", site));
}

/** The lock is held already: lockdep's checks, then fail (nothing could ever release it). */
function syncAcquireBusy(k: Kernel, task: Task, lock: Lock, site: string): void {
  lockdep.beforeAcquire(k.checker, task, lock, "write", site);
  if (!lock.available("write")) throw wouldBlock(site, lock, FN);
}

/** Release `lock` in the sync context (lockdep reports a release of a lock not held, and nothing happens). */
function syncRelease(k: Kernel, task: Task, lock: Lock, site: string): void {
  if (!lock.holders.has(task) && !lockdep.beforeRelease(k.checker, task, lock, site)) return;
  drop(task, lock);
}

function holdsFast(task: Task, lock: Lock): boolean {
  const h = task.held;
  for (let i = 0; i < h.length; i++) if (h[i].lock === lock) return true;
  return false;
}

/**
 * follow_pfnmap_start(args) as a plain call in task "main": 0 or -EINVAL (reason in
 * args.reason and kernel.trace). Same decisions in the same order as
 * followPfnmapStartSteps; test/mm/property.test.ts checks both forms agree.
 */
export function followPfnmapStart(input: FollowPfnmapArgs | FollowPfnmapInputs): number {
  const args = input instanceof FollowPfnmapArgs ? input : asFollowArgs(input);
  const vma = args.vma;
  const address = args.address;
  if (
    typeof vma !== "object" ||
    vma === null ||
    typeof vma.vmStart !== "number" ||
    !vma.mm ||
    vma.detached ||
    !Number.isInteger(address)
  )
    validate(args);
  const mm = vma.mm;
  const k = mm.kernel;
  const me = k.ctx.task;
  beginStart(args, k, me);
  if (!holdsFast(me, mm.mmapLock)) pfnmapLockdepAssert(k, me, vma, FN);
  if (address < vma.vmStart || address >= vma.vmEnd) return fail(args, k, me, "outsideVma");
  if ((vma.vmFlags & (VM_IO | VM_PFNMAP)) === 0) {
    reportNonPfnmapVma(k, me, vma, FN);
    return fail(args, k, me, "notPfnmap");
  }
  // The page-table part: the per-level verdicts, the lock, the outputs.
  const fixed = k.options.followPfnmapVariant === "fixed";
  // No retry loop: with nobody else running, a reread under the lock sees the same entry.
  const gq = Math.floor(address / 549755813888);
  const gi = gq - Math.floor(gq / 512) * 512;
  const pudTable = mm.pgd.children![gi];
  const p4d = p4dVerdict(mm.pgd.entries[gi], pudTable);
  if (p4d !== "table") return fail(args, k, me, p4d);

  const uq = Math.floor(address / 1073741824);
  const ui = uq - Math.floor(uq / 512) * 512;
  const pud = pudTable!.entries[ui];
  const pmdTable = pudTable!.children![ui];
  const u = pudVerdict(pud, fixed, pmdTable);
  // Find the leaf and its lock; one shared tail takes the lock and fills the outputs
  // (a single call site each keeps the compiled function small enough to inline them).
  let lock: Lock;
  let leaf: LeafLevel;
  let v: number;
  let site: string;
  let table: PageTablePage | null = null;
  if (u === "leaf") {
    lock = pudLockptr(mm);
    leaf = "pud";
    v = pud;
    site = SITE_PUD_LOCK;
  } else {
    if (u !== "table") return fail(args, k, me, u);
    const mq = Math.floor(address / 2097152);
    const mi = mq - Math.floor(mq / 512) * 512;
    const pmd = pmdTable!.entries[mi];
    const m = pmdVerdict(pmd, fixed);
    if (m === "leaf") {
      lock = pmdLockptr(mm, pmdTable!);
      leaf = "pmd";
      v = pmd;
      site = SITE_PMD_LOCK;
    } else {
      if (m !== "table") return fail(args, k, me, m);
      table = pmdTable!.children![mi];
      if (pteOffsetMapVerdict(pmd, table) !== "table") return fail(args, k, me, "pteMapNull");
      lock = pteLockptr(mm, table!);
      leaf = "pte";
      v = 0;
      site = SITE_PTE_LOCK;
    }
  }
  syncAcquire(k, me, lock, site);
  let ptep: EntryRef | null = null;
  if (table !== null) {
    // pte_offset_map_lock() done: the pte is read under the PTE lock.
    const tq = Math.floor(address / 4096);
    const ti = tq - Math.floor(tq / 512) * 512;
    v = table.entries[ti];
    if (pteVerdict(v) === "pteNotPresent") {
      syncRelease(k, me, lock, SITE_PTE_UNLOCK);
      return fail(args, k, me, "pteNotPresent");
    }
    ptep = { table, index: ti };
  }
  return setup(args, lock, ptep, v, leaf);
}

/** follow_pfnmap_end(args) as a plain call. */
export function followPfnmapEnd(args: FollowPfnmapArgs): void {
  if (!(args instanceof FollowPfnmapArgs)) notStartedArgs(args);
  const k = args.vma.mm.kernel;
  const me = k.ctx.task;
  if (!(args instanceof FollowPfnmapArgs && args.state === "started") && !endCheck(args, k, me)) return;
  if (args.lock) syncRelease(k, me, args.lock, SITE_END_UNLOCK);
  finishEnd(args);
}
