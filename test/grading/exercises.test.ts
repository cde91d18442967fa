// The checks of course/05-exercises: PASS for the right answers (the reference
// solutions below), FAIL with a hint that teaches and does not contain the answer.
import { describe, expect, it } from "vitest";
import {
  CLASSIFY_CASES,
  classifyTruth,
  verifyRaceByHand,
  explainsPte,
  mapBarWith,
  pfnLockWorld,
  pudWindow,
  raceBoundFacts,
  safeCallerScenario,
  verifyClassify,
  verifyEinval,
  verifyFixMisuse,
  verifyPfnLock,
  verifyPgtableBytes,
  verifyPudAlign,
  verifyRaceBound,
  verifySafeCaller,
  verdictLine,
  type EinvalCause,
  type Verdict,
} from "../../src/grading/exercises";
import {
  PAGE_SHARED,
  PAGE_SIZE,
  SZ_1G,
  SZ_1M,
  SZ_2M,
  VM_IO,
  VM_PFNMAP,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  followPfnmapArgs,
  followPfnmapEnd,
  followPfnmapStart,
  mmapReadLock,
  mmapReadUnlock,
  remapPfnRange,
  type Kernel,
} from "../../src/mm";
import {
  type Iommu,
  mmuIntervalNotifierInsert,
  mmuIntervalReadBeginSteps,
  mmuIntervalReadRetry,
  mmuIntervalSetSeq,
  startAndClassify,
  type CallerEnv,
  type CallerInstance,
} from "../../src/notifiers";
import { acquire, Lock, release, replay, type Steps } from "../../src/sched";
import { followPfnmapEndSteps, mmapReadLockSteps, mmapReadUnlockSteps } from "../../src/mm";

/** The hint must not give the answer away (in decimal or hex). */
function expectFailWithout(v: Verdict, ...answers: (number | string)[]): string {
  expect(v.ok).toBe(false);
  const text = verdictLine(v);
  expect(text.startsWith("FAIL: ")).toBe(true);
  for (const a of answers) {
    if (typeof a === "number") {
      expect(text).not.toMatch(new RegExp(`\\b${a}\\b`));
      expect(text.toLowerCase()).not.toContain(`0x${a.toString(16)}`);
    } else expect(text).not.toContain(a);
  }
  return text;
}

describe("pfn-lock", () => {
  const p = { barMiB: 64, offsetMiB: 6, page: 1234, byte: 0x2a8, splitPmd: true };
  const w = pfnLockWorld(p);
  const pfn = w.bar.startPfn + w.vma.vmPgoff + Math.floor((w.address - w.vma.vmStart) / PAGE_SIZE);
  it("passes the pfn computed from BAR start, vm_pgoff and the page offset, with the split PMD ptlock", () => {
    expect(verifyPfnLock(pfn, "ptlock (PMD)", p).ok).toBe(true);
    expect(verifyPfnLock(pfn, "&mm->page_table_lock", { ...p, splitPmd: false }).ok).toBe(true);
  });
  it("fails a pfn without the mmap offset, or the leaf's base pfn, with a hint naming the mistake", () => {
    expect(expectFailWithout(verifyPfnLock(pfn - w.vma.vmPgoff, "ptlock (PMD)", p), pfn)).toContain("vm_pgoff");
    expect(expectFailWithout(verifyPfnLock(pfn - (pfn % 512), "ptlock (PMD)", p), pfn)).toContain(
      "first pfn of the 2 MiB leaf",
    );
    expect(expectFailWithout(verifyPfnLock(Math.floor(w.address / PAGE_SIZE), "x", p), pfn)).toContain(
      "virtual page number",
    );
  });
  it("fails the wrong lock class without naming the right one", () => {
    const t = expectFailWithout(verifyPfnLock(pfn, "&mm->page_table_lock", p), "ptlock (PMD)");
    expect(t).toContain("pmd_lockptr");
    expectFailWithout(verifyPfnLock(pfn, "ptlock (PMD)", { ...p, splitPmd: false }), "&mm->page_table_lock");
  });
});

/** Reference solution of the einval exercise. */
function failLookup(k: Kernel, cause: EinvalCause) {
  const mm = k.createMm("ex2");
  const bar = k.addIoRegion({ name: "ex2-bar", size: SZ_2M });
  const flags = VM_READ | VM_WRITE | VM_SHARED | (cause === "notPfnmap" ? 0 : VM_IO | VM_PFNMAP);
  const vma = mm.mmap({ length: 2 * SZ_1G, vmFlags: flags, align: SZ_1G });
  if (!["outsideVma", "notPfnmap", "p4dNone"].includes(cause))
    remapPfnRange(vma, vma.vmStart, bar.startPfn, PAGE_SIZE, PAGE_SHARED);
  const offset = {
    outsideVma: 2 * SZ_1G,
    notPfnmap: 0,
    p4dNone: 0,
    pudNone: SZ_1G,
    pudNotPresent: SZ_1G,
    pmdNotPresent: SZ_2M,
    pteMapNull: SZ_2M,
    pteNotPresent: PAGE_SIZE,
  }[cause];
  const args = followPfnmapArgs(vma, vma.vmStart + offset);
  mmapReadLock(mm);
  followPfnmapStart(args);
  mmapReadUnlock(mm);
  return args;
}

describe("einval", () => {
  it("passes a function that produces every cause, on both kernel variants", () => {
    expect(verifyEinval(failLookup, { variant: "fixed" })).toMatchObject({ ok: true });
    expect(verifyEinval(failLookup, { variant: "v6.12" })).toMatchObject({ ok: true });
  });
  it("fails a lookup that succeeds, one without mmap_lock, and a stub that throws, with the cause's hint", () => {
    const mapsEverything = (k: Kernel, c: EinvalCause) =>
      c === "pteNotPresent" ? failLookup(k, "pudNotPresent") : failLookup(k, c);
    expect(expectFailWithout(verifyEinval(mapsEverything, { variant: "fixed" }))).toContain(
      "failed for another reason (pudNotPresent)",
    );
    const lockless = (k: Kernel, c: EinvalCause) => {
      const a = failLookup(k, c);
      mmapReadUnlock(a.vma.mm); // unbalanced: then start again without the lock
      return a;
    };
    expect(() => verifyEinval(lockless, { variant: "fixed" })).not.toThrow();
    expect(
      expectFailWithout(
        verifyEinval(
          () => {
            throw new Error("not implemented");
          },
          { variant: "v6.12" },
        ),
      ),
    ).toContain("threw: not implemented");
    expect(expectFailWithout(verifyEinval(42, { variant: "fixed" }))).toContain("must be a function");
  });
});

describe("pud-align", () => {
  const p = { barGiB: 2, windowGiB: 100, skewMiB: 300 };
  const win = pudWindow(p);
  const right = Math.ceil(win.start / SZ_1G) * SZ_1G;
  it("passes the 1 GiB-aligned address in the window", () => {
    expect(verifyPudAlign(right, p).ok).toBe(true);
  });
  it("fails an unaligned address in the window with the leaves the faults got, and one outside the window", () => {
    const t = expectFailWithout(verifyPudAlign(win.start, p), right);
    expect(t).toMatch(/the faults got (pmd|pte)/);
    expectFailWithout(verifyPudAlign(right + SZ_1G, p), right);
    expectFailWithout(verifyPudAlign("here", p), right);
  });
});

describe("pgtable-bytes", () => {
  const p = { barMiB: 1280 };
  const want4k = (2 + Math.ceil((p.barMiB * SZ_1M) / SZ_1G) + (p.barMiB * SZ_1M) / SZ_2M) * PAGE_SIZE;
  const want2m = (2 + Math.ceil((p.barMiB * SZ_1M) / SZ_1G)) * PAGE_SIZE;
  it("matches the model's counts: one table page per level touched, the pgd included", () => {
    expect(mapBarWith(p, "pte").pgtableBytes()).toBe(want4k);
    expect(mapBarWith(p, "pmd").pgtableBytes()).toBe(want2m);
    expect(verifyPgtableBytes(want4k, want2m, p).ok).toBe(true);
  });
  it("fails counting only the leaf tables, or forgetting the second PMD table, without the total", () => {
    expect(
      expectFailWithout(verifyPgtableBytes(((p.barMiB * SZ_1M) / SZ_2M) * PAGE_SIZE, want2m, p), want4k),
    ).toContain("tables above them");
    expect(expectFailWithout(verifyPgtableBytes(want4k, want2m - PAGE_SIZE, p), want2m)).toContain("too small");
  });
});

describe("race-bound", () => {
  const p = { leaf: "pmd" as const, zap: "zap_vma_ptes" as const };
  const why =
    "On a PTE leaf the pte is read under the PTE lock, which the zap also takes to clear it, so the lookup sees it before or after the zap.";
  it("knows the facts: bound 1, stale schedules at bound 2, none on PTE leaves", () => {
    const f = raceBoundFacts(p);
    expect(f.bound).toBe(1);
    expect(f.staleAt2).toBeGreaterThan(0);
    expect(f.pteStaleAt2).toBe(0);
    expect(verifyRaceBound(1, f.staleAt2, why, p).ok).toBe(true);
    expect(explainsPte("because")).toBe(false);
  });
  it("fails a wrong bound or count without giving either", () => {
    const f = raceBoundFacts(p);
    expectFailWithout(verifyRaceBound(2, f.staleAt2, why, p), 1, f.staleAt2);
    expectFailWithout(verifyRaceBound(1, f.staleAt2 + 1, why, p), f.staleAt2);
    expect(expectFailWithout(verifyRaceBound(1, f.staleAt2, "it is fine", p))).toContain("answerWhyPte");
  });
});

const IOVA = 0x100000;

function unsafeCaller(env: CallerEnv, iommu: Iommu): CallerInstance {
  return {
    name: "drv",
    source: "test",
    body: function* (): Steps<number> {
      yield* mmapReadLockSteps(env.mm);
      const args = followPfnmapArgs(env.vma, env.address);
      const r = yield* startAndClassify(env, args, "drv");
      if (r !== 0) {
        yield* mmapReadUnlockSteps(env.mm);
        return r;
      }
      const pfn = args.pfn;
      yield* followPfnmapEndSteps(args);
      yield* mmapReadUnlockSteps(env.mm);
      return yield* iommu.mapSteps(IOVA, pfn, { writable: true, site: { mm: env.mm, address: env.address } });
    },
  };
}

function safeCaller(env: CallerEnv, iommu: Iommu): CallerInstance {
  const lock = new Lock("mutex", "&drv->lock", "drv lock");
  let mapped = false;
  const sub = mmuIntervalNotifierInsert(env.mm, env.vma.vmStart, env.vma.size, {
    name: "drv_notifier",
    invalidate: function* (s, _range, curSeq): Steps<boolean> {
      yield* acquire(lock, "write", "drv: invalidate: lock");
      mmuIntervalSetSeq(s, curSeq);
      if (mapped) {
        yield* iommu.unmapSteps(IOVA, PAGE_SIZE);
        mapped = false;
      }
      yield* release(lock, "write", "drv: invalidate: unlock");
      return true;
    },
  });
  return {
    name: "drv",
    source: "test",
    body: function* (): Steps<number> {
      for (let attempt = 0; attempt < 3; attempt++) {
        const seq = yield* mmuIntervalReadBeginSteps(sub);
        yield* mmapReadLockSteps(env.mm);
        const args = followPfnmapArgs(env.vma, env.address);
        const r = yield* startAndClassify(env, args, "drv");
        if (r !== 0) {
          yield* mmapReadUnlockSteps(env.mm);
          return r;
        }
        const pfn = args.pfn;
        yield* followPfnmapEndSteps(args);
        yield* mmapReadUnlockSteps(env.mm);
        yield* acquire(lock, "write", "drv: lock before iommu_map");
        if (mmuIntervalReadRetry(sub, seq)) {
          yield* release(lock, "write", "drv: collided, retry");
          continue;
        }
        const ret = yield* iommu.mapSteps(IOVA, pfn, { writable: true, site: { mm: env.mm, address: env.address } });
        if (ret === 0) mapped = true;
        yield* release(lock, "write", "drv: unlock");
        return ret;
      }
      return -11;
    },
  };
}

describe("safe-caller", () => {
  it("proves the notifier + retry caller safe at bound 2 on every leaf (strict: both releases)", () => {
    for (const leaf of ["pte", "pmd", "pud"] as const)
      expect(verifySafeCaller(safeCaller, { leaf, release: "reset-bar" }, { strict: true }), leaf).toMatchObject({
        ok: true,
      });
  });
  it("fails the VFIO-type1-like caller with a use-after-free and a replay that reproduces it", () => {
    const p = { leaf: "pmd" as const, release: "reset-bar" as const };
    const t = expectFailWithout(verifySafeCaller(unsafeCaller, p));
    expect(t).toContain("use-after-free in");
    const replayStr = t.match(/"([^"]+)"\) shows one/)![1]!;
    expect(replay(safeCallerScenario(unsafeCaller, p), replayStr).outcomes).toContain("use-after-free");
  });
  it("fails a caller that maps nothing", () => {
    const lazy = (_env: CallerEnv, _iommu: Iommu): CallerInstance => ({
      name: "drv",
      source: "",
      // biome-ignore lint/correctness/useYield: a caller (task body) that finishes without a single step
      body: function* () {
        return 0;
      },
    });
    expect(expectFailWithout(verifySafeCaller(lazy, { leaf: "pte", release: "move-bar" }))).toContain(
      "left 0 IOMMU entries",
    );
  });
});

function buggyReadPfn(env: CallerEnv): number {
  mmapReadLock(env.mm);
  const args = followPfnmapArgs(env.vma, env.address);
  const r = followPfnmapStart(args);
  mmapReadUnlock(env.mm);
  followPfnmapEnd(args);
  return r === 0 ? args.pfn : r;
}

function fixedReadPfn(env: CallerEnv): number {
  mmapReadLock(env.mm);
  const args = followPfnmapArgs(env.vma, env.address);
  const r = followPfnmapStart(args);
  if (r !== 0) {
    mmapReadUnlock(env.mm);
    return r;
  }
  const pfn = args.pfn;
  followPfnmapEnd(args);
  mmapReadUnlock(env.mm);
  return pfn;
}

describe("fix-misuse", () => {
  it("passes the fixed helper on every leaf level", () => {
    for (const leaf of ["pte", "pmd", "pud"] as const)
      expect(verifyFixMisuse(fixedReadPfn, { leaf }), leaf).toMatchObject({ ok: true });
  });
  it("fails the buggy helper naming the checker's rule", () => {
    expect(expectFailWithout(verifyFixMisuse(buggyReadPfn, { leaf: "pmd" }))).toContain(
      "mmap-lock-released-during-lookup",
    );
    const endsFailed = (env: CallerEnv) => {
      mmapReadLock(env.mm);
      const args = followPfnmapArgs(env.vma, env.address);
      const r = followPfnmapStart(args);
      const pfn = r === 0 ? args.pfn : r;
      followPfnmapEnd(args);
      mmapReadUnlock(env.mm);
      return pfn;
    };
    expect(expectFailWithout(verifyFixMisuse(endsFailed, { leaf: "pte" }))).toContain(
      "follow-pfnmap-end-without-start",
    );
  });
});

describe("classify", () => {
  const why = "The zap ran between the unlocked read and the lock, so the pfn was used after the zap.";
  it("every case replays to a class, and the cases cover several classes", () => {
    const truths = CLASSIFY_CASES.map((_, i) => classifyTruth({ case: i }));
    expect(new Set(truths).size).toBeGreaterThanOrEqual(3);
    expect(truths[0]).toBe("stale-pfn");
    expect(truths[1]).toBe("use-after-free");
    truths.forEach((t, i) => {
      expect(verifyClassify(t, why, { case: i }).ok).toBe(true);
    });
  });
  it("fails a wrong class without naming the right one", () => {
    const t = expectFailWithout(verifyClassify("ok", why, { case: 1 }), "use-after-free");
    expect(t).toContain("Walk the trace");
    expectFailWithout(verifyClassify("dunno", why, { case: 0 }));
  });
});

describe("race-by-hand", () => {
  const p = { leaf: "pmd", release: "reset-bar" };
  it("passes a replay string of the student's race that ends use-after-free within the stepper's bound", () => {
    expect(verifyRaceByHand("release=reset-bar/a4b", p)).toMatchObject({ ok: true });
    expect(verifyRaceByHand(" leaf=pud,release=move-bar/a3b ", { leaf: "pud", release: "move-bar" })).toMatchObject({
      ok: true,
    });
  });
  it("fails, with a hint and never the answer, a string of another race, a clean run, a stale pfn without use-after-free, or no string", () => {
    const other = verifyRaceByHand("a4b", p);
    expect(other).toMatchObject({ ok: false });
    expect(!other.ok && other.hint).toMatch(/another race \(release=none\)/);
    const clean = verifyRaceByHand("release=reset-bar/b", p);
    expect(!clean.ok && clean.hint).toMatch(/^your schedule ends einval, not use-after-free/);
    for (const bad of [undefined, 5, "", "x".repeat(300), "release=reset-bar/a4q"])
      expect(verifyRaceByHand(bad, p).ok).toBe(false);
    expect(!clean.ok && clean.hint).not.toContain("release=reset-bar/a4b");
  });
  it("rejects a schedule with more preemptions than the stepper allows", () => {
    const v = verifyRaceByHand("release=reset-bar/a4bab", p);
    expect(!v.ok && v.hint).toMatch(/takes 3 preemptions; the stepper allows 2/);
  });
});
