/**
 * The text/html part of a figure's output, for classic Notebook 6 (which renders no
 * plotly MIME type) and for exported HTML.
 *
 * It is a div holding the PNG as an <img>, plus a script that loads plotly.js once
 * per page from the Jupyter server and replaces the image with the interactive plot.
 * plotly.js itself is never inlined (10 MB per output would exceed Jupyter's iopub
 * rate limit and bloat every notebook). Where scripts do not run (untrusted
 * notebook, GitHub, nbconvert without plotly) the image stays.
 */
import type { PlotlyFigure } from "./types";

/** Path of plotly.js under the Jupyter server root (the project root in `npm start`). */
export const PLOTLY_SERVER_PATH = "files/node_modules/plotly.js-dist/plotly.js";

/** What the html part needs besides the figure. */
export interface HtmlOutputInput {
  /** Element id of the div; unique within the page. */
  divId: string;
  /** The PNG fallback, base64, or null for none. */
  pngBase64: string | null;
  /** CSS size of the div and the image, px. */
  width: number;
  height: number;
  /** Alternative text of the image (the figure's title). */
  alt: string;
}

/** JSON safe to put inside a <script>: no "</script>", no "<!--", no JS line separators. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function attr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The browser-side loader, shared by every figure on the page through
 * window.__pfnlabPlotly = {state, waiters}. It runs in the page, so it is plain ES5.
 * URL order: window.pfnlabPlotlyUrl (set by an exported page), else
 * <base_url>files/node_modules/plotly.js-dist/plotly.js where base_url comes from
 * Notebook 6's <body data-base-url>, else "/".
 */
export const LOADER_JS = `function pfnlabWithPlotly(cb) {
  var w = window;
  if (w.Plotly && w.Plotly.newPlot) { cb(); return; }
  var st = w.__pfnlabPlotly;
  if (st && st.state === "loading") { st.waiters.push(cb); return; }
  st = w.__pfnlabPlotly = { state: "loading", waiters: [cb] };
  var base = (document.body && document.body.dataset && document.body.dataset.baseUrl) || "/";
  if (base.charAt(base.length - 1) !== "/") base += "/";
  var s = document.createElement("script");
  s.src = w.pfnlabPlotlyUrl || (base + "${PLOTLY_SERVER_PATH}");
  s.async = true;
  s.onload = function () {
    st.state = "loaded";
    var q = st.waiters; st.waiters = [];
    for (var i = 0; i < q.length; i++) { try { q[i](); } catch (e) { console.error("pfnlab figure", e); } }
  };
  s.onerror = function () {
    st.state = "failed";
    console.warn("pfnlab: could not load plotly.js from " + s.src + "; showing static images");
  };
  document.head.appendChild(s);
}`;

/** The html part: div with the <img> fallback, then the loader and the plot call. */
export function htmlOutput(figure: PlotlyFigure, input: HtmlOutputInput): string {
  const { divId, pngBase64, width, height, alt } = input;
  const img = pngBase64
    ? `<img src="data:image/png;base64,${pngBase64}" alt="${attr(alt)}" width="${width}" height="${height}" style="max-width:100%;height:auto">`
    : "";
  const plot = {
    data: figure.data,
    layout: figure.layout,
    config: { responsive: true, displaylogo: false, ...figure.config },
  };
  return `<div id="${attr(divId)}" class="pfnlab-figure" style="width:${width}px;max-width:100%;min-height:${height}px">${img}</div>
<script type="text/javascript">
(function () {
${LOADER_JS}
  var fig = ${scriptSafeJson(plot)};
  pfnlabWithPlotly(function () {
    var div = document.getElementById(${scriptSafeJson(divId)});
    if (!div) return;
    var img = div.querySelector("img");
    var restore = function (e) {
      console.error("pfnlab figure", e);
      window.Plotly.purge(div);
      if (img) div.appendChild(img);
    };
    if (img) div.removeChild(img);
    // Responsive: a fixed-width figure wider than its output area (a narrow window) is
    // laid out again at the width there is, instead of being cut off.
    var room = div.clientWidth;
    if (room && typeof fig.layout.width === "number" && fig.layout.width > room) fig.layout.width = room;
    try {
      window.Plotly.newPlot(div, fig.data, fig.layout, fig.config).catch(restore);
    } catch (e) { restore(e); }
  });
})();
</script>`;
}
