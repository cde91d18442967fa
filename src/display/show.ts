/**
 * `show(fig)`: one call in a notebook cell, one output that every front end can render.
 */
import type { PlotlyFigure } from "./types";
import { figureOutput, type FigureOutput, type ShowOptions } from "./bundle";

/** What show() returns outside a kernel: the MIME bundle it would have sent. */
export type ShownBundle = FigureOutput["data"];
import { tslabDisplayWriter } from "./tslab-channel";

/**
 * Displays a plotly figure. Inside a tslab kernel: sends ONE display_data message
 * carrying plotly JSON, html, PNG and plain text, and returns undefined (so the cell
 * prints nothing more). Elsewhere (tests, scripts): returns the MIME bundle it would send
 * (the image/png part is missing only with `{png: false}`).
 */
export function show(figure: PlotlyFigure, options: ShowOptions = {}): ShownBundle | undefined {
  const write = tslabDisplayWriter();
  const output = figureOutput(figure, options);
  if (!write) return output.data;
  write({ data: output.data, metadata: output.metadata, transient: {} }, false);
  return undefined;
}
