/**
 * The MIME bundle of one figure: every representation a front end may pick from.
 *
 * - application/vnd.plotly.v1+json: JupyterLab (with plotly>=6), Notebook 7, VS Code.
 * - text/html: classic Notebook 6 and exported HTML (html-output.ts).
 * - image/png: GitHub, nbconvert, anything without scripts.
 * - text/plain: terminals and logs: the title and trace names.
 */
import { createHash } from "node:crypto";
import type { PlotlyFigure } from "./types";
import { htmlOutput } from "./html-output";
import { renderPng, resolvePngSize, type PngOptions } from "./png/render-png";
import { MAX_FIGURE_WIDTH } from "./theme";

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** The data dict of a display_data message for one figure. */
export interface FigureBundle {
  [PLOTLY_MIME]: { data: unknown[]; layout: Record<string, unknown>; config?: Record<string, unknown> };
  "text/html": string;
  /** Base64 PNG; absent only when the figure cannot be drawn without a browser (text/plain says why). */
  "image/png"?: string;
  "text/plain": string;
}

/** Options of figureBundle / show. */
export interface ShowOptions extends PngOptions {
  /** Leave out the PNG (and the <img> fallback); faster, for interactive-only use. */
  png?: boolean;
  /** Element id of the html div; default derived from the figure and a per-process counter. */
  divId?: string;
}

/** Data and per-MIME metadata, as sent in a display_data message. */
export interface FigureOutput {
  data: Partial<FigureBundle> & { "text/plain": string };
  metadata: Record<string, unknown>;
}

/** Strips plotly's HTML-like markup (<br>, <b>, <sub>) from a label. */
export function plainText(s: string): string {
  return s
    .replace(/<br\s*\/?>/gi, " ")
    .replace(/<[^>]*>/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** The figure's title as plain text, or "" when it has none. */
export function figureTitle(figure: PlotlyFigure): string {
  const t = figure.layout?.title;
  const text = typeof t === "string" ? t : (t as { text?: unknown } | undefined)?.text;
  return typeof text === "string" ? plainText(text) : "";
}

/** text/plain summary: title and trace names, e.g. `Figure "Outcomes": 2 traces: ok, stale pfn`. */
export function figureSummary(figure: PlotlyFigure): string {
  const names = figure.data.map((t, i) => (typeof t.name === "string" && t.name ? plainText(t.name) : `trace ${i}`));
  const title = figureTitle(figure);
  const head = title ? `Figure "${title}"` : "Figure (untitled)";
  const shown = names.length > 12 ? [...names.slice(0, 12), `... ${names.length - 12} more`] : names;
  return `${head}: ${names.length} trace${names.length === 1 ? "" : "s"}${names.length ? ": " + shown.join(", ") : ""}`;
}

let figureCounter = 0;

/** Default div id: a hash of the figure plus a per-process counter, so re-runs give the same ids. */
function defaultDivId(json: string): string {
  figureCounter += 1;
  return `pfnlab-fig-${createHash("sha256").update(json).digest("hex").slice(0, 10)}-${figureCounter}`;
}

/** A JSON copy of the figure (drops undefined, rejects functions/cycles with a clear error). */
export function plainFigure(figure: PlotlyFigure, fn = "figureBundle"): PlotlyFigure {
  if (!figure || !Array.isArray(figure.data)) {
    throw new Error(`${fn}: figure.data must be an array of traces`);
  }
  let json: string;
  try {
    json = JSON.stringify(figure, (_k, v: unknown) => {
      if (typeof v === "function") throw new Error("a function");
      return v;
    });
  } catch (e) {
    throw new Error(`${fn}: figure must be plain JSON data (${(e as Error).message} found)`);
  }
  const copy = JSON.parse(json) as PlotlyFigure;
  copy.layout ??= {};
  return copy;
}

/**
 * A figure wider than a notebook's output area gets cut off on the right, legend first:
 * narrow it to MAX_FIGURE_WIDTH (plotly lays it out again in the smaller box). An
 * explicit `options.width` is the caller's choice and stays.
 */
function fitOutputArea(fig: PlotlyFigure, options: ShowOptions): PlotlyFigure {
  const w = fig.layout.width;
  if (options.width === undefined && typeof w === "number" && w > MAX_FIGURE_WIDTH) fig.layout.width = MAX_FIGURE_WIDTH;
  return fig;
}

/** The data and metadata of the display_data output for a figure. */
export function figureOutput(figure: PlotlyFigure, options: ShowOptions = {}): FigureOutput {
  const fig = fitOutputArea(plainFigure(figure), options);
  const size = resolvePngSize(fig, options);
  const divId = options.divId ?? defaultDivId(JSON.stringify(fig));
  let png: string | null = null;
  let pngProblem = "";
  if (options.png !== false) {
    try {
      png = renderPng(fig, size).toString("base64");
    } catch (e) {
      // Traces jsdom cannot draw (canvas-based heatmaps, WebGL): keep the interactive
      // parts and say why the static image is missing.
      pngProblem = ` (no static image: ${(e as Error).message})`;
    }
  }
  const plotly: FigureBundle[typeof PLOTLY_MIME] = { data: fig.data, layout: fig.layout };
  if (fig.config) plotly.config = fig.config;
  const data: FigureOutput["data"] = {
    [PLOTLY_MIME]: plotly,
    "text/html": htmlOutput(fig, {
      divId,
      pngBase64: png,
      width: size.width,
      height: size.height,
      alt: figureTitle(fig) || "plotly figure",
    }),
    "text/plain": figureSummary(fig) + pngProblem,
  };
  const metadata: Record<string, unknown> = {};
  if (png) {
    data["image/png"] = png;
    metadata["image/png"] = { width: size.width, height: size.height };
  }
  return { data, metadata };
}

/** The MIME bundle of a figure: plotly JSON, html (loader + PNG fallback), PNG (base64), plain text. */
export function figureBundle(figure: PlotlyFigure, options: Omit<ShowOptions, "png"> = {}): FigureBundle {
  return figureOutput(figure, { ...options, png: true }).data as FigureBundle;
}
