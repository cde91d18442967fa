import { describe, expect, it } from "vitest";
import { Sanitizer, currentPfnAt } from "../../src/checks/sanitizer";
import {
  VM_IO,
  VM_PFNMAP,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  createKernel,
  remapPfnRange,
  zapVmaPtes,
} from "../../src/mm/index";
import { pmdWorld } from "./helpers";

describe("the pfn sanitizer", () => {
  it("a planted stale use: a hold whose address was zapped is stale-pfn while the BAR is unchanged", () => {
    const w = pmdWorld();
    const pfn = w.bar.startPfn + 5;
    expect(currentPfnAt(w.mm, w.address)).toBe(pfn);
    const h = w.san.hold("t", "planted", pfn, { mm: w.mm, address: w.address });
    expect(w.san.access(h, "t", "cpu-read")).toBe("ok");
    zapVmaPtes(w.vma, w.vma.vmStart, w.vma.size);
    expect(currentPfnAt(w.mm, w.address)).toBeNull();
    expect(w.san.access(h, "t", "cpu-read")).toBe("stale-pfn");
    expect(w.san.outcomes()).toEqual(["stale-pfn"]);
  });

  it("a planted use-after-free: DMA after the BAR was reset, and after it moved, is use-after-free", () => {
    const w = pmdWorld();
    const h = w.san.hold("dev", "iommu", w.bar.startPfn + 5, null);
    w.k.resetIoRegion(w.bar);
    const j = w.san.judge(h, "dma-read");
    expect(j.outcome).toBe("use-after-free");
    expect(j.detail).toMatch(/was bar0 generation 1, now bar0 generation 2/);
    const w2 = pmdWorld();
    const h2 = w2.san.hold("dev", "iommu", w2.bar.startPfn, null);
    w2.k.moveIoRegion(w2.bar);
    expect(w2.san.access(h2, "dev", "dma-write")).toBe("use-after-free");
    expect(w2.san.judge(h2, "dma-write").detail).toMatch(/retired range of bar0/);
  });

  it("a planted use-after-free on RAM: the page was freed and handed to someone else", () => {
    const k = createKernel();
    const mm = k.createMm();
    const page = k.allocPage();
    const vma = mm.mmap({ length: 4096, vmFlags: VM_READ | VM_WRITE | VM_SHARED | VM_IO | VM_PFNMAP });
    expect(remapPfnRange(vma, vma.vmStart, page.pfn, 4096, vma.vmPageProt)).toBe(0);
    const san = new Sanitizer(k);
    san.trackMapped(page.pfn);
    const h = san.hold("drv", "driver", page.pfn, { mm, address: vma.vmStart });
    zapVmaPtes(vma, vma.vmStart, 4096);
    k.freePage(page);
    expect(san.judge(h).outcome).toBe("use-after-free");
    const again = k.allocPage();
    expect(again.pfn).toBe(page.pfn); // reused at once
    expect(san.access(h, "drv", "cpu-write")).toBe("use-after-free");
    expect(san.judge(h, "bookkeeping").outcome).toBe("stale-pfn"); // bookkeeping touches no memory
  });

  it("classifies lookups: failure -> einval, a pfn the table no longer maps -> stale-pfn (lookup-level), else ok", () => {
    const w = pmdWorld();
    const site = { mm: w.mm, address: w.address };
    expect(w.san.lookup("t", "x", site, -22)).toBe("einval");
    expect(w.san.lookup("t", "x", site, 0, w.bar.startPfn + 5)).toBe("ok");
    expect(w.san.lookup("t", "x", site, 0, w.bar.startPfn + 6)).toBe("stale-pfn");
    // Not acted on yet: the caller walks away with it, so the run is stale-pfn.
    expect(w.san.outcomes()).toEqual(["einval", "stale-pfn"]);
    expect(w.san.lookupEvents()).toEqual(["lookup:stale-pfn"]);
    expect(w.san.retried("t", "x", "seq moved")).toBe("retried");
    // A retry dropped it: no harm, the run is retried; the lookup event stays in the tally.
    expect(w.san.outcomes()).toEqual(["einval", "retried"]);
    expect(w.san.lookupEvents()).toEqual(["lookup:stale-pfn", "lookup:stale-pfn-dropped"]);
    expect(w.san.counts()).toMatchObject({ ok: 1, einval: 1, "stale-pfn": 1, retried: 1, "use-after-free": 0 });
    expect(w.san.report().some((l) => /lookup stale-pfn \(lookup-level\)/.test(l))).toBe(true);
  });

  it("a stale lookup is classified by what the caller does next: used, kept, refused or retried", () => {
    const stale = () => {
      const w = pmdWorld();
      zapVmaPtes(w.vma, w.vma.vmStart, w.vma.size);
      const site = { mm: w.mm, address: w.address };
      expect(w.san.lookup("t", "x", site, 0, w.bar.startPfn + 5)).toBe("stale-pfn");
      return { w, site };
    };
    // Used: the access decides (the BAR was reset: use-after-free).
    const a = stale();
    const h = a.w.san.hold("t", "x", a.w.bar.startPfn + 5, a.site);
    expect(h.fromStaleLookup).toBe(true);
    a.w.k.resetIoRegion(a.w.bar);
    a.w.san.access(h, "t", "cpu-read");
    expect(a.w.san.outcomes()).toEqual(["use-after-free"]);
    // Kept in a hold that is never used nor released (an spte, an IOMMU entry): stale-pfn.
    const b = stale();
    b.w.san.hold("t", "iommu", b.w.bar.startPfn + 5, b.site);
    expect(b.w.san.outcomes()).toEqual(["stale-pfn"]);
    // Refused on an error path: a clean failure.
    const c = stale();
    expect(c.w.san.discard("t", "x", "write mapping of a read-only pfn: -EFAULT")).toBe("einval");
    expect(c.w.san.outcomes()).toEqual(["einval"]);
    // Held, then dropped by a retry before any use: retried.
    const d = stale();
    const hd = d.w.san.hold("t", "ioremap", d.w.bar.startPfn + 5, d.site);
    d.w.san.retried("t", "x", "recheck differed");
    d.w.san.release(hd, "t");
    expect(d.w.san.outcomes()).toEqual(["retried"]);
    expect(d.w.san.lookupEvents()).toContain("lookup:stale-pfn-dropped");
  });

  it("misuse comes from the checker, and a hold taken before a stale lookup keeps the memory it was mapped as", () => {
    const w = pmdWorld();
    w.k.checker.report({ rule: "x", message: "planted", site: "test" });
    expect(w.san.outcomes()).toEqual(["misuse"]);
    // The BAR is reset before anybody looks up: the mapping-time snapshot still says generation 1.
    zapVmaPtes(w.vma, w.vma.vmStart, w.vma.size);
    w.k.resetIoRegion(w.bar);
    const h = w.san.hold("t", "stale lookup", w.bar.startPfn + 5, { mm: w.mm, address: w.address });
    expect(h.identity.generation).toBe(1);
    expect(w.san.access(h, "t")).toBe("use-after-free");
  });
});
