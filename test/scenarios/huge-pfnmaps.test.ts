/** The experiments behind notebook 03: lookup contention per leaf level, fault levels by alignment, page-table scaling. */
import { describe, expect, it } from "vitest";
import {
  faultLevelsByAlignment,
  faultLevelsForCase,
  leafLockClass,
  lookupContention,
  lookupContentionSweep,
  measurePageTables,
  pageTableScaling,
  scalingSeries,
  sizeSweep,
  underEachRule,
} from "../../src/scenarios/experiments/huge-pfnmaps";
import { faultLevelsResultFigure } from "../../src/display/fault-levels-result-figure";

const M = 2 ** 20;
const G = 2 ** 30;

describe("lookupContention (timed, simulated ns)", () => {
  it("is deterministic: the same options give an identical lock_stat report, data and text", () => {
    const a = lookupContention({ tasks: 4, lookupsPerTask: 20, leaf: "pud" });
    const b = lookupContention({ tasks: 4, lookupsPerTask: 20, leaf: "pud" });
    expect(b.text).toBe(a.text);
    expect(JSON.stringify(b.lockStat)).toBe(JSON.stringify(a.lockStat));
    expect(b.elapsedNs).toBe(a.elapsedNs);
  });

  it("another seed changes the schedule (the seed is really used)", () => {
    const a = lookupContention({ tasks: 4, lookupsPerTask: 20, leaf: "pte", seed: 1 });
    const b = lookupContention({ tasks: 4, lookupsPerTask: 20, leaf: "pte", seed: 2 });
    expect(JSON.stringify(b.lockStat.timeline)).not.toBe(JSON.stringify(a.lockStat.timeline));
  });

  it("every lookup succeeds with the right pfn, holding the lock of its leaf level", () => {
    for (const leaf of ["pud", "pmd", "pte"] as const) {
      const r = lookupContention({ tasks: 3, lookupsPerTask: 10, leaf });
      expect(r.status).toBe("done");
      expect(r.correct).toBe(30);
      expect(r.leafLockClass).toBe(leafLockClass(leaf));
      expect(r.leafLock.acquisitions).toBe(30);
      expect(r.lockStat.rows.map((x) => x.className)).toContain("&mm->mmap_lock");
    }
  });

  it("8 tasks: waits on mm->page_table_lock (PUD leaves) far exceed waits on PTE ptlocks", () => {
    const pud = lookupContention({ tasks: 8, leaf: "pud" });
    const pte = lookupContention({ tasks: 8, leaf: "pte" });
    expect(pud.leafLockClass).toBe("&mm->page_table_lock");
    expect(pte.leafLockClass).toBe("ptlock (PTE)");
    expect(pud.leafLock.contentions).toBeGreaterThan(pud.leafLock.acquisitions / 2);
    expect(pud.leafLock.waitTotalNs).toBeGreaterThan(20 * Math.max(1, pte.leafLock.waitTotalNs));
    expect(pud.elapsedNs).toBeGreaterThan(pte.elapsedNs);
  });

  it("one task never contends", () => {
    const r = lookupContention({ tasks: 1, leaf: "pud", lookupsPerTask: 30 });
    expect(r.leafLock.contentions).toBe(0);
    expect(r.leafLock.waitTotalNs).toBe(0);
  });

  it("PTE leaves contend again when every task looks at the same page (one PTE table, one ptlock)", () => {
    const spread = lookupContention({ tasks: 8, leaf: "pte" });
    const same = lookupContention({ tasks: 8, leaf: "pte", addresses: "same-page" });
    expect(same.leafLock.contentions).toBeGreaterThan(10 * Math.max(1, spread.leafLock.contentions));
  });

  it("without split ptlocks PTE lookups take mm->page_table_lock and contend", () => {
    const r = lookupContention({ tasks: 8, leaf: "pte", splitPtlocks: false });
    expect(r.leafLockClass).toBe("&mm->page_table_lock");
    expect(r.lockStat.rows.some((x) => x.className === "ptlock (PTE)")).toBe(false);
    expect(r.leafLock.contentions).toBeGreaterThan(r.leafLock.acquisitions / 2);
  });

  it("a larger cache-line bounce cost makes PUD waits longer", () => {
    const base = lookupContention({ tasks: 8, leaf: "pud" });
    const slow = lookupContention({ tasks: 8, leaf: "pud", costs: { cacheLineBounce: 400 } });
    expect(slow.leafLock.meanWaitNs).toBeGreaterThan(base.leafLock.meanWaitNs);
  });

  it("rejects bad options naming the function, field and rule", () => {
    expect(() => lookupContention({ tasks: 0 })).toThrow(/lookupContention: tasks 0 must be an integer in \[1, 64\]/);
    expect(() => lookupContention({ leaf: "p4d" as never })).toThrow(/lookupContention: leaf p4d must be/);
    expect(() => lookupContention({ barSize: 3 * M })).toThrow(/barSize 0x300000 must be a multiple of 1 GiB/);
    expect(() => lookupContention({ costs: { spinAcquire: -1 } })).toThrow(/createCostModel: cost spinAcquire = -1/);
    expect(() => lookupContention({ nope: 1 } as never)).toThrow(/unknown option nope/);
  });

  it("a sweep grows the PUD wait with the task count, the PTE wait stays near 0", () => {
    const pts = lookupContentionSweep([1, 4, 8], ["pud", "pte"], { lookupsPerTask: 20 });
    const pud = pts.filter((p) => p.leaf === "pud").map((p) => p.meanWaitNs);
    const pte = pts.filter((p) => p.leaf === "pte").map((p) => p.meanWaitNs);
    expect(pud[0]).toBe(0);
    expect(pud[1]).toBeGreaterThan(pud[0]);
    expect(pud[2]).toBeGreaterThan(pud[1]);
    expect(Math.max(...pte)).toBeLessThan(pud[2] / 10);
  });
});

describe("faultLevelsByAlignment (vfio-pci huge_fault rules)", () => {
  it("an aligned BAR in an aligned vma: two 1 GiB faults under every rule", () => {
    for (const r of faultLevelsByAlignment(underEachRule({ barAlign: G, vmaOffset: 0, length: 2 * G }))) {
      expect(r.faultsByLevel).toEqual({ pte: 0, pmd: 0, pud: 2 });
      expect(r.wrongPfn).toEqual([]);
      expect(r.row.faults.map((f) => f.addressVa - r.vmStart)).toEqual([0, G]);
    }
  });

  it("v6.12 with a BAR aligned only to 2 MiB maps PUD leaves at the wrong pfn (rounded down); the pfn rule falls back to PMDs", () => {
    const [old, pfn] = faultLevelsByAlignment(
      underEachRule({ barAlign: 2 * M, vmaOffset: 0, length: 2 * G }, ["v6.12", "pfn"]),
    );
    expect(old.faultsByLevel.pud).toBe(2);
    expect(old.wrongPfn).toHaveLength(2);
    const w = old.wrongPfn[0];
    expect(w.expectedPfn % 512).toBe(0);
    expect(w.expectedPfn % 262144).not.toBe(0);
    expect(w.mappedPfn).toBe(w.expectedPfn - (w.expectedPfn % 262144));
    expect(pfn.faultsByLevel).toEqual({ pte: 0, pmd: 1024, pud: 0 });
    expect(pfn.wrongPfn).toEqual([]);
  });

  it("a vma 2 MiB past a 1 GiB boundary: v6.12 puts one misaligned PUD leaf at the boundary, the later rules use PMDs", () => {
    const [old, pfn, down] = faultLevelsByAlignment(underEachRule({ barAlign: G, vmaOffset: 2 * M, length: 2 * G }));
    expect(old.faultsByLevel).toEqual({ pte: 0, pmd: 512, pud: 1 });
    expect(old.wrongPfn.map((w) => w.addressVa - old.vmStart)).toEqual([G - 2 * M]);
    expect(pfn.faultsByLevel).toEqual({ pte: 0, pmd: 1024, pud: 0 });
    expect(down.faultsByLevel).toEqual(pfn.faultsByLevel);
  });

  it("first touches 4 KiB into each 2 MiB window: only align-down still gets PMD leaves", () => {
    const rs = faultLevelsByAlignment(
      underEachRule({ barAlign: G, vmaOffset: 0, length: 16 * M, touch: "window-offset" }),
    );
    expect(rs.map((r) => r.faultsByLevel)).toEqual([
      { pte: 4096, pmd: 0, pud: 0 },
      { pte: 4096, pmd: 0, pud: 0 },
      { pte: 0, pmd: 8, pud: 0 },
    ]);
  });

  it("without PUD pfnmap support (hugePfnmap.pud=false) an aligned BAR gets PMD leaves", () => {
    const r = faultLevelsForCase({
      rule: "align-down",
      barAlign: G,
      vmaOffset: 0,
      length: G,
      hugePfnmap: { pud: false },
    });
    expect(r.faultsByLevel).toEqual({ pte: 0, pmd: 512, pud: 0 });
  });

  it("the figure marks every wrong-pfn leaf and labels each row once with the exact distance", () => {
    const rs = faultLevelsByAlignment(
      underEachRule({ label: "vma +4 KiB", barAlign: G, vmaOffset: 4096, length: 8 * M }, ["v6.12", "pfn"]),
    );
    const fig = faultLevelsResultFigure(rs);
    const marks = fig.data.find((t) => t.name === "leaf maps the wrong pfn")!;
    expect(marks.y).toEqual(Array(3).fill("v6.12 · vma +4 KiB"));
    expect(marks.x).toEqual([3, 5, 7].map((x) => x - 1 / 256)); // leaf middles, in MiB from the vma start
    const labels = (fig.layout.annotations as { text: string }[]).map((a) => a.text);
    expect(labels).toEqual(["3 leaves at the wrong pfn, each 2044 KiB too low"]);
    expect(faultLevelsResultFigure(rs.slice(1)).data.some((t) => t.name === "leaf maps the wrong pfn")).toBe(false);
  });

  it("rejects bad cases", () => {
    expect(() => faultLevelsByAlignment([])).toThrow(/faultLevelsByAlignment: cases .* must be a non-empty array/);
    expect(() => faultLevelsForCase({ rule: "v6.12", barAlign: 3 * M, vmaOffset: 0, length: M })).toThrow(
      /barAlign 3145728 must be a power of two/,
    );
    expect(() => faultLevelsForCase({ rule: "v6.12", barAlign: G, vmaOffset: 100, length: M })).toThrow(
      /vmaOffset 100 must be page aligned/,
    );
  });
});

describe("pageTableScaling", () => {
  it("faulting every page and building the tables in bulk give the same tables and counts", () => {
    for (const leaf of ["pte", "pmd", "pud"] as const) {
      const faulted = measurePageTables(leaf, 8 * M, 1e9);
      const bulk = measurePageTables(leaf, 8 * M, 0);
      expect(faulted.simulatedFaults).toBe(true);
      expect(bulk.simulatedFaults).toBe(false);
      expect({ ...bulk, simulatedFaults: true }).toEqual(faulted);
    }
  });

  it("4 GiB: 1048576 PTE leaves vs 4 PUD leaves (leaf entries 262144 times fewer); whole table pages 1+1+4+2048 vs 1+1", () => {
    const pte = measurePageTables("pte", 4 * G);
    const pmd = measurePageTables("pmd", 4 * G);
    const pud = measurePageTables("pud", 4 * G);
    expect(pte.leaves).toEqual({ pte: 1048576, pmd: 0, pud: 0 });
    expect(pte.tables).toEqual({ pgd: 1, pud: 1, pmd: 4, pte: 2048 });
    expect(pmd.tables).toEqual({ pgd: 1, pud: 1, pmd: 4, pte: 0 });
    expect(pud.tables).toEqual({ pgd: 1, pud: 1, pmd: 0, pte: 0 });
    expect(pte.leafEntryBytes / pud.leafEntryBytes).toBe(262144);
    expect(pte.faults / pud.faults).toBe(262144);
    expect(pte.faults / pmd.faults).toBe(512);
    expect(pte.pageTableBytes).toBe(2054 * 4096);
    expect(pud.pageTableBytes).toBe(2 * 4096);
  });

  it("a BAR smaller than 1 GiB gets PMD leaves even when PUD leaves are allowed", () => {
    const p = measurePageTables("pud", 512 * M);
    expect(p.leaves).toEqual({ pte: 0, pmd: 256, pud: 0 });
    expect(p.faults).toBe(256);
  });

  it("sizeSweep, series per leaf, bad input", () => {
    expect(sizeSweep(2 * M, 128 * M, 4)).toEqual([2 * M, 8 * M, 32 * M, 128 * M]);
    const pts = pageTableScaling([2 * M, 4 * M], { leaves: ["pmd", "pud"] });
    expect(scalingSeries(pts, "faults")).toEqual([
      { leaf: "pmd", sizesBytes: [2 * M, 4 * M], values: [1, 2] },
      { leaf: "pud", sizesBytes: [2 * M, 4 * M], values: [1, 2] },
    ]);
    expect(() => measurePageTables("pte", 1000)).toThrow(
      /pageTableScaling: size 1000 must be a positive multiple of 4096/,
    );
  });
});
