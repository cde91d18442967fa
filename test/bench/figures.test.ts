// The figures benchmark in quick mode: every figure builds and renders a PNG.
import { describe, expect, it } from "vitest";
import { defaultOptions, type BenchReport } from "../../src/bench/harness";
import { figuresBenchmark } from "../../src/bench/figures";
import { codeCellCount, floorNotebook, listNotebooks } from "../../src/bench/notebooks";

describe("figures (quick)", () => {
  it("times building and rendering every figure, with a non-empty PNG each", () => {
    const rep = figuresBenchmark.run(defaultOptions(true, () => undefined)) as BenchReport;
    const png = rep.rows.filter((r) => r.unit === "ms to render PNG");
    const build = rep.rows.filter((r) => r.unit === "ms to build");
    expect(png.length).toBe(build.length);
    expect(png.length).toBeGreaterThanOrEqual(8);
    for (const r of png) expect(r.extra!.pngBytes).toBeGreaterThan(1000);
    for (const r of build) expect(r.extra!.traces).toBeGreaterThan(0);
    for (const r of rep.rows) expect(r.value).toBeGreaterThanOrEqual(0);
  });
});

describe("notebooks benchmark without a kernel", () => {
  it("its floor notebook has as many trivial code cells, with ids and the same metadata", () => {
    for (const path of listNotebooks()) expect(path).toMatch(/\.ipynb$/);
    const like = { cells: [], metadata: { kernelspec: { name: "tslab" } }, nbformat: 4, nbformat_minor: 5 };
    const nb = floorNotebook(3, like);
    expect(codeCellCount(nb)).toBe(3);
    expect(nb.cells.map((c) => [c.id, c.source])).toEqual([
      ["floor-0", "0;"],
      ["floor-1", "1;"],
      ["floor-2", "2;"],
    ]);
    expect(nb.metadata).toEqual(like.metadata);
  });
});
