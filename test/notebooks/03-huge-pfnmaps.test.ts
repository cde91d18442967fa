/**
 * Notebook 03 runs in the real tslab kernel, and the numbers behind its figures are what
 * the model must give: the fault levels per alignment rule (with the v6.12 wrong-pfn
 * leaves), page-table bytes and faults in the exact ratios of the leaf sizes, and the
 * lock waits of PUD lookups on mm->page_table_lock far above those on PTE ptlocks.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  executedNotebook,
  figureTitled as fig,
  traceNamed as trace,
  type NbTrace as Trace,
} from "../support/notebook-outputs";
import { projectRoot } from "../../src/runner";

const path = join(projectRoot, "notebooks", "03-huge-pfnmaps.ipynb");

const nums = (v: unknown) => (v as (number | null)[]).map((x) => x ?? 0);
const sum = (v: unknown) => nums(v).reduce((a, b) => a + b, 0);

describe("notebook 03: huge pfnmaps", () => {
  const nb = executedNotebook(path);

  it("shows at least three plotly figures", () => {
    expect(nb.figs.length).toBeGreaterThanOrEqual(3);
  });

  it("a fault at the aligned start maps a special PUD leaf; a 4 KiB zap drops the whole leaf", () => {
    expect(nb.text).toMatch(/leaf level: pud, entry: pfn 0x\w+ \[[^\]]*pse\|special\]/);
    expect(nb.text).toContain("zap_vma_ptes of 4 KiB cleared: 0 ptes, 0 pmds, 1 pud");
    expect(nb.text).toContain("last page of the GiB still mapped? false");
  });

  it("fault levels: v6.12 maps misaligned PUD leaves (marked wrong pfn), the later rules fall back to PMDs", () => {
    const f = fig(nb.figs, /2 GiB mappings/);
    const wrong = trace(f, "leaf maps the wrong pfn");
    expect(wrong.y).toEqual(["v6.12 · vma +2 MiB", "v6.12 · BAR 2 MiB aligned", "v6.12 · BAR 2 MiB aligned"]);
    const pmd = trace(f, "PMD (2 MiB)");
    const faultsOf = (row: string) =>
      nums(pmd.customdata)
        .filter((_, i) => (pmd.y as string[])[i] === row)
        .reduce((a, b) => a + b, 0);
    expect(faultsOf("pfn · BAR 2 MiB aligned")).toBe(1024);
    expect(faultsOf("v6.12 · vma +2 MiB")).toBe(512);
    const pud = trace(f, "PUD (1 GiB)");
    expect((pud.y as string[]).filter((y) => y.startsWith("pfn") || y.startsWith("align-down"))).toEqual([
      "pfn · all 1 GiB aligned",
      "align-down · all 1 GiB aligned",
    ]);
    const small = fig(nb.figs, /16 MiB mappings/);
    expect(trace(small, "leaf maps the wrong pfn").y).toHaveLength(7);
    const smallPmd = trace(small, "PMD (2 MiB)");
    expect((smallPmd.y as string[]).includes("align-down · touch +4 KiB first")).toBe(true);
    expect((smallPmd.y as string[]).includes("pfn · touch +4 KiB first")).toBe(false);
  });

  it("page-table bytes and faults scale with the leaf size: 262144x fewer faults, 32833x fewer table pages at 128 GiB", () => {
    const bytes = fig(nb.figs, /^Page-table memory/);
    const faults = fig(nb.figs, /^Faults to touch/);
    const last = (t: Trace) => nums(t.y)[nums(t.y).length - 1];
    const b4k = last(trace(bytes, "PTE (4 KiB)"));
    const b1g = last(trace(bytes, "PUD (1 GiB)"));
    expect(b4k).toBe((1 + 1 + 128 + 65536) * 4096);
    expect(b1g).toBe(2 * 4096);
    expect(b4k / b1g).toBe(32833);
    expect(last(trace(faults, "PTE (4 KiB)")) / last(trace(faults, "PUD (1 GiB)"))).toBe(262144);
    expect(last(trace(faults, "PTE (4 KiB)")) / last(trace(faults, "PMD (2 MiB)"))).toBe(512);
    expect(trace(faults, "PUD (1 GiB)").x).toEqual(
      [2, 8, 32, 128, 512, 2048, 8192, 32768, 131072].map((m) => m * 2 ** 20),
    );
    expect(nb.text).toContain("leaf-entry bytes, 4 KiB / 1 GiB: 262144");
  });

  it("lock waits: PUD lookups wait on mm->page_table_lock far longer than PTE lookups on their ptlocks", () => {
    const box = fig(nb.figs, /Hold and wait per lookup/);
    const waitPud = box.data[1];
    const waitPte = box.data[5];
    expect(waitPud.name).toBe("&mm->page_table_lock · PUD leaves");
    expect(waitPte.name).toBe("ptlock (PTE) · PTE leaves");
    expect((waitPud.y as number[]).length).toBe(8 * 50);
    expect(sum(waitPud.y)).toBeGreaterThan(50 * Math.max(1, sum(waitPte.y)));
    expect(nb.text).toMatch(/&mm->page_table_lock:\s+\d+\s+\d+/);
    const sweep = fig(nb.figs, /vs number of tasks/);
    const pudLine = nums(trace(sweep, /^PUD/).y);
    const pteLine = nums(trace(sweep, /^PTE/).y);
    expect(pudLine[0]).toBe(0);
    expect(pudLine[4]).toBeGreaterThan(pudLine[3]);
    expect(pudLine[3]).toBeGreaterThan(pudLine[2]);
    expect(Math.max(...pteLine)).toBeLessThan(pudLine[4] / 20);
  });

  it("the timelines show waits on page_table_lock for PUD leaves and none for PTE leaves", () => {
    const pud = fig(nb.figs, /^PUD leaves: every lookup queues/);
    const pte = fig(nb.figs, /^PTE leaves: split ptlocks/);
    expect(sum(trace(pud, "&mm->page_table_lock wait").x)).toBeGreaterThan(0);
    expect(pte.data.some((t) => /wait$/.test(String(t.name)))).toBe(false);
  });
});
