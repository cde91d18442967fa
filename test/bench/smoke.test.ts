// The benchmarks run once with tiny sizes (their --quick mode) so that they cannot rot:
// in-process calls, numbers checked for sanity and against formulas, never for speed.
import { describe, expect, it } from "vitest";
import { defaultOptions, median, paired, row, type BenchReport } from "../../src/bench/harness";
import {
  lookupsBenchmark,
  lookupAddresses,
  miniTableFor,
  modelLookups,
  baselineLookups,
} from "../../src/bench/lookups";
import { scaleBenchmark, floorBytes, minTablePages } from "../../src/bench/scale";
import { mapBar } from "../../src/bench/bar-world";
import { formatTable } from "../../src/bench/report";
import { parseArgs } from "../../src/bench/main";
import { BENCHMARKS, selectBenchmarks } from "../../src/bench/registry";
import { PUD_SIZE } from "../../src/mm/constants";

const quiet = defaultOptions(true, () => undefined);
const GiB = PUD_SIZE;

describe("harness", () => {
  it("median takes the middle sample, or the mean of the two middle ones", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it("paired runs alternate case and baseline, and a row's ratio is median over median", () => {
    const order: string[] = [];
    const s = paired(
      3,
      (i) => (order.push(`a${i}`), 10 + i),
      (i) => (order.push(`b${i}`), 20 + i),
    );
    expect(order).toEqual(["a0", "b0", "a1", "b1", "a2", "b2"]);
    const r = row("x", "y", "ops/s", s.a, { baselineSamples: s.b, baselineName: "base" });
    expect(r.value).toBe(11);
    expect(r.baseline!.value).toBe(21);
    expect(r.ratio).toBeCloseTo(11 / 21, 12);
  });

  it("the CLI knows --quick, --only (comma lists too) and rejects unknown names", () => {
    const a = parseArgs(["--quick", "--only", "lookups,scale", "--reps", "2"]);
    expect(a).toMatchObject({ quick: true, only: ["lookups", "scale"], reps: 2 });
    expect(selectBenchmarks(a.only).map((b) => b.name)).toEqual(["lookups", "scale"]);
    expect(BENCHMARKS.map((b) => b.name)).toEqual([
      "lookups",
      "scale",
      "exploration",
      "race-scaling",
      "figures",
      "notebooks",
    ]);
    expect(() => selectBenchmarks(["nope"])).toThrow(/unknown benchmark 'nope' \(known: lookups, scale/);
    expect(() => parseArgs(["--fast"])).toThrow(/unknown argument '--fast'/);
  });
});

describe("lookups (quick)", () => {
  it("the model and the typed-array walk find the same pfns on every leaf kind", () => {
    for (const leaf of ["pte", "pmd", "pud"] as const) {
      const w = mapBar(leaf, leaf === "pud" ? 2 * GiB : 2 ** 23);
      const addrs = lookupAddresses(w);
      expect(modelLookups(w, addrs, 4096)).toBe(baselineLookups(miniTableFor(w), addrs, 4096));
      expect(w.k.ctx.task.held).toEqual([]);
    }
  });

  it("reports pairs per second and a finite ratio for PTE, PMD and PUD leaves", () => {
    const rep = lookupsBenchmark.run(quiet) as BenchReport;
    expect(rep.rows.map((r) => r.case)).toEqual(["PTE leaves (4 KiB)", "PMD leaves (2 MiB)", "PUD leaves (1 GiB)"]);
    for (const r of rep.rows) {
      expect(r.value).toBeGreaterThan(0);
      expect(r.baseline!.value).toBeGreaterThan(0);
      expect(Number.isFinite(r.ratio)).toBe(true);
      expect(typeof r.met).toBe("boolean");
    }
  });
});

describe("scale (quick)", () => {
  it("the floor is 8 bytes per leaf entry plus whole upper-level table pages", () => {
    expect(minTablePages("pte", 128 * GiB)).toEqual({
      leafEntries: 2 ** 25,
      leafPages: 65536,
      upperPages: 128 + 1 + 1,
    });
    expect(floorBytes("pte", 128 * GiB)).toBe(2 ** 25 * 8 + 130 * 4096);
    expect(floorBytes("pmd", 128 * GiB)).toBe(65536 * 8 + 2 * 4096);
    expect(floorBytes("pud", 128 * GiB)).toBe(128 * 8 + 4096);
  });

  it("maps and walks a 1 GiB BAR per leaf size; page-table bytes equal the minimum table pages", () => {
    const rep = scaleBenchmark.run(quiet) as BenchReport;
    const bytes = rep.rows.filter((r) => r.unit === "page-table bytes");
    // pte: 512 PTE pages + 1 PMD + 1 PUD + pgd; pmd: PMD + PUD + pgd; pud: PUD + pgd.
    expect(bytes.map((r) => r.value)).toEqual([515 * 4096, 3 * 4096, 2 * 4096]);
    expect(bytes.map((r) => r.extra!.ratioToMinTablePages)).toEqual([1, 1, 1]);
    expect(bytes[0]!.ratio).toBeCloseTo((515 * 4096) / (262144 * 8 + 3 * 4096), 12);
    // One 1 GiB entry: a PUD page and the pgd against 8 bytes + the pgd page.
    expect(bytes[2]!.ratio).toBeCloseTo(8192 / (8 + 4096), 12);
    for (const r of rep.rows.filter((x) => x.unit.startsWith("ms"))) expect(r.value).toBeGreaterThan(0);
  });

  it("prints a table with every row and the notes", () => {
    const rep = scaleBenchmark.run(quiet) as BenchReport;
    const text = formatTable([rep]);
    expect(text.split("\n").filter((l) => l.startsWith("scale "))).toHaveLength(rep.rows.length);
    expect(text).toContain("notes:");
  });
});
