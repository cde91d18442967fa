/**
 * Notebook 01 runs in the real tslab kernel, and the numbers behind its figures are what
 * the model must give: an eager mapping has every leaf from the start and never faults;
 * a fault-time one gains one leaf per first touch (replayed here with the same seed).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { executedNotebook, figureTitled as fig, traceNamed as trace } from "../support/notebook-outputs";
import { projectRoot } from "../../src/runner";
import { Prng } from "../../src/sched/prng";

const path = join(projectRoot, "notebooks", "01-io-and-pfn-mappings.ipynb");

describe("notebook 01: IO and PFN mappings", () => {
  const nb = executedNotebook(path);

  it("shows at least three plotly figures", () => {
    expect(nb.figs.length).toBeGreaterThanOrEqual(3);
  });

  it("draws RAM with struct pages and both BARs without", () => {
    const f = JSON.stringify(fig(nb.figs, /^Physical memory/));
    for (const s of ["System RAM", "bar0 (16 MiB)", "bar2 (1 MiB)", "no struct page", "has struct page"])
      expect(f).toContain(s);
  });

  it("touch curves: remap is flat at 64 with no faults; ->fault gains one leaf per first touch", () => {
    // Replay the notebook's touches: 3 pages touched by hand, then `touches` random pages.
    const rng = new Prng("01-io");
    const lazyPages = Array.from({ length: 150 }, () => rng.int(64));
    const distinct = new Set([0, 7, 42, ...lazyPages]).size;
    const f = fig(nb.figs, /^Leaves and faults vs touches/);
    const lazyPop = trace(f, "vmf_insert_pfn (at fault): populated leaves").y as number[];
    const lazyFaults = trace(f, "vmf_insert_pfn (at fault): faults taken").y as number[];
    expect(lazyPop).toHaveLength(151);
    expect(lazyPop[0]).toBe(3);
    expect(lazyPop[150]).toBe(distinct);
    expect(lazyFaults[150]).toBe(distinct - 3);
    lazyPop.forEach((p, i) => {
      expect(p - 3).toBe(lazyFaults[i]);
    });
    expect(new Set(trace(f, "remap_pfn_range (at mmap): populated leaves").y as number[])).toEqual(new Set([64]));
    expect(new Set(trace(f, "remap_pfn_range (at mmap): faults taken").y as number[])).toEqual(new Set([0]));
  });

  it("leaf strip: the ->fault row maps exactly the touched pages", () => {
    const rng = new Prng("01-io");
    const distinct = new Set([0, 7, 42, ...Array.from({ length: 150 }, () => rng.int(64))]).size;
    const f = fig(nb.figs, /^Populated pages after/);
    const kib = (name: string, row: string) => {
      const t = trace(f, name);
      return (t.x as number[]).filter((_, i) => (t.y as string[])[i] === row).reduce((a, b) => a + b, 0);
    };
    expect(kib("PTE (4 KiB)", "->fault")).toBe(4 * distinct);
    expect(kib("not mapped", "->fault")).toBe(4 * (64 - distinct));
    expect(kib("PTE (4 KiB)", "remap_pfn_range")).toBe(256);
  });

  it("walks: the remap pte is special and the VM_MIXEDMAP RAM page's is not", () => {
    const special = JSON.stringify(fig(nb.figs, /remap_pfn_range mapping: a special/).layout);
    expect(special).toContain("leaf (special)");
    expect(special).toContain("start() = 0");
    const normal = JSON.stringify(fig(nb.figs, /RAM page in a VM_MIXEDMAP vma/).layout);
    expect(normal).not.toContain("leaf (special)");
    expect(normal).toContain("no VM_IO|VM_PFNMAP");
  });

  it("prints vm_normal_page NULL for special entries, a page for normal ones, and GUP's -EFAULT", () => {
    expect(nb.text).toMatch(/remap_pfn_range pte .*NULL/);
    expect(nb.text).toMatch(/VM_MIXEDMAP, BAR pfn .*NULL/);
    expect(nb.text).toMatch(/VM_MIXEDMAP, RAM page .*page pfn 0x/);
    expect(nb.text).toMatch(/remap_pfn_range pte\s+-EFAULT\s+the vma is VM_IO\|VM_PFNMAP/);
    expect(nb.text).toMatch(/VM_MIXEDMAP, RAM page\s+1 page\s+pfn 0x/);
    expect(nb.text).toContain(
      "after:                  VM_READ|VM_WRITE|VM_SHARED|VM_PFNMAP|VM_IO|VM_DONTEXPAND|VM_DONTDUMP",
    );
    expect(nb.text).toContain("leaves mapping the vma right after mmap: 64 of 64");
  });

  it("layout: every vma drawn, BAR vmas point into bar0", () => {
    const f = JSON.stringify(fig(nb.figs, /^Process address space/));
    for (const s of ["bar0 via remap_pfn_range", "bar0 via -&gt;fault", "mixed", "anonymous (malloc)"]) {
      expect(f.includes(s) || f.includes(s.replace("-&gt;", "->"))).toBe(true);
    }
  });
});
