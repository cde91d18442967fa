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
import { x86PatCaller } from "../../src/notifiers/callers/x86-pat";
import { s390MmioCaller } from "../../src/notifiers/callers/s390-mmio";
import { genericAccessPhysCaller } from "../../src/notifiers/callers/generic-access-phys";
import { VM_READ, VM_WRITE } from "../../src/mm/constants";

/** One run of `callers(w)` alone (no zap task), in the default order. */
function soloRun(w: RaceWorld, make: (w: RaceWorld) => CallerInstance) {
  const run = raceRun(w, [make(w)]);
  run.tasks.pop(); // no zapper
  const sc = defineScenario({ name: "solo", summary: "one caller", models: "test", params: [], setup: () => run });
  return runControlled(sc, {}, (ctx) => ctx.defaultTask);
}

describe("VFIO type1: vaddr_get_pfns() returns -EFAULT unless is_invalid_reserved_pfn(pfn) (vfio_iommu_type1.c:580-584)", () => {
  it("is_invalid_reserved_pfn: a BAR pfn (no struct page) is accepted, a RAM pfn is not", () => {
    const w = buildRaceWorld({
      scenario: "t",
      leaf: "pte",
      variant: "fixed",
      zap: "zap_vma_ptes",
      release: "free-ram",
      refault: false,
    });
    expect(isInvalidReservedPfn(w.kernel, w.ramPages[0]!.pfn)).toBe(false);
    const b = buildRaceWorld({
      scenario: "t",
      leaf: "pte",
      variant: "fixed",
      zap: "zap_vma_ptes",
      release: "none",
      refault: false,
    });
    expect(isInvalidReservedPfn(b.kernel, b.bar!.startPfn)).toBe(true);
  });

  it("a RAM-backed VM_PFNMAP vma is refused with -EFAULT and nothing reaches the IOMMU", () => {
    const w = buildRaceWorld({
      scenario: "t",
      leaf: "pte",
      variant: "fixed",
      zap: "zap_vma_ptes",
      release: "free-ram",
      refault: false,
    });
    const iommu = new Iommu("iommu", w.san);
    const r = soloRun(w, (x) => vfioType1Caller(x, { iommu }));
    expect(r.end.results.vfio).toBe(-14);
    expect(iommu.ptes.size).toBe(0);
    expect(
      w.san.events.some(
        (e) => e.kind === "discard" && /ordinary RAM \(!is_invalid_reserved_pfn\): -EFAULT/.test(e.detail),
      ),
    ).toBe(true);
  });

  it("vfio-type1-vs-zap release=free-ram: no schedule at bound 2 ends in use-after-free (the kernel never maps the page)", () => {
    const r = explore("vfio-type1-vs-zap", { preemptions: 2, params: { leaf: "pte", release: "free-ram" } });
    expect(r.exhausted).toBe(true);
    expect(r.outcomes["use-after-free"]).toBeUndefined();
    expect(r.outcomes["stale-pfn"]).toBeUndefined();
    // The BAR version of the same race still is a use-after-free: that is the story.
    expect(
      explore("vfio-type1-vs-zap", { preemptions: 1, params: { leaf: "pte", release: "reset-bar" } }).outcomes[
        "use-after-free"
      ],
    ).toBeGreaterThan(0);
  });
});

describe("x86 PAT: follow_phys() looks up vma->vm_start (arch/x86/mm/pat/memtype.c:938)", () => {
  it("the lookup and the memtype bookkeeping use the vma's first page, not the caller's address", () => {
    const w = buildRaceWorld({
      scenario: "t",
      leaf: "pte",
      variant: "fixed",
      zap: "zap_vma_ptes",
      release: "none",
      refault: false,
    });
    expect(w.address).not.toBe(w.vma.vmStart);
    const r = soloRun(w, (x) => x86PatCaller(x));
    expect(r.end.results.pat).toBe(0);
    const lookup = w.san.events.find((e) => e.kind === "lookup")!;
    expect(lookup.address).toBe(w.vma.vmStart);
    expect(lookup.pfn).toBe(w.bar!.startPfn);
    const hold = w.san.holds[0]!;
    expect(hold.pfn).toBe(w.bar!.startPfn);
    expect(hold.site!.address).toBe(w.vma.vmStart);
  });
});

describe("s390_pci_mmio_read refuses a vma without VM_READ with -EACCES (arch/s390/pci/pci_mmio.c:312-313)", () => {
  it("read of a write-only BAR mapping: -EACCES before any lookup; the write syscall is refused on a read-only one", () => {
    const w = buildRaceWorld({
      scenario: "t",
      leaf: "pte",
      variant: "fixed",
      zap: "zap_vma_ptes",
      release: "none",
      refault: false,
    });
    w.vma.vmFlags &= ~VM_READ;
    const r = soloRun(w, (x) => s390MmioCaller(x, { write: false }));
    expect(r.end.results.s390).toBe(-13);
    expect(w.san.events.filter((e) => e.kind === "lookup")).toEqual([]);
    const w2 = buildRaceWorld({
      scenario: "t",
      leaf: "pte",
      variant: "fixed",
      zap: "zap_vma_ptes",
      release: "none",
      refault: false,
    });
    w2.vma.vmFlags &= ~VM_WRITE;
    expect(soloRun(w2, (x) => s390MmioCaller(x, { write: true })).end.results.s390).toBe(-13);
    const w3 = buildRaceWorld({
      scenario: "t",
      leaf: "pte",
      variant: "fixed",
      zap: "zap_vma_ptes",
      release: "none",
      refault: false,
    });
    expect(soloRun(w3, (x) => s390MmioCaller(x, { write: false })).end.results.s390).toBe(0);
  });
});

describe("generic_access_phys (mm/memory.c:6565, 6.12.118 stable text)", () => {
  it("refuses ordinary RAM: pfn_to_online_page() && !PageReserved() -> -EINVAL before any ioremap (:6593-6597)", () => {
    const w = buildRaceWorld({
      scenario: "t",
      leaf: "pte",
      variant: "fixed",
      zap: "zap_vma_ptes",
      release: "free-ram",
      refault: false,
    });
    const r = soloRun(w, (x) => genericAccessPhysCaller(x));
    expect(r.end.results.ptrace).toBe(-22);
    expect(r.trace.some((t) => t.kind === "step" && /ioremap_prot/.test(t.site))).toBe(false);
    expect(w.san.holds).toEqual([]);
  });

  it("limits the access to one page: len = min(len, PAGE_SIZE - offset) (:6577-6581), and ioremaps PAGE_SIZE", () => {
    const w = buildRaceWorld({
      scenario: "t",
      leaf: "pte",
      variant: "fixed",
      zap: "zap_vma_ptes",
      release: "none",
      refault: false,
    });
    const off = w.address % 4096;
    const r = soloRun(w, (x) => genericAccessPhysCaller(x, { len: 3 * 4096 }));
    expect(r.end.results.ptrace).toBe(4096 - off);
    expect(r.trace.some((t) => /ioremap_prot\(phys of pfn, PAGE_SIZE, prot\)/.test(t.site))).toBe(true);
    const w2 = buildRaceWorld({
      scenario: "t",
      leaf: "pte",
      variant: "fixed",
      zap: "zap_vma_ptes",
      release: "none",
      refault: false,
    });
    expect(soloRun(w2, (x) => genericAccessPhysCaller(x, { len: 16 })).end.results.ptrace).toBe(16);
  });
});

describe("KVM on x86-64 takes the TDP MMU path: read_lock(&kvm->mmu_lock) in kvm_tdp_mmu_page_fault (arch/x86/kvm/mmu/mmu.c:4734)", () => {
  it("the fault names one path: kvm_tdp_mmu_page_fault read_lock, never direct_page_fault's write_lock", () => {
    const r = replay("kvm-vs-zap", "a");
    const sites = r.trace.filter((t) => t.task === "kvm" && /mmu_lock/.test(t.site)).map((t) => t.site);
    expect(sites.some((s) => /kvm_tdp_mmu_page_fault read_lock\(&kvm->mmu_lock\) \(modelled exclusive\)/.test(s))).toBe(
      true,
    );
    expect(sites.some((s) => /direct_page_fault|write_lock/.test(s))).toBe(false);
    expect(r.trace.some((t) => /kvm_tdp_mmu_map installs the spte/.test(t.site))).toBe(true);
  });
});
