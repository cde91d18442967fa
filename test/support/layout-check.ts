// Does every output fit its notebook's output area? Checks that run inside the page
// (playwright's page.evaluate), independent of the front end: the caller passes the CSS
// selector of one output (Notebook 6: ".output_area", JupyterLab/Notebook 7:
// ".jp-OutputArea-child").
import type { Page } from "playwright-core";

/** One thing that does not fit, described so that a failing test says where to look. */
export interface LayoutProblem {
  /** "scroll" (an element scrolls sideways), "outside" (plotly text/legend outside its figure),
   * "under-legend" (text drawn under a plotly legend), "legend-scroll" (legend too tall),
   * "wrap" (a printed table row, columns padded with spaces, is wider than the output
   * and wraps mid-column: Notebook 6 breaks it anywhere, even inside a word). */
  kind: "scroll" | "outside" | "under-legend" | "legend-scroll" | "wrap";
  /** Index of the output among all outputs on the page, and a short text of where it is. */
  output: number;
  where: string;
  detail: string;
}

export interface LayoutCheckOptions {
  /** Selector of one output (see above). */
  outputSelector: string;
  /** Pixels of slack before something counts as outside or scrolling (sub-pixel rounding). */
  tolerance?: number;
}

/**
 * The checks themselves. Self-contained (it is serialised into the page): no imports,
 * no helpers from outside the function body.
 */
export function pageLayoutProblems(opts: LayoutCheckOptions): LayoutProblem[] {
  const tol = opts.tolerance ?? 1;
  const problems: LayoutProblem[] = [];
  const outputs = Array.from(document.querySelectorAll(opts.outputSelector));
  const label = (el: Element): string => {
    const cls = typeof el.className === "string" ? el.className : (el.getAttribute("class") ?? "");
    const text = (el.textContent ?? "").replace(/\s+/g, " ").trim().slice(0, 60);
    return `<${el.tagName.toLowerCase()}${cls ? ` class="${cls.slice(0, 60)}"` : ""}> "${text}"`;
  };
  type R = { left: number; right: number; top: number; bottom: number; width: number; height: number };
  const inside = (a: R, b: R): boolean =>
    a.left >= b.left - tol && a.right <= b.right + tol && a.top >= b.top - tol && a.bottom <= b.bottom + tol;
  const overlap = (a: R, b: R): boolean =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) > tol &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > tol;
  const visible = (r: R): boolean => r.width > 0 && r.height > 0;

  outputs.forEach((out, i) => {
    const where = label(out);
    // 1. Nothing in the output scrolls sideways (an element wider than its box makes
    //    its scrolling ancestor's scrollWidth grow, so the output itself catches it too).
    // Content of a closed <details> is not shown (Chrome still lays it out): a reader who
    // opens one (showPre's folded kernel text) asked for the wide, scrollable block.
    for (const el of [out, ...Array.from(out.querySelectorAll("*"))]) {
      if (!(el instanceof HTMLElement) || el.clientWidth === 0 || el.closest("details:not([open]) > :not(summary)"))
        continue;
      if (el.scrollWidth > el.clientWidth + tol) {
        problems.push({
          kind: "scroll",
          output: i,
          where,
          detail: `${label(el)} scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`,
        });
      }
    }
    // 2. Printed tables (stream output, a <pre> that wraps long lines): a row wider than
    //    the output breaks mid-column. Each row that looks like a table row (two or more
    //    gaps of 2+ spaces between words) is measured alone, unwrapped. A long sentence
    //    may wrap: it reads on.
    for (const pre of Array.from(out.querySelectorAll("pre"))) {
      if (!(pre instanceof HTMLElement) || pre.clientWidth === 0 || pre.closest(".pfnlab-pre")) continue;
      const rows = (pre.textContent ?? "").split("\n").filter((l) => /\S {2,}\S.*\S {2,}\S/.test(l));
      if (rows.length === 0) continue;
      const probe = document.createElement("pre");
      probe.style.cssText =
        "position:absolute;visibility:hidden;white-space:pre;margin:0;padding:0;border:0;width:auto;max-width:none";
      probe.style.font = getComputedStyle(pre).font;
      document.body.appendChild(probe);
      for (const row of rows) {
        probe.textContent = row;
        if (probe.getBoundingClientRect().width > pre.clientWidth + tol) {
          problems.push({
            kind: "wrap",
            output: i,
            where,
            detail: `a printed table row wraps (${row.length} characters): "${row.slice(0, 90)}"`,
          });
        }
      }
      probe.remove();
    }
    // 3. Plotly figures: legend and every text inside the figure's own box.
    for (const plot of Array.from(out.querySelectorAll(".js-plotly-plot"))) {
      const svg = plot.querySelector("svg.main-svg");
      if (!svg) continue;
      const fig = svg.getBoundingClientRect();
      const title = plot.querySelector(".gtitle")?.textContent ?? "(untitled)";
      const legends = Array.from(plot.querySelectorAll("g.legend"))
        .map((g) => (g.querySelector("rect.bg") ?? g).getBoundingClientRect())
        .filter(visible);
      for (const g of Array.from(plot.querySelectorAll("g.legend"))) {
        const box = (g.querySelector("rect.bg") ?? g).getBoundingClientRect();
        if (visible(box) && !inside(box, fig)) {
          problems.push({
            kind: "outside",
            output: i,
            where: `figure "${title}"`,
            detail: `legend box ${Math.round(box.left - fig.left)}..${Math.round(box.right - fig.left)} x ${Math.round(box.top - fig.top)}..${Math.round(box.bottom - fig.top)} outside the figure ${Math.round(fig.width)}x${Math.round(fig.height)}`,
          });
        }
        const bar = g.querySelector(".scrollbar") as SVGGraphicsElement | null;
        if (bar && visible(bar.getBoundingClientRect())) {
          problems.push({
            kind: "legend-scroll",
            output: i,
            where: `figure "${title}"`,
            detail: "the legend is taller than its space and scrolls",
          });
        }
      }
      // Traces drawn under a legend (a line or bar passing behind it): sample the legend's
      // box every 3 px against each trace path's stroke and fill.
      const paths = Array.from(
        plot.querySelectorAll(".scatterlayer path.js-line, .barlayer path, .boxlayer path"),
      ) as SVGGeometryElement[];
      for (const l of legends) {
        const hit = paths.find((p) => {
          const ctm = p.getScreenCTM();
          if (!ctm) return false;
          const inv = ctm.inverse();
          const svgRoot = p.ownerSVGElement;
          if (!svgRoot) return false;
          for (let y = l.top + 2; y < l.bottom - 2; y += 3) {
            for (let x = l.left + 2; x < l.right - 2; x += 3) {
              const pt = svgRoot.createSVGPoint();
              pt.x = x;
              pt.y = y;
              const q = pt.matrixTransform(inv);
              if (p.isPointInStroke(q) || (p.closest(".barlayer, .boxlayer") && p.isPointInFill(q))) return true;
            }
          }
          return false;
        });
        if (hit)
          problems.push({
            kind: "under-legend",
            output: i,
            where: `figure "${title}"`,
            detail: `a trace (${hit.closest("g.trace")?.getAttribute("class") ?? "path"}) passes under the legend`,
          });
      }
      for (const t of Array.from(plot.querySelectorAll("text"))) {
        const r = t.getBoundingClientRect();
        if (!visible(r) || !(t.textContent ?? "").trim()) continue;
        const text = `"${(t.textContent ?? "").trim().slice(0, 50)}"`;
        if (!inside(r, fig)) {
          problems.push({
            kind: "outside",
            output: i,
            where: `figure "${title}"`,
            detail: `text ${text} at ${Math.round(r.left - fig.left)}..${Math.round(r.right - fig.left)} x ${Math.round(r.top - fig.top)}..${Math.round(r.bottom - fig.top)} outside the figure ${Math.round(fig.width)}x${Math.round(fig.height)}`,
          });
        }
        if (t.closest("g.legend")) continue;
        for (const l of legends) {
          // A text that touches the legend reads as part of it: count 2 px around it too.
          const near = {
            left: l.left - 2,
            right: l.right + 2,
            top: l.top - 2,
            bottom: l.bottom + 2,
            width: l.width + 4,
            height: l.height + 4,
          };
          if (overlap(r, near))
            problems.push({
              kind: "under-legend",
              output: i,
              where: `figure "${title}"`,
              detail: `text ${text} overlaps the legend`,
            });
        }
      }
    }
  });
  return problems;
}

/** Runs the checks in the page. */
export function layoutProblems(page: Page, opts: LayoutCheckOptions): Promise<LayoutProblem[]> {
  return page.evaluate(pageLayoutProblems, opts);
}

/** One line per problem, for a test's failure message. */
export function describeLayoutProblems(problems: LayoutProblem[]): string {
  return problems.map((p) => `output ${p.output} ${p.where}: ${p.kind}: ${p.detail}`).join("\n");
}
