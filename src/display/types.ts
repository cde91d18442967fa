/**
 * The plotly figure shape pfnlab passes around: plain JSON data, no functions,
 * so students can restyle a figure (`fig.layout.title.text = "..."`) and it can be
 * serialised into a notebook output as it is.
 */

/** A plotly trace: `type` plus any plotly attributes (see plotly.js reference). */
export interface PlotlyTrace {
  type?: string;
  name?: string;
  [attribute: string]: unknown;
}

/** A plotly layout object (title, axes, shapes, annotations, ...). */
export type PlotlyLayout = Record<string, unknown>;

/** A complete plotly figure: what `Plotly.newPlot(div, data, layout, config)` takes. */
export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout: PlotlyLayout;
  config?: Record<string, unknown>;
}
