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
 * (fast; a property test proves both agree on random states).
 */
import { access, acquire, current, release, type Steps, type Task } from "../sched/effect";
import { drop, heldEntry, type Lock, take, wouldBlock } from "../sched/lock";
import { lockdep } from "../sched/lockdep";
import { VM_IO, VM_PFNMAP, hex } from "./constants";
import { EINVAL } from "./errors";
import {
  FollowPfnmapArgs,
  asFollowArgs,
  markStarted,
  type FollowPfnmapInputs,
  type LeafLevel,
  type FollowFailure,
} from "./follow-args";
import type { Kernel } from "./kernel";
import type { ActiveLookup, Mm } from "./mm";
import { pmdLockptr, pteLockptr, pudLockptr, readsEntry, type PageTablePage } from "./pagetable";
import {
  pfnmapLockdepAssert,
  reportEndTwice,
  reportEndWithoutStart,
  reportNonPfnmapVma,
  reportStartWhileActive,
} from "./pfnmap-checks";
import { entryBadTable, entryHugeLeaf, entryNone, entryPresent } from "./pte";
import { checkInteger, checkVma } from "./validate";
import { PfnlabError } from "./model-error";
import type { EntryRef, Vma } from "./vma";

const FN = "followPfnmapStart";

/** Failure reasons, shared by both forms (tests and explainWalk match on them). */
export const FOLLOW_REASONS = {
  outsideVma: (vma: Vma, a: number) => `address ${hex(a)} is outside the vma [${hex(vma.vmStart)}, ${hex(vma.vmEnd)})`,
  notPfnmap: (vma: Vma) => `vma ${vma.toString()} lacks VM_IO|VM_PFNMAP`,
  p4dNone: "p4d none: no PUD table for this 512 GiB slot (p4d_none; pgd_none is always false with the p4d folded)",
  p4dBad: "p4d bad: the top-level entry is not a valid table pointer (p4d_bad)",
  pudNone: "pud none: nothing mapped in this 1 GiB slot (pud_none)",
  pudNotPresent: "pud not present: nothing mapped in this 1 GiB slot (!pud_present)",
  pudGoneUnderLock: "pud leaf no longer present after taking pud_lock (zapped between the unlocked read and the lock)",
  pmdNotPresent: "pmd not present: nothing mapped in this 2 MiB slot (!pmd_present)",
  pmdGoneUnderLock: "pmd leaf no longer present after taking pmd_lock (zapped between the unlocked read and the lock)",
  pteMapNull: "pte_offset_map_lock() returned NULL: the pmd holds no PTE table (pmd none or a leaf)",
  pteNotPresent: "pte not present (!pte_present)",
} as const satisfies Record<FollowFailure, string | ((vma: Vma, a: number) => string)>;

// ---------------------------------------------------------------------------------
// Shared pieces

function beginStart(args: FollowPfnmapArgs, k: Kernel, task: Task): void {
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

function fail(args: FollowPfnmapArgs, k: Kernel, task: Task, failure: FollowFailure): number {
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

// Arithmetic note for both forms: x % m on a double above 2^31 (every entry holding a
// pfn, every address) makes V8 call a slow fmod; for integers x >= 0 and a power of
// two m, x - Math.floor(x / m) * m is the same value, exact below 2^53, and several
// times faster. The plain form below uses it everywhere it decodes an entry or an index.

/** pfnmap_args_setup(): outputs from the leaf entry; pud_pfn/pmd_pfn mask the pfn to the leaf size as x86 does. */
function setup(args: FollowPfnmapArgs, lock: Lock, ptep: EntryRef | null, v: number, level: LeafLevel): number {
  const raw = Math.floor(v / 4096);
  const flags = v - raw * 4096;
  // Literal sizes, not the imported constants: inlined with a constant level they fold,
  // and the divisions below become multiplications.
  const size = level === "pte" ? 4096 : level === "pmd" ? 2097152 : 1073741824;
  // Powers of two: multiplying by the inverse is exact, and much faster than dividing.
  const inv = level === "pte" ? 1 / 4096 : level === "pmd" ? 1 / 2097152 : 1 / 1073741824;
  const pages = size * (1 / 4096);
  // pfn of the leaf's first page (pmd_pfn/pud_pfn drop the low bits) + the page offset of address in the leaf.
  const o = args.out;
  const address = args.address;
  o.pfn =
    Math.floor(raw * (inv * 4096)) * pages + Math.floor((address - Math.floor(address * inv) * size) * (1 / 4096));
  o.pgprot = flags;
  o.writable = (flags & 0x2) !== 0;
  o.special = (flags & 0x200) !== 0;
  args.lock = lock;
  args.ptep = ptep;
  args.leaf = level;
  args.leafSize = size;
  args.state = "started";
  args.reason = "ok";
  addActive(args.vma.mm, args);
  return 0;
}

function validate(args: FollowPfnmapArgs): void {
  checkVma(FN, args.vma);
  checkInteger(FN, "address", args.address);
}

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
    if (entryNone(pmdval) || !entryPresent(pmdval) || entryHugeLeaf(pmdval) || entryBadTable(pmdval) || !table)
      return null;
    const lock = pteLockptr(mm, table);
    yield* acquire(lock, "write", `${site}: pte_offset_map_lock spin_lock`);
    yield* access("ptRead", `${site}: pte_offset_map_lock recheck pmd (pmd_same)`, readsEntry(pmdTable, mi));
    if (pmdTable.entries[mi] === pmdval && pmdTable.children![mi] === table) return { table, lock };
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
    const p4d = mm.pgd.entries[gi];
    const pudTable = mm.pgd.children![gi];
    if (entryNone(p4d)) return fail(args, k, me, "p4dNone");
    if (entryBadTable(p4d) || !pudTable) return fail(args, k, me, "p4dBad");

    yield* access("ptRead", `${FN}: pudp_get (no lock)`, readsEntry(pudTable, ui));
    let pud = pudTable.entries[ui];
    const pmdTable = pudTable.children![ui];
    if (fixed ? !entryPresent(pud) : entryNone(pud)) return fail(args, k, me, fixed ? "pudNotPresent" : "pudNone");
    if (entryHugeLeaf(pud)) {
      const lock = pudLockptr(mm);
      yield* acquire(lock, "write", `${FN}: pud_lock`);
      if (fixed) {
        yield* access("ptRead", `${FN}: pudp_get under pud_lock`, readsEntry(pudTable, ui));
        pud = pudTable.entries[ui];
        if (!entryPresent(pud)) {
          yield* release(lock, "write", `${FN}: spin_unlock (pud gone)`);
          return fail(args, k, me, "pudGoneUnderLock");
        }
        if (!entryHugeLeaf(pud)) {
          yield* release(lock, "write", `${FN}: spin_unlock (pud no longer a leaf: retry)`);
          k.note(FN, me, "pud no longer a leaf under the lock: retry the walk", { address });
          continue;
        }
      }
      // v6.12: "if (!pud_leaf(pud))" tests the copy read before the lock: always false, no reread.
      return setup(args, lock, null, pud, "pud");
    }
    if (!pmdTable) return fail(args, k, me, "pteMapNull");

    yield* access("ptRead", `${FN}: pmdp_get_lockless`, readsEntry(pmdTable, mi));
    let pmd = pmdTable.entries[mi];
    if (fixed && !entryPresent(pmd)) return fail(args, k, me, "pmdNotPresent");
    if (entryHugeLeaf(pmd)) {
      const lock = pmdLockptr(mm, pmdTable);
      yield* acquire(lock, "write", `${FN}: pmd_lock`);
      if (fixed) {
        yield* access("ptRead", `${FN}: pmdp_get under pmd_lock`, readsEntry(pmdTable, mi));
        pmd = pmdTable.entries[mi];
        if (!entryPresent(pmd)) {
          yield* release(lock, "write", `${FN}: spin_unlock (pmd gone)`);
          return fail(args, k, me, "pmdGoneUnderLock");
        }
        if (!entryHugeLeaf(pmd)) {
          yield* release(lock, "write", `${FN}: spin_unlock (pmd no longer a leaf: retry)`);
          k.note(FN, me, "pmd no longer a leaf under the lock: retry the walk", { address });
          continue;
        }
      }
      return setup(args, lock, null, pmd, "pmd");
    }

    const m = yield* pteOffsetMapLockSteps(mm, pmdTable, mi, FN);
    if (!m) return fail(args, k, me, "pteMapNull");
    yield* access("ptRead", `${FN}: ptep_get under the PTE lock`, readsEntry(m.table, ti));
    const pte = m.table.entries[ti];
    if (!entryPresent(pte)) {
      yield* release(m.lock, "write", `${FN}: pte_unmap_unlock (pte not present)`);
      return fail(args, k, me, "pteNotPresent");
    }
    return setup(args, m.lock, { table: m.table, index: ti }, pte, "pte");
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

function notStartedArgs(args: unknown): never {
  throw new PfnlabError(
    "followPfnmapEnd",
    "args",
    args,
    "were never passed to followPfnmapStart (pass the FollowPfnmapArgs start() used)",
  );
}

function endCheck(args: FollowPfnmapArgs, k: Kernel, me: Task): boolean {
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

function finishEnd(args: FollowPfnmapArgs): void {
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

// ---------------------------------------------------------------------------------
// Plain form: the same algorithm, straight-line, locks taken directly in the kernel's
// sync context (what runSteps would do for each acquire/release effect). Written for
// speed, as src/bench/lookups.ts measures it against a bare typed-array walk: no
// generator, constant site strings, each entry's flag word decoded once with
// x - floor(x / 4096) * 4096 (see the arithmetic note above), the common case of every
// check tested inline before the shared (reporting) helper is called, and one call
// site per helper so that V8 inlines them all into followPfnmapStart.

const SITE_PUD_LOCK = `${FN}: pud_lock`;
const SITE_PMD_LOCK = `${FN}: pmd_lock`;
const SITE_PTE_LOCK = `${FN}: pte_offset_map_lock spin_lock`;
const SITE_PTE_UNLOCK = `${FN}: pte_unmap_unlock (pte not present)`;
const SITE_END_UNLOCK = "followPfnmapEnd: spin_unlock";

// Flag bits the plain walk tests (pte.ts has them as predicates on whole entries).
const P = 0x1; // _PAGE_PRESENT
const RW = 0x2; // _PAGE_RW
const PSE = 0x80; // _PAGE_PSE

/** entryBadTable() of an entry, given its flag word. */
function badTableFlags(f: number): boolean {
  return (f & PSE) !== 0 || (f & (P | RW)) !== (P | RW);
}

/** Take `lock` for write in the sync context, as runSteps does for an acquire effect. */
function syncAcquire(k: Kernel, task: Task, lock: Lock, site: string): void {
  if (lock.holders.size !== 0) syncAcquireBusy(k, task, lock, site);
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
  const fixed = k.options.followPfnmapVariant === "fixed";
  const me = k.ctx.task;
  beginStart(args, k, me);
  if (!holdsFast(me, mm.mmapLock)) pfnmapLockdepAssert(k, me, vma, FN);
  if (address < vma.vmStart || address >= vma.vmEnd) return fail(args, k, me, "outsideVma");
  if ((vma.vmFlags & (VM_IO | VM_PFNMAP)) === 0) {
    reportNonPfnmapVma(k, me, vma, FN);
    return fail(args, k, me, "notPfnmap");
  }
  // No retry loop: with nobody else running, a reread under the lock sees the same entry.
  const gq = Math.floor(address / 549755813888);
  const gi = gq - Math.floor(gq / 512) * 512;
  const p4d = mm.pgd.entries[gi];
  const pudTable = mm.pgd.children![gi];
  if (p4d === 0) return fail(args, k, me, "p4dNone");
  if (badTableFlags(p4d - Math.floor(p4d / 4096) * 4096) || !pudTable) return fail(args, k, me, "p4dBad");

  const uq = Math.floor(address / 1073741824);
  const ui = uq - Math.floor(uq / 512) * 512;
  const pud = pudTable.entries[ui];
  const pudF = pud - Math.floor(pud / 4096) * 4096;
  if (fixed ? (pudF & P) === 0 : pud === 0) return fail(args, k, me, fixed ? "pudNotPresent" : "pudNone");
  // Find the leaf and its lock; one shared tail takes the lock and fills the outputs
  // (a single call site each keeps the compiled function small enough to inline them).
  let lock: Lock;
  let leaf: LeafLevel;
  let v: number;
  let site: string;
  let table: PageTablePage | null = null;
  if ((pudF & PSE) !== 0) {
    lock = pudLockptr(mm);
    leaf = "pud";
    v = pud;
    site = SITE_PUD_LOCK;
  } else {
    const pmdTable = pudTable.children![ui];
    if (!pmdTable) return fail(args, k, me, "pteMapNull");
    const mq = Math.floor(address / 2097152);
    const mi = mq - Math.floor(mq / 512) * 512;
    const pmd = pmdTable.entries[mi];
    const pmdF = pmd - Math.floor(pmd / 4096) * 4096;
    if (fixed && (pmdF & P) === 0) return fail(args, k, me, "pmdNotPresent");
    if ((pmdF & PSE) !== 0) {
      lock = pmdLockptr(mm, pmdTable);
      leaf = "pmd";
      v = pmd;
      site = SITE_PMD_LOCK;
    } else {
      table = pmdTable.children![mi];
      if (pmd === 0 || (pmdF & P) === 0 || badTableFlags(pmdF) || !table) return fail(args, k, me, "pteMapNull");
      lock = pteLockptr(mm, table);
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
    if (((v - Math.floor(v / 4096) * 4096) & P) === 0) {
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
