import { describe, expect, it } from "vitest";
import {
  figureBundle,
  htmlOutput,
  PLOTLY_MIME,
  show,
  tslabDisplayWriter,
  type PlotlyFigure,
} from "../../src/display/index";
import { scriptSafeJson } from "../../src/display/html-output";
import { inTslabKernel } from "../../src/display/tslab-channel";

const fig: PlotlyFigure = {
  data: [
    { type: "bar", name: "ok", x: ["a", "b"], y: [3, 5] },
    { type: "bar", name: "stale <b>pfn</b>", x: ["a", "b"], y: [1, 0] },
  ],
  layout: { title: { text: "Outcomes<br>per caller" }, barmode: "stack" },
};

describe("figureBundle", () => {
  const bundle = figureBundle(fig, { divId: "fig-under-test" });

  it("carries the four MIME types", () => {
    expect(Object.keys(bundle).sort()).toEqual([PLOTLY_MIME, "image/png", "text/html", "text/plain"].sort());
    expect(bundle[PLOTLY_MIME].data).toEqual(fig.data);
    expect(bundle[PLOTLY_MIME].layout).toEqual(fig.layout);
    expect(Buffer.from(bundle["image/png"]!, "base64").subarray(0, 8)).toEqual(
      Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    );
  });

  it("summarises title and trace names in text/plain, without markup", () => {
    expect(bundle["text/plain"]).toBe('Figure "Outcomes per caller": 2 traces: ok, stale pfn');
  });

  it("never inlines plotly.js: the html is the PNG plus a small loader", () => {
    const html = bundle["text/html"];
    const pngChars = bundle["image/png"]!.length;
    expect(html.length).toBeLessThan(pngChars + 8_000);
    expect(html).not.toMatch(/plotly\.js v\d/);
    expect(html).not.toContain("Copyright 2012");
    expect(JSON.stringify(bundle).length).toBeLessThan(400_000);
  });

  it("loads plotly.js once from <base_url>files/node_modules/plotly.js-dist/plotly.js", () => {
    const html = bundle["text/html"];
    expect(html).toContain("document.body.dataset.baseUrl");
    expect(html).toContain('"files/node_modules/plotly.js-dist/plotly.js"');
    expect(html).toContain("if (w.Plotly && w.Plotly.newPlot)");
    expect(html).toContain('<div id="fig-under-test"');
    expect(html).toContain('<img src="data:image/png;base64,');
  });

  it("gives the same bundle for the same figure", () => {
    expect(figureBundle(fig, { divId: "x" })).toEqual(figureBundle(fig, { divId: "x" }));
  });

  it("keeps the interactive parts when no PNG can be drawn (canvas heatmap), saying why", () => {
    const b = figureBundle({
      data: [
        {
          type: "heatmap",
          z: [
            [1, 2],
            [3, 4],
          ],
        },
      ],
      layout: {},
    });
    expect(b["image/png"]).toBeUndefined();
    expect(b["text/html"]).toContain("pfnlabWithPlotly");
    expect(b["text/plain"]).toMatch(
      /^Figure \(untitled\): 1 trace: trace 0 \(no static image: renderSvg: plotly could not draw/,
    );
  });

  it("rejects figures holding functions, naming the rule", () => {
    const bad = { data: [{ type: "bar", y: [1], hovertemplate: () => "x" }], layout: {} } as unknown as PlotlyFigure;
    expect(() => figureBundle(bad)).toThrow("figureBundle: figure must be plain JSON data (a function found)");
  });
});

/** The slice of jsdom used here (jsdom ships no types). */
interface MiniJsdom {
  JSDOM: new (html: string, o: { runScripts: "dangerously" }) => { window: Window & typeof globalThis };
}
const { JSDOM } = require("jsdom") as MiniJsdom;

describe("the html loader in a page (jsdom)", () => {
  // The loader must add exactly one <script> for all figures, at the base url, and
  // plot every waiting figure once it has loaded, replacing the fallback image.
  it("adds one script at the page's base url and plots all figures after load", async () => {
    const a = htmlOutput(fig, { divId: "a", pngBase64: "AAAA", width: 700, height: 450, alt: "A" });
    const b = htmlOutput(fig, { divId: "b", pngBase64: "AAAA", width: 700, height: 450, alt: "B" });
    const dom = new JSDOM(`<html><head></head><body data-base-url="/user/ana/">${a}${b}</body></html>`, {
      runScripts: "dangerously",
    });
    const w = dom.window as unknown as { document: Document; Plotly?: unknown; Event: typeof Event };
    const scripts = [...w.document.head.querySelectorAll("script")];
    expect(scripts.map((s) => s.getAttribute("src"))).toEqual([
      "/user/ana/files/node_modules/plotly.js-dist/plotly.js",
    ]);
    expect(w.document.querySelectorAll("#a img, #b img").length).toBe(2);
    const plotted: string[] = [];
    w.Plotly = {
      newPlot: (div: HTMLElement, data: unknown[]) => (plotted.push(`${div.id}:${data.length}`), Promise.resolve(div)),
      purge() {},
    };
    scripts[0].dispatchEvent(new w.Event("load"));
    expect(plotted).toEqual(["a:2", "b:2"]);
    expect(w.document.querySelectorAll("#a img, #b img").length).toBe(0);
  });

  it("falls back to '/' without data-base-url and keeps images when loading fails", () => {
    const a = htmlOutput(fig, { divId: "a", pngBase64: "AAAA", width: 700, height: 450, alt: "A" });
    const dom = new JSDOM(`<html><head></head><body>${a}</body></html>`, { runScripts: "dangerously" });
    const s = dom.window.document.head.querySelector("script")!;
    expect(s.getAttribute("src")).toBe("/files/node_modules/plotly.js-dist/plotly.js");
    s.dispatchEvent(new dom.window.Event("error"));
    expect(dom.window.document.querySelectorAll("#a img").length).toBe(1);
  });

  it("escapes </script> inside figure JSON", () => {
    expect(scriptSafeJson({ t: "</script><script>alert(1)</script>" })).not.toContain("</script>");
  });
});

describe("show", () => {
  it("returns the bundle when not inside a tslab kernel", () => {
    const out = show(fig, { divId: "s" });
    expect(out?.["text/plain"]).toContain("Outcomes per caller");
    expect(out?.[PLOTLY_MIME]).toBeDefined();
  });

  it("sends ONE display_data with all MIME types through tslab's internal writer", () => {
    const cache = require.cache;
    const key = "/fake/node_modules/tslab/dist/jupyter.js";
    const sent: { content: { data: Record<string, unknown>; metadata: unknown }; update: boolean }[] = [];
    cache[key] = {
      exports: { lastWriteDisplayData: (content: never, update: boolean) => sent.push({ content, update }) },
    } as never;
    try {
      expect(show(fig, { divId: "k" })).toBeUndefined();
    } finally {
      delete cache[key];
    }
    expect(sent).toHaveLength(1);
    expect(sent[0].update).toBe(false);
    expect(Object.keys(sent[0].content.data).sort()).toEqual(
      [PLOTLY_MIME, "image/png", "text/html", "text/plain"].sort(),
    );
    expect(sent[0].content.metadata).toEqual({ "image/png": { width: 700, height: 450 } });
  });

  it("fails clearly inside a tslab kernel whose internals changed", () => {
    const argv = ["node", "/x/node_modules/tslab/bin/tslab", "kernel", "--config-path", "c.json"];
    expect(inTslabKernel(argv)).toBe(true);
    const cache = { "/x/node_modules/tslab/dist/jupyter.js": { exports: { somethingElse: 1 } } };
    expect(() => tslabDisplayWriter(cache, argv)).toThrow(
      /tslab's internal display writer was not found: found .*lastWriteDisplayData is not a function/,
    );
    expect(tslabDisplayWriter({}, ["node", "vitest"])).toBeNull();
  });
});
