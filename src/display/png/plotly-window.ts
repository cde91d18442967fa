/**
 * One jsdom window per process with plotly.js loaded into it, for rendering
 * figures to SVG without a browser. Loading the 10 MB bundle takes ~0.5 s, so
 * it happens once and the window is reused for every figure.
 */
import fs from "node:fs";
import { installSvgGeometry } from "./svg-geometry";

/** The part of plotly.js we use (typed loosely: plotly ships no types in the dist bundle). */
export interface PlotlyApi {
  newPlot(gd: HTMLElement, data: unknown[], layout: unknown, config: unknown): Promise<unknown>;
  purge(gd: HTMLElement): void;
  Snapshot: { toSVG(gd: HTMLElement, format?: string, scale?: number): string };
  version: string;
}

/** A jsdom window holding a loaded Plotly. */
export interface PlotlyWindow {
  document: Document;
  Plotly: PlotlyApi;
}

/** The slice of jsdom's API we use (jsdom ships no types, @types/jsdom is not a dependency). */
interface JsdomModule {
  JSDOM: new (
    html: string,
    options: { runScripts: "outside-only"; pretendToBeVisual: boolean; virtualConsole: unknown },
  ) => { window: unknown };
  VirtualConsole: new () => unknown;
}

let cached: PlotlyWindow | undefined;

/** The process-wide plotly window, created on first use. */
export function plotlyWindow(): PlotlyWindow {
  if (cached) return cached;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { JSDOM, VirtualConsole } = require("jsdom") as JsdomModule;
  const dom = new JSDOM("<!DOCTYPE html><html><head></head><body></body></html>", {
    runScripts: "outside-only",
    pretendToBeVisual: true,
    // A console that goes nowhere: plotly's warnings and jsdom's "not implemented"
    // must not reach the kernel's stderr (the notebook tests treat stderr as failure).
    virtualConsole: new VirtualConsole(),
  });
  const w = dom.window as unknown as Record<string, unknown> & {
    eval(src: string): unknown;
    HTMLCanvasElement: { prototype: Record<string, unknown> };
    URL: Record<string, unknown>;
    SVGElement: { prototype: object };
    document: Document;
  };
  // Things the bundle touches at load time that jsdom lacks: no canvas (WebGL
  // traces are not supported here), blob URLs, and text codecs used by maplibre.
  w.HTMLCanvasElement.prototype.getContext = () => null;
  w.URL.createObjectURL = () => "";
  w.URL.revokeObjectURL = () => undefined;
  w.TextDecoder = TextDecoder;
  w.TextEncoder = TextEncoder;
  installSvgGeometry(w);
  const file = require.resolve("plotly.js-dist");
  w.eval(fs.readFileSync(file, "utf8"));
  const Plotly = w.Plotly as PlotlyApi | undefined;
  if (!Plotly || typeof Plotly.newPlot !== "function") {
    throw new Error(`plotlyWindow: loading ${file} into jsdom did not define window.Plotly`);
  }
  cached = { document: w.document, Plotly };
  return cached;
}
