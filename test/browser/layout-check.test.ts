// The layout checks themselves, in real chromium on hand-made outputs: each kind of
// problem is found, and a figure from show() that fits raises none.
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { figureBundle, preBundle, showTable, tableBundle } from "../../src/display/index";
import { CHROMIUM, chromiumArgs } from "../support/browser";
import { layoutProblems, type LayoutProblem } from "../support/layout-check";

const OUTPUT_WIDTH = 978; // Notebook 6's output area in a 1280 px window

describe("layout checks (test/support/layout-check.ts)", () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs, headless: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.setContent(`<!doctype html><body style="margin:0"></body>`);
    await page.addScriptTag({ path: require.resolve("plotly.js-dist/plotly.js") });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Puts html into a fresh output area of OUTPUT_WIDTH px (word-break like Notebook 6's pre) and checks it. */
  async function check(
    html: string,
    plot?: { data: unknown[]; layout: Record<string, unknown> },
  ): Promise<LayoutProblem[]> {
    await page.evaluate(
      ({ html, plot, w }) => {
        document.body.innerHTML = `<div class="out" style="width:${w}px;overflow-x:auto"><style>.out pre{white-space:pre-wrap;word-break:break-all;font:13px monospace}</style>${html}</div>`;
        if (plot) {
          const div = document.createElement("div");
          document.querySelector(".out")!.appendChild(div);
          return (window as unknown as { Plotly: { newPlot: (...a: unknown[]) => Promise<unknown> } }).Plotly.newPlot(
            div,
            plot.data,
            plot.layout,
            { staticPlot: true },
          );
        }
        return undefined;
      },
      { html, plot, w: OUTPUT_WIDTH },
    );
    return layoutProblems(page, { outputSelector: ".out" });
  }

  const line = { type: "scatter", mode: "lines", name: "a line", x: [0, 10], y: [0, 0] };
  const other = { type: "scatter", mode: "lines", name: "another line", x: [0, 10], y: [5, 10] };

  it("finds a figure wider than the output area (it scrolls sideways)", async () => {
    const problems = await check("", { data: [line], layout: { width: 1200, height: 300 } });
    expect(problems.map((p) => p.kind)).toContain("scroll");
  });

  it("finds a text placed outside its figure", async () => {
    const problems = await check("", {
      data: [line],
      layout: {
        width: 600,
        height: 300,
        annotations: [
          {
            x: 1.3,
            y: 0.5,
            xref: "paper",
            yref: "paper",
            xanchor: "left",
            text: "a label past the right edge",
            showarrow: false,
          },
        ],
      },
    });
    expect(problems.some((p) => p.kind === "outside" && /a label past the right edge/.test(p.detail))).toBe(true);
  });

  it("finds a line that passes under a legend inside the plot", async () => {
    const problems = await check("", {
      data: [line, other],
      layout: { width: 600, height: 300, legend: { x: 0.5, y: 0.02, xanchor: "center", yanchor: "bottom" } },
    });
    expect(problems.some((p) => p.kind === "under-legend" && /trace/.test(p.detail))).toBe(true);
  });

  it("finds an annotation drawn onto the legend", async () => {
    const problems = await check("", {
      data: [line, other],
      layout: {
        width: 600,
        height: 300,
        annotations: [
          {
            x: 1.02,
            y: 1,
            xref: "paper",
            yref: "paper",
            xanchor: "left",
            yanchor: "top",
            text: "a note on the legend",
            showarrow: false,
          },
        ],
      },
    });
    expect(problems.some((p) => p.kind === "under-legend" && /a note on the legend/.test(p.detail))).toBe(true);
  });

  it("finds a printed table row that wraps, but not a long sentence", async () => {
    const row = `${"a".padEnd(40)}${"b".padEnd(60)}${"c".padEnd(60)}d`;
    expect((await check(`<pre>${row}</pre>`)).map((p) => p.kind)).toEqual(["wrap"]);
    expect(await check(`<pre>${"a long sentence that goes on ".repeat(8)}</pre>`)).toEqual([]);
  });

  it("ignores a wide block folded in a closed <details>, finds it scrolling once opened", async () => {
    const wide = preBundle("x".repeat(300), { collapsed: "the raw text" })["text/html"];
    expect(await check(wide)).toEqual([]);
    const open = await check(wide.replace("<details", "<details open"));
    expect(open.some((p) => p.kind === "scroll" && /pfnlab-pre/.test(p.detail))).toBe(true);
  });

  it("passes what show() and showTable() make: a fitted figure and a long table", async () => {
    const fig = {
      data: [line, other],
      layout: { width: 1400, height: 320, title: { text: "too wide before show()" } },
    };
    const bundle = figureBundle(fig);
    const plotly = bundle["application/vnd.plotly.v1+json"];
    const rows = Array.from({ length: 3 }, (_, i) => ({
      step: i,
      text: "a long explanation ".repeat(20),
      site: "followPfnmapStart: pmdp_get_lockless",
    }));
    expect(showTable(rows)).toEqual(tableBundle(rows));
    expect(await check(tableBundle(rows)["text/html"], { data: plotly.data, layout: plotly.layout })).toEqual([]);
  });
});
