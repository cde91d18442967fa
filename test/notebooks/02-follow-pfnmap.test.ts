/**
 * Notebook 02 runs in the real tslab kernel, and the numbers behind its figures and tables
 * are what the lab's layout dictates: pfn = leaf base + offset on each leaf level, every
 * -EINVAL exit in the kernel's order, sweep counts per cause, and follow_pte's blind spots.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { executedNotebook, figureTitled as fig, type NbFig as Fig } from "../support/notebook-outputs";
import { projectRoot } from "../../src/runner";

const path = join(projectRoot, "notebooks", "02-follow-pfnmap.ipynb");
const MiB = 2 ** 20;

/** Total width of a strip trace (in the figure's axis unit). */
const width = (f: Fig, name: string) => {
  const t = f.data.find((d) => d.name === name);
  return t ? (t.x as number[]).reduce((a, b) => a + b, 0) : 0;
};

describe("notebook 02: follow_pfnmap_start/end", () => {
  const nb = executedNotebook(path);

  it("shows at least three plotly figures", () => {
    expect(nb.figs.length).toBeGreaterThanOrEqual(3);
  });

  it("PTE, PMD and PUD lookups return leaf base + page offset, under the right lock", () => {
    const lines = [...nb.text.matchAll(/pfn (0x[0-9a-f]+) = leaf base (0x[0-9a-f]+) \+ offset (0x[0-9a-f]+) \/ 4096/g)];
    expect(lines).toHaveLength(3);
    for (const [, pfn, base, off] of lines) expect(Number(pfn)).toBe(Number(base) + Math.floor(Number(off) / 4096));
    // PMD leaf: the offset 0x1234ab inside the 2 MiB leaf is page 0x123
    const pmd = lines.find((l) => l[3] === "0x1234ab")!;
    expect(Number(pmd[1]) - Number(pmd[2])).toBe(0x123);
    expect(nb.text).toContain("locks held between start and end: &mm->mmap_lock, &mm->page_table_lock");
    expect(nb.text).toContain("locks held between start and end: &mm->mmap_lock, ptlock (PMD)");
    expect(nb.text).toContain("locks held between start and end: &mm->mmap_lock, ptlock (PTE)");
    expect(nb.text).toContain("after end + mmap_read_unlock, locks held: []");
  });

  it("walk diagrams for the three leaf levels, the PUD walk two levels deep", () => {
    const pud = fig(nb.figs, /^PUD leaf \(1 GiB\)/);
    const boxes = (pud.layout.annotations as { text: string }[]).filter((a) => /^<b>(P4D|PUD|PMD|PTE)\[/.test(a.text));
    expect(boxes.map((b) => b.text.slice(3, 6))).toEqual(["P4D", "PUD"]);
    expect(JSON.stringify(fig(nb.figs, /^PMD leaf \(2 MiB\)/).layout)).toContain("lock: ptlock (PMD)");
    expect(JSON.stringify(fig(nb.figs, /^PTE leaf \(4 KiB\)/).layout)).toContain("lock: ptlock (PTE)");
  });

  it("lock scope: 2 MiB, 1 GiB and the whole 128 TiB mm", () => {
    const f = fig(nb.figs, /^Address space serialised/);
    expect(f.data[0].x).toEqual([2 ** 47, 2 ** 30, 2 ** 21]);
  });

  it("every -EINVAL exit, in the kernel's order", () => {
    // The table's text/plain rows: step, experiment, ret, cause, reason (columns 2+ spaces apart).
    const rows = [...nb.text.matchAll(/^(\d) {2,}\S.*? {2,}(-EINVAL|0) {2,}(\S.*?) {2,}\S/gm)].map((m) => [
      m[1],
      m[2],
      m[3],
    ]);
    expect(rows).toEqual([
      ["1", "-EINVAL", "outside vma"],
      ["1", "-EINVAL", "outside vma"],
      ["1", "-EINVAL", "no VM_IO|VM_PFNMAP"],
      ["2", "-EINVAL", "p4d none"],
      ["2", "-EINVAL", "p4d bad"],
      ["3", "-EINVAL", "pud none"],
      ["4", "-EINVAL", "pmd none"],
      ["5", "-EINVAL", "pte_offset_map_lock NULL"],
      ["5", "-EINVAL", "pte none"],
    ]);
    expect(nb.text).toContain("v6.12 variant, empty pmd: -EINVAL (pte_offset_map_lock NULL)");
  });

  it("overview sweep: 1 GiB outside, 1 GiB + 4 MiB ok, 510 empty pmds, 1 GiB empty pud", () => {
    expect(nb.text).toContain("overview (2048 lookups): ok 514, outside vma 512, pud none 512, pmd none 510");
    const f = fig(nb.figs, /across the 3 GiB vma/);
    expect(width(f, "ok")).toBeCloseTo(1 + 4 / 1024, 10); // GiB
    expect(width(f, "outside vma")).toBe(1);
    expect(width(f, "pud none")).toBe(1);
    expect(width(f, "pmd none")).toBeCloseTo((510 * 2) / 1024, 10);
  });

  it("zoom sweep: the zapped 256 KiB are 'pte none', the empty 4 MiB 'pmd none'", () => {
    expect(nb.text).toContain("zoom     (2560 lookups): ok 1472, pmd none 1024, pte none 64");
    const f = fig(nb.figs, /^Zoom on the 1 GiB boundary/);
    expect(width(f, "ok")).toBe((1472 * 4096) / MiB);
    expect(width(f, "pte none")).toBe(0.25);
    expect(width(f, "pmd none")).toBe(4);
    const pteNone = f.data.find((d) => d.name === "pte none")!;
    expect(pteNone.base).toEqual([3]); // hole at 1 GiB + 2 MiB + 1 MiB
  });

  it("checker: one report per misuse, with the rule", () => {
    for (const [title, rule] of [
      ["start() without mmap_lock", "follow-pfnmap-without-lock"],
      ["reading args.pfn after end()", "follow-pfnmap-use-after-end"],
      ["end() twice", "follow-pfnmap-end-twice"],
      ["mmap_lock dropped before end()", "mmap-lock-released-during-lookup"],
      ["lookup on a vma that is not VM_IO|VM_PFNMAP", "follow-pfnmap-non-pfnmap-vma"],
    ]) {
      expect(nb.text).toContain(`● ${title}: 1 report(s)`);
      expect(nb.text).toContain(`[${rule}]`);
    }
  });

  it("follow_pte vs follow_pfnmap_start: the old API fails on all 1024 huge-leaf addresses", () => {
    const f = fig(nb.figs, /two lookup APIs/);
    const y = (name: string) => f.data.find((d) => d.name === name)!.y;
    expect(y("ok")).toEqual([448, 1472]);
    expect(y("PUD leaf (follow_pte)")).toEqual([512, 0]);
    expect(y("PMD leaf (follow_pte)")).toEqual([512, 0]);
    expect(y("pte none")).toEqual([64, 64]);
    expect(y("pmd none")).toEqual([1024, 1024]);
  });
});
