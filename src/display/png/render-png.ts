/**
 * Static images of plotly figures made in the kernel process, without a browser:
 * plotly.js lays the figure out inside jsdom (plotlyWindow.ts), we serialise its
 * SVG, and resvg rasterises it to PNG with the fonts from fonts.ts.
 */
import { Resvg } from "@resvg/resvg-js";
import type { PlotlyFigure } from "../types";
import { plotlyWindow } from "./plotly-window";
import { resvgFonts } from "./fonts";

/** Size of the static image. Width/height in CSS px; scale multiplies the pixel size. */
export interface PngOptions {
  /** Default: figure.layout.width, else 700. */
  width?: number;
  /** Default: figure.layout.height, else 450. */
  height?: number;
  /** Device pixel ratio of the PNG, default 1 (2 for crisp images on HiDPI screens). */
  scale?: number;
}

/** The resolved size, after defaults. */
export interface PngSize {
  width: number;
  height: number;
  scale: number;
}

/** Plotly's own default figure size. */
export const DEFAULT_PNG_SIZE: PngSize = { width: 700, height: 450, scale: 1 };

/** Applies defaults and checks the size; throws naming the bad field. */
export function resolvePngSize(figure: PlotlyFigure, opts: PngOptions = {}): PngSize {
  const lw = figure.layout?.width;
  const lh = figure.layout?.height;
  const size: PngSize = {
    width: opts.width ?? (typeof lw === "number" ? lw : DEFAULT_PNG_SIZE.width),
    height: opts.height ?? (typeof lh === "number" ? lh : DEFAULT_PNG_SIZE.height),
    scale: opts.scale ?? DEFAULT_PNG_SIZE.scale,
  };
  for (const [field, max] of [
    ["width", 10000],
    ["height", 10000],
    ["scale", 8],
  ] as const) {
    const v = size[field];
    if (!Number.isFinite(v) || v <= 0 || v > max) {
      throw new Error(`renderPng: ${field} ${v} must be a positive number at most ${max}`);
    }
  }
  return size;
}

function checkFigure(fn: string, figure: PlotlyFigure): void {
  if (!figure || !Array.isArray(figure.data)) {
    throw new Error(
      `${fn}: figure.data must be an array of traces, got ${figure === null ? "null" : typeof figure?.data}`,
    );
  }
}

/** Lays the figure out with plotly in jsdom and returns its SVG text (deterministic). */
export function renderSvg(figure: PlotlyFigure, opts: PngOptions = {}): string {
  checkFigure("renderSvg", figure);
  const size = resolvePngSize(figure, opts);
  const { document, Plotly } = plotlyWindow();
  // plotly writes defaults into the objects it is given: render a copy.
  const copy = JSON.parse(JSON.stringify(figure)) as PlotlyFigure;
  // Traces without a uid get a random one (it shows up in class names): give them their index.
  copy.data.forEach((trace, i) => {
    if (trace.uid === undefined) trace.uid = `t${i}`;
  });
  const layout = { ...copy.layout, width: size.width, height: size.height };
  const gd = document.createElement("div") as HTMLElement & { _promises?: unknown[]; _fullLayout?: { _uid?: string } };
  document.body.appendChild(gd);
  const cleanup = (): void => {
    Plotly.purge(gd);
    gd.remove();
  };
  let done: Promise<unknown>;
  try {
    done = Plotly.newPlot(gd, copy.data, layout, { staticPlot: true, ...copy.config });
  } catch (e) {
    gd.remove();
    throw new Error(`renderSvg: plotly could not draw the figure in jsdom: ${(e as Error).message}`);
  }
  // 2-D plotly figures finish drawing synchronously; a pending promise means a part
  // (MathJax, maps, WebGL) is still loading, and the SVG would be incomplete.
  done.then(cleanup, cleanup);
  if ((gd._promises?.length ?? 0) > 0 || !gd._fullLayout) {
    throw new Error(
      "renderSvg: plotly did not finish drawing synchronously (MathJax text, maps or WebGL traces are not supported)",
    );
  }
  let svg = Plotly.Snapshot.toSVG(gd);
  // plotly names clip paths after a random per-plot id: replace it so equal figures give equal SVG.
  const uid = gd._fullLayout._uid;
  if (uid) svg = svg.split(uid).join("pfnlab");
  // plotly swaps quotes in font families for a marker that the browser's serializer
  // would have quoted; jsdom does not quote, so the marker is left: restore the quotes.
  return svg.replace(/TOBESTRIPPED/g, "'");
}

/** A PNG of the figure (PNG bytes), made without a browser. Same figure -> same bytes. */
export function renderPng(figure: PlotlyFigure, opts: PngOptions = {}): Buffer {
  checkFigure("renderPng", figure);
  const size = resolvePngSize(figure, opts);
  const svg = renderSvg(figure, size);
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: size.scale },
    font: resvgFonts(),
    background: "white",
  });
  return resvg.render().asPng();
}
