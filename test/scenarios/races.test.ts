/**
 * The race scenarios give the results issue 6 asks for, by exhaustive exploration.
 * Schedule counts are asserted so a change in the models' steps is noticed.
 */
import { describe, expect, it } from "vitest";
import { explore, replay } from "../../src/sched/explore/explorer";
import "../../src/scenarios/index";

const BROKEN_LEVELS = ["pmd", "pud"] as const;

describe("follow-vs-zap: the v6.12 recheck bug", () => {
  for (const leaf of BROKEN_LEVELS) {
    it(`v6.12, ${leaf} leaf: no stale pfn with 0 preemptions (exhaustive)`, () => {
      const r = explore("follow-vs-zap", { preemptions: 0, params: { variant: "v6.12", leaf } });
      expect(r.exhausted).toBe(true);
      expect(r.outcomes).toEqual({ einval: 1, ok: 1 });
      expect(r.firstFailure).toBeNull();
    });

    it(`v6.12, ${leaf} leaf: a stale-pfn success is found with 1 preemption and its shrunk replay has exactly one`, () => {
      const r = explore("follow-vs-zap", { preemptions: 1, params: { variant: "v6.12", leaf } });
      expect(r.exhausted).toBe(true);
      expect(r.outcomes["stale-pfn"]).toBeGreaterThan(0);
      const f = r.firstFailure!;
      expect(f.failure).toBe("stale-pfn");
      expect(f.preemptions).toBe(1);
      const again = replay("follow-vs-zap", f.replay);
      expect(again.outcomes).toEqual(["stale-pfn"]);
      expect(again.preemptions).toBe(1);
      // The lookup succeeded (start returned 0) after the zap finished: a stale success.
      expect(again.end.results.follow).toBe(0);
      expect(
        f.trace.some((l) =>
          /sanitizer: lookup stale-pfn: lookup of 0x[0-9a-f]+ returned pfn 0x[0-9a-f]+ but the page table maps nothing there now/.test(
            l,
          ),
        ),
      ).toBe(true);
    });
  }

  it("v6.12, pte leaf: not broken, so no stale pfn even exhaustively at bound 2", () => {
    const r = explore("follow-vs-zap", { preemptions: 2, params: { variant: "v6.12", leaf: "pte" } });
    expect(r.exhausted).toBe(true);
    expect(r.schedules).toBe(181);
    expect(Object.keys(r.outcomes)).toEqual(["einval", "ok"]);
  });

  for (const leaf of ["pte", "pmd", "pud"] as const) {
    it(`fixed, ${leaf} leaf: no stale pfn or use-after-free, exhaustive at bound 2`, () => {
      const r = explore("follow-vs-zap", { preemptions: 2, params: { variant: "fixed", leaf } });
      expect(r.exhausted).toBe(true);
      expect(Object.keys(r.outcomes)).toEqual(["einval", "ok"]);
      expect(r.firstFailure).toBeNull();
    });
  }

  it("munmap holds mmap_lock for write, so even v6.12 on a PUD leaf cannot race it (bound 2)", () => {
    const r = explore("follow-vs-zap", { preemptions: 2, params: { variant: "v6.12", leaf: "pud", zap: "munmap" } });
    expect(r.exhausted).toBe(true);
    expect(r.outcomes["stale-pfn"]).toBeUndefined();
    // A lookup that comes after the munmap finds no vma (-EFAULT): a clean failure, never a crash.
    expect(Object.keys(r.outcomes).sort()).toEqual(["einval", "ok"]);
  });
});

describe("vfio-type1-vs-zap", () => {
  it("without a notifier: use-after-free through the IOMMU is found (1 preemption)", () => {
    const r = explore("vfio-type1-vs-zap", { preemptions: 1 });
    expect(r.exhausted).toBe(true);
    expect(r.outcomes["use-after-free"]).toBeGreaterThan(0);
    const f = r.firstFailure!;
    expect(f.failure).toBe("use-after-free");
    expect(f.preemptions).toBe(1);
    expect(
      f.trace.some((l) =>
        /access use-after-free: dma-write of pfn .* by iommu iova 0x100000: was bar0 generation 1, now bar0 generation 2/.test(
          l,
        ),
      ),
    ).toBe(true);
  });

  it("with an interval notifier: no stale pfn or use-after-free, exhaustive at bound 2, and collisions are retried", () => {
    const r = explore("vfio-type1-vs-zap", { preemptions: 2, params: { notifier: "interval" } });
    expect(r.exhausted).toBe(true);
    expect(r.schedules).toBe(344);
    expect(Object.keys(r.outcomes).sort()).toEqual(["einval", "ok", "retried"]);
  });

  it("with an interval notifier and a BAR move on PUD leaves: still none (bound 2)", () => {
    const r = explore("vfio-type1-vs-zap", {
      preemptions: 2,
      params: { notifier: "interval", leaf: "pud", release: "move-bar" },
    });
    expect(r.exhausted).toBe(true);
    expect(r.outcomes["use-after-free"]).toBeUndefined();
    expect(r.outcomes["stale-pfn"]).toBeUndefined();
  });
});

describe("kvm-vs-zap", () => {
  it("retried occurs and use-after-free never, exhaustive at bound 2", () => {
    const r = explore("kvm-vs-zap", { preemptions: 2 });
    expect(r.exhausted).toBe(true);
    expect(r.schedules).toBe(519);
    expect(r.outcomes.retried).toBeGreaterThan(0);
    expect(r.outcomes["use-after-free"]).toBeUndefined();
    expect(r.outcomes["stale-pfn"]).toBeUndefined();
    expect(r.firstFailure).toBeNull();
  });

  it("without the mmu_invalidate_retry_gfn check the guest reaches the reset BAR (1 preemption)", () => {
    const r = explore("kvm-vs-zap", { preemptions: 1, params: { check: "skip" } });
    expect(r.outcomes["use-after-free"]).toBeGreaterThan(0);
    expect(r.firstFailure!.preemptions).toBe(1);
  });
});

describe("generic-access-phys-vs-zap", () => {
  it("the recheck catches the change: the copy never reads a stale pfn (exhaustive, bound 2)", () => {
    const r = explore("generic-access-phys-vs-zap", { preemptions: 2 });
    expect(r.exhausted).toBe(true);
    expect(r.schedules).toBe(811);
    expect(r.outcomes.retried).toBeGreaterThan(0);
    expect(r.outcomes["stale-pfn"]).toBeUndefined();
    expect(r.outcomes["use-after-free"]).toBeUndefined();
  });

  it("ioremap_prot under the page-table lock is misuse (sleeping in atomic context)", () => {
    const r = explore("generic-access-phys-vs-zap", { preemptions: 0, params: { ioremap: "under-lock" } });
    expect(r.outcomes.misuse).toBe(r.schedules);
    expect(replay("generic-access-phys-vs-zap", r.firstFailure!.replay).end.violations[0]!.rule).toMatch(/sleep/);
  });
});

describe("the other callers", () => {
  it("s390 MMIO copies under the lock: safe, exhaustive at bound 2", () => {
    const r = explore("s390-mmio-vs-zap", { preemptions: 2 });
    expect(r.exhausted).toBe(true);
    expect(Object.keys(r.outcomes)).toEqual(["einval", "ok"]);
  });

  it("a naive follow_pte driver uses freed RAM after one preemption; on follow_pfnmap it is also misuse", () => {
    const r = explore("naive-follow-pte-vs-zap", { preemptions: 1 });
    expect(r.outcomes["use-after-free"]).toBeGreaterThan(0);
    expect(r.firstFailure!.preemptions).toBe(1);
    const m = explore("naive-follow-pte-vs-zap", { preemptions: 0, params: { api: "follow_pfnmap" } });
    expect(m.outcomes.misuse).toBeGreaterThan(0);
  });

  it("x86 PAT bookkeeping can reserve a stale range but never touches freed memory", () => {
    const r = explore("x86-pat-vs-zap", { preemptions: 2 });
    expect(r.exhausted).toBe(true);
    expect(r.outcomes["stale-pfn"]).toBeGreaterThan(0);
    expect(r.outcomes["use-after-free"]).toBeUndefined();
  });

  it("bad parameter combinations throw naming the scenario and the rule", () => {
    expect(() => explore("follow-vs-zap", { params: { release: "free-ram", leaf: "pmd" } })).toThrow(
      /scenario follow-vs-zap: release=free-ram needs leaf=pte/,
    );
    expect(() => explore("follow-vs-zap", { params: { leaf: "p4d" } })).toThrow(
      /param leaf: value "p4d" is not one of pte\|pmd\|pud/,
    );
  });
});
