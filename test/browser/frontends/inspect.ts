// What a front end shows after a run, measured in the page: each plotly figure (rendered
// from which MIME type, its svg and traces, its legend) and each output's width. Every
// output is scrolled into view before it is measured: JupyterLab skips laying out
// offscreen cells (content-visibility), and a student sees each one scrolled to anyway.
import type { Page } from "playwright-core";

export interface RenderedFigure {
  /** Index of the notebook cell holding it. */
  cell: number;
  /**
   * What drew it: "plotly-mime" (plotly's renderer of application/vnd.plotly.v1+json, in
   * JupyterLab and Notebook 7), "pfnlab-html" (the text/html loader, Notebook 6), "other".
   */
  renderer: string;
  hasMainSvg: boolean;
  /** Traces in the figure's data, traces plotly made visible, `g.trace` groups drawn. */
  dataTraces: number;
  visibleTraces: number;
  drawnTraces: number;
  /** Whether plotly decided to show a legend, and whether it is inside the output, seen. */
  showlegend: boolean;
  legendSeen: boolean;
  /** Right edge of the figure and of its output area (px). */
  figureRight: number;
  areaRight: number;
}

export interface OutputOverflow {
  cell: number;
  /** The element that scrolls or sticks out, and by how much (px). */
  what: string;
  by: number;
}

export interface PageReport {
  figures: RenderedFigure[];
  overflows: OutputOverflow[];
}

/** Measures every figure and output on the page (see the file comment). */
export function inspectPage(page: Page, outputSelector: string): Promise<PageReport> {
  return page.evaluate(async (sel) => {
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const cells = [...document.querySelectorAll(".jp-Notebook .jp-Cell, #notebook-container .cell")];
    const cellOf = (el: Element) => cells.indexOf(el.closest(".jp-Cell, .cell") as Element);
    const describe = (el: Element) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`;
    const figures = [];
    const overflows = [];
    for (const area of document.querySelectorAll(sel)) {
      area.scrollIntoView({ block: "center" });
      await frame();
      // A figure output draws once it is in view and plotly.js has loaded: give it time.
      const figure = area.matches(".jp-RenderedPlotly") || !!area.querySelector(".jp-RenderedPlotly, .pfnlab-figure");
      const pending = () => figure && !area.querySelector("svg.main-svg");
      for (let t = Date.now(); pending() && Date.now() - t < 30_000; ) await frame();
      await frame();
      const a = area.getBoundingClientRect();
      if (area.scrollWidth > area.clientWidth + 1)
        overflows.push({ cell: cellOf(area), what: describe(area), by: area.scrollWidth - area.clientWidth });
      for (const el of area.querySelectorAll("*")) {
        if (el.closest("svg")) continue;
        // A closed <details> (showLockStat's kernel text) shows nothing; opened, its pre may scroll on purpose.
        if (el.closest("details:not([open])") && !el.matches("summary")) continue;
        const ox = getComputedStyle(el).overflowX;
        if ((ox === "auto" || ox === "scroll") && el.scrollWidth > el.clientWidth + 1) {
          overflows.push({ cell: cellOf(area), what: describe(el), by: el.scrollWidth - el.clientWidth });
        }
      }
      // plotly's renderer draws into the output element itself.
      const plots = area.matches(".js-plotly-plot") ? [area] : [...area.querySelectorAll(".js-plotly-plot")];
      for (const gd of plots) {
        const g = gd as HTMLElement & {
          data?: unknown[];
          _fullData?: { visible: unknown }[];
          _fullLayout?: { showlegend?: boolean };
        };
        // The drawing, not its container: plotly's renderer clips a too-wide svg to the output.
        const r = (g.querySelector("svg.main-svg") ?? g).getBoundingClientRect();
        const legend = g.querySelector("g.legend");
        const l = legend?.getBoundingClientRect();
        const seen =
          !!l &&
          l.width > 0 &&
          l.height > 0 &&
          l.left >= a.left - 1 &&
          l.right <= a.right + 1 &&
          l.left >= r.left - 1 &&
          l.right <= r.right + 1;
        figures.push({
          cell: cellOf(area),
          renderer: g.closest(".jp-RenderedPlotly")
            ? "plotly-mime"
            : g.closest(".pfnlab-figure")
              ? "pfnlab-html"
              : "other",
          hasMainSvg: !!g.querySelector("svg.main-svg"),
          dataTraces: g.data?.length ?? -1,
          visibleTraces: (g._fullData ?? []).filter((t) => t.visible === true).length,
          drawnTraces: g.querySelectorAll("svg.main-svg g.trace").length,
          showlegend: !!g._fullLayout?.showlegend,
          legendSeen: seen,
          figureRight: Math.round(r.right),
          areaRight: Math.round(a.right),
        });
      }
    }
    return { figures, overflows };
  }, outputSelector);
}
