import { describe, expect, it } from "vitest";
import { PMD_SIZE, zapVmaPtes } from "../../src/mm/index";
import { Iommu, KvmMmu } from "../../src/notifiers/index";
import { createSyncTask } from "../../src/sched/sync";
import { acquire, release } from "../../src/sched/effect";
import { pmdWorld } from "./helpers";

describe("secondary MMUs", () => {
  it("IOMMU: map, DMA, a zap leaves the entry in place (stale), unmap makes DMA fault", () => {
    const w = pmdWorld();
    const iommu = new Iommu("iommu", w.san);
    const pfn = w.bar.startPfn + 5;
    expect(w.k.run(iommu.mapSteps(0x100000, pfn, { site: { mm: w.mm, address: w.address } }))).toBe(0);
    expect(w.k.run(iommu.mapSteps(0x100000, pfn))).toBe(-17);
    expect(w.k.run(iommu.dmaSteps(0x100000))).toEqual({ pfn, outcome: "ok" });
    zapVmaPtes(w.vma, w.vma.vmStart, PMD_SIZE);
    expect(iommu.translate(0x100000)).toBe(pfn); // the IOMMU does not know about the zap
    expect(w.k.run(iommu.dmaSteps(0x100000, true))).toEqual({ pfn, outcome: "stale-pfn" });
    w.k.resetIoRegion(w.bar);
    expect(w.k.run(iommu.dmaSteps(0x100000))).toEqual({ pfn, outcome: "use-after-free" });
    expect(w.k.run(iommu.unmapSteps(0x100000, 4096))).toBe(4096);
    expect(w.k.run(iommu.dmaSteps(0x100000))).toEqual({ pfn: null, outcome: null });
    expect(() => w.k.run(iommu.mapSteps(0x100001, pfn))).toThrow(/iommuMap: iova 1048577 must be a page-aligned/);
  });

  it("KVM: the notifier zaps sptes inside start, bumps mmu_invalidate_seq at end, and retry_gfn sees both", () => {
    const w = pmdWorld();
    const kvm = new KvmMmu(w.mm, { baseGfn: 0x100, npages: 512, userspaceAddr: w.vma.vmStart }, w.san);
    const gfn = 0x105;
    expect(kvm.gfnToHva(gfn)).toBe(w.address);
    const seq0 = kvm.mmuInvalidateSeq;
    const t = w.k.ctx.task;
    w.k.run(
      (function* () {
        yield* acquire(kvm.mmuLock, "write", "test");
      })(),
    );
    expect(kvm.mmuInvalidateRetryGfn(t, seq0, gfn)).toBe(false);
    kvm.installSpte(t, gfn, w.bar.startPfn + 5, true, { mm: w.mm, address: w.address });
    w.k.run(
      (function* () {
        yield* release(kvm.mmuLock, "write", "test");
      })(),
    );
    expect(w.k.run(kvm.guestAccessSteps(gfn)).outcome).toBe("ok");
    zapVmaPtes(w.vma, w.vma.vmStart, PMD_SIZE);
    expect(kvm.sptes.size).toBe(0);
    expect(kvm.mmuInvalidateSeq).toBe(seq0 + 1);
    expect(kvm.mmuInvalidateInProgress).toBe(0);
    w.k.run(
      (function* () {
        yield* acquire(kvm.mmuLock, "write", "test");
      })(),
    );
    expect(kvm.mmuInvalidateRetryGfn(t, seq0, gfn)).toBe(true);
    w.k.run(
      (function* () {
        yield* release(kvm.mmuLock, "write", "test");
      })(),
    );
    expect(w.k.run(kvm.guestAccessSteps(gfn))).toEqual({ pfn: null, outcome: null });
  });

  it("KVM: mmu_invalidate_retry_gfn without mmu_lock is reported to the checker", () => {
    const w = pmdWorld();
    const kvm = new KvmMmu(w.mm, { baseGfn: 0, npages: 512, userspaceAddr: w.vma.vmStart });
    kvm.mmuInvalidateRetryGfn(createSyncTask("vcpu"), 0, 5);
    expect(w.k.checker.list("kvm-retry-without-mmu-lock")).toHaveLength(1);
    expect(() => kvm.gfnToHva(4096)).toThrow(/gfnToHva: gfn 0x1000 is outside the memslot/);
  });
});
