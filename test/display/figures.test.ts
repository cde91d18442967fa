import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  faultLevelsFigure,
  faultRuns,
  lockTimeline,
  lockTimesBoxPlot,
  outcomeBars,
  outcomeColor,
  lockClassColor,
  physMemoryMap,
  scalingFigure,
  virtToPhysLayout,
  theme,
  type PlotlyFigure,
} from "../../src/display/index";
import { GiB, MiB, sampleFigures } from "./sample-figures";

type Obj = Record<string, unknown>;
const axisTitle = (f: PlotlyFigure, ax: string) => ((f.layout[ax] as Obj)?.title as Obj)?.text as string;

describe("every builder", () => {
  const figs = sampleFigures();

  it("returns plain JSON: a JSON round trip gives the same figure", () => {
    for (const [name, f] of Object.entries(figs)) expect(JSON.parse(JSON.stringify(f)), name).toEqual(f);
  });

  it("titles the figure and puts units on visible axes", () => {
    for (const [name, f] of Object.entries(figs)) {
      expect(((f.layout.title as Obj).text as string).length, name).toBeGreaterThan(3);
      for (const ax of ["xaxis", "yaxis"]) {
        const a = f.layout[ax] as Obj;
        const t = axisTitle(f, ax);
        if (a.visible !== false && a.type !== "category" && t) expect(t, `${name} ${ax}`).toMatch(/\(.+\)/);
      }
    }
  });
});

describe("theme", () => {
  it("has fixed colours for outcome and lock classes, and stable hashes for others", () => {
    expect(outcomeColor("ok")).toBe(theme.OUTCOME_COLORS.ok);
    expect(new Set(theme.OUTCOME_CLASSES.map(outcomeColor)).size).toBe(7);
    expect(lockClassColor("ptlock (PTE)")).toBe(theme.LOCK_CLASS_COLORS["ptlock (PTE)"]);
    expect(lockClassColor("&some->other_lock")).toBe(lockClassColor("&some->other_lock"));
    expect(lockClassColor("&some->other_lock")).toMatch(/^hsl\(\d+, 55%, 45%\)$/);
    expect(theme.axisTitle("hold time", theme.UNITS.time).text).toBe("hold time (simulated ns)");
  });
});

describe("lockTimesBoxPlot", () => {
  it("passes hold and wait samples through, one trace pair per lock class", () => {
    const f = lockTimesBoxPlot({ classes: [{ lockClass: "&mm->mmap_lock", holdNs: [100, 120], waitNs: [0, 50, 9] }] });
    expect(f.data.map((t) => [t.type, t.name, t.y, (t.x as string[])[0]])).toEqual([
      ["box", "&mm->mmap_lock", [100, 120], "hold time"],
      ["box", "&mm->mmap_lock", [0, 50, 9], "wait time"],
    ]);
    expect((f.data[0].marker as Obj).color).toBe(theme.LOCK_CLASS_COLORS["&mm->mmap_lock"]);
    expect(axisTitle(f, "yaxis")).toBe("time (simulated ns)");
    expect(
      lockTimesBoxPlot({ classes: [{ lockClass: "x", holdNs: [1], waitNs: [] }], kind: "violin" }).data[0].type,
    ).toBe("violin");
  });

  it("rejects negative times naming the sample", () => {
    expect(() => lockTimesBoxPlot({ classes: [{ lockClass: "x", holdNs: [1, -2], waitNs: [] }] })).toThrow(
      "lockTimesBoxPlot: classes[0].holdNs[1] -2 must be a finite number >= 0",
    );
  });
});

describe("lockTimeline", () => {
  it("draws each interval as a bar from start to end on its (task, lock) row", () => {
    const f = sampleFigures().lockTimeline;
    const wait = f.data.find((t) => t.name === "ptlock (PTE) wait")!;
    const hold = f.data.find((t) => t.name === "ptlock (PTE) hold")!;
    expect([wait.base, wait.x, wait.y]).toEqual([[50], [70], ["follower · ptl"]]);
    expect([hold.base, hold.x, hold.y]).toEqual([
      [120, 20],
      [140, 100],
      ["follower · ptl", "zapper · ptl"],
    ]);
    const marker = f.data.find((t) => t.type === "scatter")!;
    expect([marker.x, marker.y, marker.text]).toEqual([[300], ["follower"], ["use pfn"]]);
    expect((f.layout.yaxis as Obj).categoryarray as string[]).toEqual(["follower", "follower · ptl", "zapper · ptl"]);
  });

  it("rejects intervals that end before they start", () => {
    expect(() => lockTimeline({ intervals: [{ task: "t", lock: "l", phase: "hold", startNs: 5, endNs: 4 }] })).toThrow(
      "lockTimeline: intervals[0] ends (4) before it starts (5)",
    );
  });
});

describe("outcomeBars", () => {
  it("stacks one trace per outcome class in severity order with zeros filled in", () => {
    const f = outcomeBars({
      groups: [
        { group: "vfio", counts: { "use-after-free": 6, ok: 40 } },
        { group: "kvm", counts: { ok: 45, retried: 4 } },
      ],
    });
    expect(f.data.map((t) => [t.name, t.y])).toEqual([
      ["ok", [40, 45]],
      ["retried", [0, 4]],
      ["use after free", [6, 0]],
    ]);
    expect(f.layout.barmode).toBe("stack");
    expect((f.data[2].marker as Obj).color).toBe(theme.OUTCOME_COLORS["use-after-free"]);
  });

  it("stacks to each group's total (property)", () => {
    const counts = fc.dictionary(fc.constantFrom(...theme.OUTCOME_CLASSES, "other"), fc.nat(1000));
    fc.assert(
      fc.property(fc.array(counts, { minLength: 1, maxLength: 5 }), fc.boolean(), (cs, percent) => {
        const f = outcomeBars({ groups: cs.map((c, i) => ({ group: `g${i}`, counts: c })), percent });
        cs.forEach((c, i) => {
          const total = Object.values(c).reduce((a, b) => a + b, 0);
          const stacked = f.data.reduce((s, t) => s + (t.y as number[])[i], 0);
          expect(stacked).toBeCloseTo(percent ? (total ? 100 : 0) : total, 6);
        });
      }),
      { numRuns: 50 },
    );
  });
});

describe("scalingFigure", () => {
  it("plots log-log lines per leaf size, zeros as gaps, binary-size ticks", () => {
    const f = sampleFigures().scalingFigure;
    expect(f.data.map((t) => [t.name, t.x, t.y])).toEqual([
      ["PTE (4 KiB)", [2 * MiB, GiB], [8192, 2 * MiB + 8192]],
      ["PUD (1 GiB)", [2 * MiB, GiB], [null, 8192]],
    ]);
    const x = f.layout.xaxis as Obj;
    expect(x.type).toBe("log");
    expect((f.layout.yaxis as Obj).type).toBe("log");
    expect(x.ticktext).toContain("2 MiB");
    expect(x.ticktext).toContain("1 GiB");
  });

  it("the unit comes from the input: bytes label the y ticks in binary sizes, a count is named beside the axis title", () => {
    const series = [{ leaf: "pmd" as const, sizesBytes: [2 * MiB, 4 * MiB], values: [4096, 8192] }];
    const bytes = scalingFigure({ metric: "page-table memory", unit: "bytes", series }).layout.yaxis as Obj;
    expect(bytes.title).toEqual({ text: "page-table memory (log scale)" });
    expect(bytes.ticktext).toEqual(["4 KiB", "8 KiB"]);
    const count = scalingFigure({ metric: "bytes written", unit: "count", series }).layout.yaxis as Obj;
    expect(count.title).toEqual({ text: "bytes written (count, log scale)" });
    expect(count.ticktext).toBeUndefined();
    expect(() => scalingFigure({ metric: "faults", unit: "pages" as never, series })).toThrow(
      'scalingFigure: unit "pages" must be "bytes" or "count"',
    );
  });

  it("labels the line at the smallest value even when the ticks skip powers of two (notebook 03's 8 KiB PUD points)", () => {
    // 8 KiB .. 256 MiB: ticks every second power of two (1 MiB among them), plus 8 KiB.
    const series = [
      { leaf: "pte" as const, sizesBytes: [2 * MiB, 128 * GiB], values: [16384, 256 * MiB + 8192] },
      { leaf: "pud" as const, sizesBytes: [2 * MiB, 128 * GiB], values: [12288, 8192] },
    ];
    const y = scalingFigure({ metric: "page-table bytes", unit: "bytes", series }).layout.yaxis as Obj;
    expect(y.ticktext).toEqual([
      "8 KiB",
      "16 KiB",
      "64 KiB",
      "256 KiB",
      "1 MiB",
      "4 MiB",
      "16 MiB",
      "64 MiB",
      "256 MiB",
    ]);
  });

  it("rejects series of different lengths", () => {
    expect(() =>
      scalingFigure({ metric: "faults", unit: "count", series: [{ leaf: "pte", sizesBytes: [1, 2], values: [1] }] }),
    ).toThrow("scalingFigure: series[0] has 2 sizes but 1 values");
  });
});

describe("pageTableWalkDiagram", () => {
  it("draws one box per level plus the result, with index, entry and lock", () => {
    const f = sampleFigures().pageTableWalkDiagram;
    expect((f.layout.shapes as Obj[]).length).toBe(5);
    const texts = (f.layout.annotations as Obj[]).map((a) => a.text as string);
    expect(texts.some((t) => t.includes("PGD[254]") && t.includes("0x1234067"))).toBe(true);
    expect(
      texts.some((t) => t.includes("PTE[1]") && t.includes("0x80000000fe001267") && t.includes("leaf (special)")),
    ).toBe(true);
    expect(texts).toContain("lock: ptlock (PTE)");
    expect(texts.some((t) => t.includes("pfn") && t.includes("0xfe001"))).toBe(true);
    expect(texts.some((t) => t.includes("0x7f0000201010") && t.includes("offset 0x10"))).toBe(true);
  });
});

describe("physMemoryMap", () => {
  it("shows regions by kind and struct page coverage, ticks at boundaries in hex", () => {
    const f = sampleFigures().physMemoryMap;
    expect(f.data.map((t) => [t.name, t.customdata])).toEqual([
      ["RAM", [[0, 2 * GiB]]],
      ["device BAR", [[0xfe000000, 0xfe000000 + 16 * MiB]]],
      ["has struct page", [[0, 2 * GiB]]],
      ["no struct page", [[0xfe000000, 0xfe000000 + 16 * MiB]]],
    ]);
    expect((f.layout.xaxis as Obj).ticktext).toEqual(["0x0", "0x80000000", "0xfe000000", "0xff000000"]);
  });

  it("rejects overlapping regions", () => {
    expect(() =>
      physMemoryMap({
        regions: [
          { name: "a", startPa: 0, sizeBytes: 8192, kind: "ram", hasStructPage: true },
          { name: "b", startPa: 4096, sizeBytes: 4096, kind: "bar", hasStructPage: false },
        ],
      }),
    ).toThrow('physMemoryMap: regions "a" and "b" overlap at 0x1000');
  });
});

describe("virtToPhysLayout", () => {
  it("merges 512 contiguous 4 KiB mappings into one band", () => {
    const f = sampleFigures().virtToPhysLayout;
    expect(f.data).toHaveLength(1);
    expect(f.data[0].customdata).toEqual([0x7f0000000000, 0xfe000000, 2 * MiB]);
    expect(f.data[0].name).toBe("PTE (4 KiB)");
  });

  it("names a mapping outside every phys range", () => {
    expect(() =>
      virtToPhysLayout({
        vmas: [{ name: "v", startVa: 0x1000, endVa: 0x3000 }],
        phys: [{ name: "p", startPa: 0x10000, sizeBytes: 0x1000 }],
        mappings: [{ startVa: 0x1000, sizeBytes: 0x1000, startPa: 0x20000 }],
      }),
    ).toThrow("virtToPhysLayout: mapping of 0x1000 to 0x20000 (+4 KiB) is not inside any phys range");
  });
});

describe("faultLevelsFigure", () => {
  it("covers each fault's aligned leaf range and merges runs", () => {
    const f = sampleFigures().faultLevelsFigure;
    expect(f.data.map((t) => [t.name, t.base, t.x, t.customdata])).toEqual([["PMD (2 MiB)", [0], [4], [2]]]);
  });

  it("falls back to PTEs before the first 2 MiB boundary of an unaligned vma", () => {
    const start = 0x7f00001ff000;
    const runs = faultRuns({
      label: "r",
      startVa: start,
      endVa: start + 4096 + 2 * MiB,
      faults: [
        { addressVa: start, level: "pte" },
        { addressVa: start + 4096, level: "pmd" },
      ],
    });
    expect(runs).toEqual([
      { row: "r", level: "pte", startOffset: 0, endOffset: 4096, faults: 1 },
      { row: "r", level: "pmd", startOffset: 4096, endOffset: 4096 + 2 * MiB, faults: 1 },
    ]);
  });

  it("runs are sorted, disjoint and count every fault (property)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(1023), { minLength: 1, maxLength: 60 }), (pages) => {
        const start = 0x40000000;
        const runs = faultRuns({
          label: "r",
          startVa: start,
          endVa: start + 1024 * 4096,
          faults: pages.map((p) => ({ addressVa: start + p * 4096, level: "pte" as const })),
        });
        expect(runs.reduce((s, r) => s + r.faults, 0)).toBe(pages.length);
        expect(runs.reduce((s, r) => s + r.endOffset - r.startOffset, 0)).toBe(pages.length * 4096);
        for (let i = 1; i < runs.length; i++) expect(runs[i].startOffset).toBeGreaterThan(runs[i - 1].endOffset);
      }),
      { numRuns: 60 },
    );
  });

  it("rejects a fault outside its vma", () => {
    expect(() =>
      faultLevelsFigure({
        rows: [{ label: "r", startVa: 0x1000, endVa: 0x2000, faults: [{ addressVa: 0x2000, level: "pte" }] }],
      }),
    ).toThrow("faultLevelsFigure: rows[0].faults[0].addressVa 0x2000 is outside the vma 0x1000-0x2000");
  });
});
