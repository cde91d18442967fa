import { describe, expect, it } from "vitest";
import { pngFontsAvailable, renderPng, renderSvg, type PlotlyFigure } from "../../src/display/index";
import { sampleFigures } from "./sample-figures";

const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

/** Width and height from the IHDR chunk, which always follows the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(12, 16).toString("latin1")).toBe("IHDR");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const fig: PlotlyFigure = {
  data: [{ type: "scatter", name: "pte", x: [1, 2, 3], y: [4, 1, 9] }],
  layout: { title: { text: "Faults" }, xaxis: { title: { text: "size (bytes)" } } },
};

describe("renderPng", () => {
  it("makes a valid PNG of the requested size and scale", () => {
    const png = renderPng(fig, { width: 400, height: 300, scale: 2 });
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(pngSize(png)).toEqual({ width: 800, height: 600 });
    expect(pngSize(renderPng(fig))).toEqual({ width: 700, height: 450 });
  });

  it("is deterministic: same figure, same bytes (no random plotly ids leak)", () => {
    const a = renderPng(fig);
    const b = renderPng(fig);
    expect(a.equals(b)).toBe(true);
    expect(renderSvg(fig)).toBe(renderSvg(fig));
  });

  it("does not modify the figure it renders", () => {
    const before = JSON.stringify(fig);
    renderPng(fig);
    expect(JSON.stringify(fig)).toBe(before);
  });

  it("draws text: a font is found, and the title changes the pixels", () => {
    expect(pngFontsAvailable()).toBe(true);
    const titled = renderPng(fig);
    const untitled = renderPng({ ...fig, layout: { ...fig.layout, title: { text: "" } } });
    expect(titled.equals(untitled)).toBe(false);
    expect(renderSvg(fig)).toContain(">Faults</text>");
  });

  it("sizes legends from measured text, so long names are not clipped", () => {
    const svg = renderSvg({
      data: [
        { type: "bar", name: "a rather long legend entry name", y: [1] },
        { type: "bar", name: "b", y: [2] },
      ],
      layout: {},
    });
    const bg = /class="bg" [^>]*width="([\d.]+)"/.exec(svg.slice(svg.indexOf('class="legend"')));
    expect(Number(bg?.[1])).toBeGreaterThan(200);
  });

  it("rejects bad sizes naming the field", () => {
    expect(() => renderPng(fig, { width: 0 })).toThrow("renderPng: width 0 must be a positive number at most 10000");
    expect(() => renderPng(fig, { scale: Number.NaN })).toThrow("renderPng: scale NaN");
  });

  it("renders every figure builder's output synchronously with a plot svg", () => {
    for (const [name, f] of Object.entries(sampleFigures())) {
      const svg = renderSvg(f);
      expect(svg, name).toMatch(/^<svg/);
      expect(svg, name).toContain('class="main-svg"');
      expect(svg, name).not.toContain("TOBESTRIPPED");
    }
  });
});
