/**
 * The modelled callers of follow_pfnmap follow the rules of their kernel code (Debian's
 * linux-source-6.12, 6.12.118); each test is named after the rule it checks.
 */
import { describe, expect, it } from "vitest";
import { explore, replay } from "../../src/sched/explore/explorer";
import "../../src/scenarios/index";
import { buildRaceWorld, raceRun } from "../../src/scenarios/mm/world";
import { Iommu } from "../../src/notifiers/iommu";
import { isInvalidReservedPfn, vfioType1Caller } from "../../src/notifiers/callers/vfio-type1";
import { runControlled } from "../../src/sched/explore/runner";
import { defineScenario } from "../../src/scenarios/scenario";
import type { CallerInstance } from "../../src/notifiers/callers/types";
import type { RaceWorld } from "../../src/scenarios/mm/world";

/** One run of `callers(w)` alone (no zap task), in the default order. */
function soloRun(w: RaceWorld, make: (w: RaceWorld) => CallerInstance) {
  const run = raceRun(w, [make(w)]);
  run.tasks.pop(); // no zapper
  const sc = defineScenario({ name: "solo", summary: "one caller", models: "test", params: [], setup: () => run });
  return runControlled(sc, {}, (ctx) => ctx.defaultTask);
}

describe("VFIO type1: vaddr_get_pfns() returns -EFAULT unless is_invalid_reserved_pfn(pfn) (vfio_iommu_type1.c:580-584)", () => {
  it("is_invalid_reserved_pfn: a BAR pfn (no struct page) is accepted, a RAM pfn is not", () => {
    const w = buildRaceWorld({ scenario: "t", leaf: "pte", variant: "fixed", zap: "zap_vma_ptes", release: "free-ram", refault: false });
    expect(isInvalidReservedPfn(w.kernel, w.ramPages[0]!.pfn)).toBe(false);
    const b = buildRaceWorld({ scenario: "t", leaf: "pte", variant: "fixed", zap: "zap_vma_ptes", release: "none", refault: false });
    expect(isInvalidReservedPfn(b.kernel, b.bar!.startPfn)).toBe(true);
  });

  it("a RAM-backed VM_PFNMAP vma is refused with -EFAULT and nothing reaches the IOMMU", () => {
    const w = buildRaceWorld({ scenario: "t", leaf: "pte", variant: "fixed", zap: "zap_vma_ptes", release: "free-ram", refault: false });
    const iommu = new Iommu("iommu", w.san);
    const r = soloRun(w, (x) => vfioType1Caller(x, { iommu }));
    expect(r.end.results.vfio).toBe(-14);
    expect(iommu.ptes.size).toBe(0);
    expect(w.san.events.some((e) => e.kind === "discard" && /ordinary RAM \(!is_invalid_reserved_pfn\): -EFAULT/.test(e.detail))).toBe(true);
  });

  it("vfio-type1-vs-zap release=free-ram: no schedule at bound 2 ends in use-after-free (the kernel never maps the page)", () => {
    const r = explore("vfio-type1-vs-zap", { preemptions: 2, params: { leaf: "pte", release: "free-ram" } });
    expect(r.exhausted).toBe(true);
    expect(r.outcomes["use-after-free"]).toBeUndefined();
    expect(r.outcomes["stale-pfn"]).toBeUndefined();
    // The BAR version of the same race still is a use-after-free: that is the story.
    expect(explore("vfio-type1-vs-zap", { preemptions: 1, params: { leaf: "pte", release: "reset-bar" } }).outcomes["use-after-free"]).toBeGreaterThan(0);
  });
});
