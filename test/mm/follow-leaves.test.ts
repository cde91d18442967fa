/**
 * Successful lookups on PTE, PMD and PUD leaves (pfn offset arithmetic, writable,
 * special, which lock is held), and the v6.12 recheck race per level.
 */
import { describe, expect, it } from "vitest";
import {
  EINVAL,
  PAGE_SHARED,
  PAGE_READONLY,
  PMD_SIZE,
  PUD_SIZE,
  VM_FAULT_NOPAGE,
  VM_IO,
  VM_PFNMAP,
  VM_DONTEXPAND,
  followPfnmapArgs,
  followPfnmapEnd,
  followPfnmapEndSteps,
  followPfnmapStart,
  followPfnmapStartSteps,
  mmapReadLock,
  mmapReadLockSteps,
  mmapReadUnlock,
  remapPfnRange,
  vmfInsertPfnPmd,
  vmfInsertPfnPud,
  zapVmaPtesSteps,
  FOLLOW_REASONS,
  lookupLeaf,
  type FollowPfnmapVariant,
  type Vma,
} from "../../src/mm/index";
import type { Steps } from "../../src/sched/effect";
import { RW_SHARED, Stepper, isStep, pudAlignedVma, world, type World } from "./helpers";

function pfnmapVma(w: World, length = 2 * PUD_SIZE): Vma {
  const vma = pudAlignedVma(w, length);
  vma.vmFlags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND;
  return vma;
}

describe("follow_pfnmap_start on each leaf size", () => {
  it("PTE leaf: pfn, writable, special, holds the PTE table's split ptlock", () => {
    const w = world();
    const vma = pudAlignedVma(w);
    expect(remapPfnRange(vma, vma.vmStart, w.bar.startPfn + 7, 64 * 4096, PAGE_SHARED)).toBe(0);
    mmapReadLock(w.mm);
    const a = followPfnmapArgs(vma, vma.vmStart + 5 * 4096 + 123);
    expect(followPfnmapStart(a)).toBe(0);
    expect(a.pfn).toBe(w.bar.startPfn + 7 + 5);
    expect(a.writable).toBe(true);
    expect(a.special).toBe(true);
    expect(a.leaf).toBe("pte");
    expect(a.ptep).not.toBeNull();
    expect(a.lock!.className).toBe("ptlock (PTE)");
    expect(a.lock!.holders.has(w.k.ctx.task)).toBe(true);
    followPfnmapEnd(a);
    expect(a.lock!.isLocked()).toBe(false);
    mmapReadUnlock(w.mm);
    expect(w.k.ctx.task.held).toEqual([]);
  });

  it("PTE leaf mapped read-only reports writable = false", () => {
    const w = world();
    const vma = pudAlignedVma(w);
    remapPfnRange(vma, vma.vmStart, w.bar.startPfn, 4096, PAGE_READONLY);
    mmapReadLock(w.mm);
    const a = followPfnmapArgs(vma, vma.vmStart);
    expect(followPfnmapStart(a)).toBe(0);
    expect(a.writable).toBe(false);
    followPfnmapEnd(a);
  });

  it("PMD leaf: pfn = leaf base + offset in the 2 MiB leaf; holds the PMD table's split ptlock", () => {
    const w = world();
    const vma = pfnmapVma(w);
    const base = w.bar.startPfn + 512 * 3;
    expect(vmfInsertPfnPmd({ vma, address: vma.vmStart + PMD_SIZE }, base, false)).toBe(VM_FAULT_NOPAGE);
    mmapReadLock(w.mm);
    const a = followPfnmapArgs(vma, vma.vmStart + PMD_SIZE + 300 * 4096 + 17);
    expect(followPfnmapStart(a)).toBe(0);
    expect(a.leaf).toBe("pmd");
    expect(a.pfn).toBe(base + 300);
    expect(a.special).toBe(true);
    expect(a.writable).toBe(true); // vm_page_prot of a shared writable mapping has RW
    expect(a.ptep).toBeNull();
    expect(a.lock!.className).toBe("ptlock (PMD)");
    followPfnmapEnd(a);
  });

  it("PMD leaf without split PMD ptlocks takes mm->page_table_lock", () => {
    const w = world({ splitPtlocks: { pmd: false } });
    const vma = pfnmapVma(w);
    vmfInsertPfnPmd({ vma, address: vma.vmStart }, w.bar.startPfn, false);
    mmapReadLock(w.mm);
    const a = followPfnmapArgs(vma, vma.vmStart);
    expect(followPfnmapStart(a)).toBe(0);
    expect(a.lock).toBe(w.mm.pageTableLock);
    followPfnmapEnd(a);
  });

  it("PUD leaf: pfn = leaf base + offset in the 1 GiB leaf; holds mm->page_table_lock", () => {
    const w = world();
    const vma = pfnmapVma(w);
    expect(vmfInsertPfnPud({ vma, address: vma.vmStart + PUD_SIZE }, w.bar.startPfn + 262144, true)).toBe(
      VM_FAULT_NOPAGE,
    );
    mmapReadLock(w.mm);
    const off = 123456 * 4096 + 99;
    const a = followPfnmapArgs(vma, vma.vmStart + PUD_SIZE + off);
    expect(followPfnmapStart(a)).toBe(0);
    expect(a.leaf).toBe("pud");
    expect(a.leafSize).toBe(PUD_SIZE);
    expect(a.pfn).toBe(w.bar.startPfn + 262144 + 123456);
    expect(a.lock).toBe(w.mm.pageTableLock);
    expect(a.ptep).toBeNull();
    followPfnmapEnd(a);
  });

  it("a misaligned pfn in a PMD leaf reads back rounded down (pmd_pfn masks it, as x86 does)", () => {
    const w = world();
    const vma = pfnmapVma(w);
    vmfInsertPfnPmd({ vma, address: vma.vmStart }, w.bar.startPfn + 3, false);
    mmapReadLock(w.mm);
    const a = followPfnmapArgs(vma, vma.vmStart + 4096);
    expect(followPfnmapStart(a)).toBe(0);
    expect(a.pfn).toBe(w.bar.startPfn + 1);
    followPfnmapEnd(a);
  });
});

/** start() in task A, paused after its unlocked read of `level`; a zap runs in task Z; A resumes. */
function raceZapBetweenReadAndLock(variant: FollowPfnmapVariant, level: "pte" | "pmd" | "pud") {
  const w = world({ followPfnmapVariant: variant });
  const vma = pfnmapVma(w);
  const addr = vma.vmStart + 5 * 4096;
  if (level === "pte") remapPfnRange(vma, vma.vmStart, w.bar.startPfn, PMD_SIZE, PAGE_SHARED);
  else if (level === "pmd") vmfInsertPfnPmd({ vma, address: vma.vmStart }, w.bar.startPfn, false);
  else vmfInsertPfnPud({ vma, address: vma.vmStart }, w.bar.startPfn, false);
  const before = lookupLeaf(w.mm, addr);
  expect(before.leaf).toBe(true);
  const A = w.k.createContext("A", 1);
  const Z = w.k.createContext("Z", 2);
  const args = followPfnmapArgs(vma, addr);
  const body = function* (): Steps<number> {
    yield* mmapReadLockSteps(w.mm);
    return yield* followPfnmapStartSteps(args);
  };
  const s = new Stepper(body(), A);
  const readSite =
    level === "pud"
      ? /pudp_get \(no lock\)/
      : level === "pmd"
        ? /pmdp_get_lockless$/
        : /pte_offset_map: pmdp_get_lockless/;
  s.runUntil(isStep(readSite));
  const next = s.stepOnce(); // performs the unlocked read; stops at the lock acquire
  expect(next?.kind).toBe("acquire");
  w.k.run(zapVmaPtesSteps(vma, vma.vmStart, PUD_SIZE), Z);
  expect(lookupLeaf(w.mm, addr).leaf).toBe(false);
  const ret = s.finish();
  const mapped = lookupLeaf(w.mm, addr).leaf;
  if (ret === 0) w.k.run(followPfnmapEndSteps(args), A);
  return { ret, args, mapped, w };
}

describe("a zap between the unlocked read and the lock", () => {
  it("v6.12, PUD leaf: start() returns 0 with the stale pfn (the recheck bug)", () => {
    const r = raceZapBetweenReadAndLock("v6.12", "pud");
    expect(r.ret).toBe(0);
    expect(r.mapped).toBe(false);
    expect(r.args.peek().pfn).toBe(r.w.bar.startPfn + 5);
  });
  it("v6.12, PMD leaf: start() returns 0 with the stale pfn (the recheck bug)", () => {
    const r = raceZapBetweenReadAndLock("v6.12", "pmd");
    expect(r.ret).toBe(0);
    expect(r.mapped).toBe(false);
    expect(r.args.peek().pfn).toBe(r.w.bar.startPfn + 5);
  });
  it("v6.12, PTE leaf: not broken: the pte is read under the PTE lock, -EINVAL", () => {
    const r = raceZapBetweenReadAndLock("v6.12", "pte");
    expect(r.ret).toBe(-EINVAL);
    expect(r.args.reason).toBe(FOLLOW_REASONS.pteNotPresent);
  });
  it("fixed, PUD leaf: the reread under pud_lock sees the zap, -EINVAL", () => {
    const r = raceZapBetweenReadAndLock("fixed", "pud");
    expect(r.ret).toBe(-EINVAL);
    expect(r.args.reason).toBe(FOLLOW_REASONS.pudGoneUnderLock);
  });
  it("fixed, PMD leaf: the reread under pmd_lock sees the zap, -EINVAL", () => {
    const r = raceZapBetweenReadAndLock("fixed", "pmd");
    expect(r.ret).toBe(-EINVAL);
    expect(r.args.reason).toBe(FOLLOW_REASONS.pmdGoneUnderLock);
  });
  it("fixed, PTE leaf: -EINVAL", () => {
    const r = raceZapBetweenReadAndLock("fixed", "pte");
    expect(r.ret).toBe(-EINVAL);
  });
  it("fixed: a PUD leaf replaced by a PMD table under the lock makes start() retry the walk", () => {
    const w = world({ followPfnmapVariant: "fixed" });
    const vma = pfnmapVma(w);
    vmfInsertPfnPud({ vma, address: vma.vmStart }, w.bar.startPfn, false);
    const A = w.k.createContext("A", 1);
    const Z = w.k.createContext("Z", 2);
    const args = followPfnmapArgs(vma, vma.vmStart + 4096);
    const s = new Stepper(
      (function* () {
        yield* mmapReadLockSteps(w.mm);
        return yield* followPfnmapStartSteps(args);
      })(),
      A,
    );
    s.runUntil(isStep(/pudp_get \(no lock\)/));
    s.stepOnce();
    w.k.run(zapVmaPtesSteps(vma, vma.vmStart, PUD_SIZE), Z);
    w.k.run(
      // biome-ignore lint/correctness/useYield: a caller (task body) that finishes without a single step
      (function* () {
        return 0;
      })(),
      Z,
    );
    vmfInsertPfnPmd({ vma, address: vma.vmStart }, w.bar.startPfn + 512, false);
    expect(s.finish()).toBe(0);
    expect(args.leaf).toBe("pmd");
    expect(args.peek().pfn).toBe(w.bar.startPfn + 513);
    expect(w.k.trace.some((t) => /retry/.test(t.reason))).toBe(true);
    void RW_SHARED;
  });
});
