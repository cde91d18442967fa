// VS Code's Jupyter extension renders a figure from the application/vnd.plotly.v1+json
// part of its output with plotly.js: that part must be plotly JSON that plotly.js's own
// schema check accepts, for every figure builder.
import { describe, expect, it } from "vitest";
import { figureBundle, PLOTLY_MIME } from "../../src/display/bundle";
import { plotlyProblems } from "./plotly-validate";
import { sampleFigures } from "./sample-figures";

describe("the plotly MIME bundle VS Code renders", () => {
  for (const [name, fig] of Object.entries(sampleFigures())) {
    it(`${name}: Plotly.validate finds nothing wrong in its ${PLOTLY_MIME}`, () => {
      expect(plotlyProblems(figureBundle(fig)[PLOTLY_MIME])).toEqual([]);
    });
  }

  it("the check catches what plotly.js would ignore or reject (unknown attributes, bad values, no traces)", () => {
    expect(
      plotlyProblems({ data: [{ type: "scatter", x: [1], y: [2], colour: "red" }], layout: {} }).join("\n"),
    ).toMatch(/data\[0\]\.colour: schema/);
    expect(
      plotlyProblems({ data: [{ type: "scatter", mode: "dots", x: [1], y: [2] }], layout: {} }).join("\n"),
    ).toMatch(/data\[0\]\.mode: value/);
    expect(plotlyProblems({ data: [], layout: { widht: 700 } }).join("\n")).toMatch(/layout\.widht: schema/);
    expect(
      plotlyProblems({ data: [{ type: "bar", x: ["a"], y: [1], orientation: "sideways" }], layout: {} }).join("\n"),
    ).toMatch(/data\[0\]\.orientation: value/);
    expect(plotlyProblems({ layout: {} })).toEqual(["payload.data is not an array of traces"]);
  });
});
