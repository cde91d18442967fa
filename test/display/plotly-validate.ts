// plotly.js's own schema check (Plotly.validate), run in the same jsdom window that
// renders the PNGs: what VS Code's plotly renderer (and JupyterLab's) would be given.
import { PLOTLY_MIME } from "../../src/display/bundle";
import { plotlyWindow } from "../../src/display/png/plotly-window";

interface ValidateError {
  code: string;
  container: "data" | "layout";
  trace: number | null;
  astr: string;
  msg: string;
}

type Schema = {
  layout: { layoutAttributes: Record<string, unknown> };
  traces: Record<string, { layoutAttributes?: Record<string, unknown> }>;
};
type PlotlyWithValidate = {
  validate(data: unknown[], layout: unknown): ValidateError[] | undefined;
  PlotSchema: { get(): Schema };
};

// Codes for attributes plotly knows but ignores in this figure (a grid colour with the
// grid off): valid JSON that renders the same everywhere, so not problems.
const INERT = new Set(["unused", "invisible", "dynamic"]);

/** A layout key plotly defines for some trace type (e.g. violinmode), inert without one. */
function knownLayoutKey(schema: Schema, astr: string): boolean {
  const key = astr.split(/[.[]/)[0];
  return (
    key in schema.layout.layoutAttributes ||
    Object.values(schema.traces).some((t) => !!t.layoutAttributes && key in t.layoutAttributes)
  );
}

function validate(Plotly: PlotlyWithValidate, data: unknown[], layout: Record<string, unknown>): ValidateError[] {
  try {
    return Plotly.validate(data, layout) ?? [];
  } catch {
    // plotly.js 4.1's validate crashes on a layout.legend when no legend is shown (it walks
    // the legend container it never built): check the legend as it would be if shown.
    return Plotly.validate(data, { ...layout, showlegend: true }) ?? [];
  }
}

/**
 * Plotly.validate's complaints about a plotly MIME payload, as readable lines ([] when
 * valid): unknown attributes, values of the wrong type or out of range, no traces array.
 */
export function plotlyProblems(payload: unknown): string[] {
  const p = payload as { data?: unknown; layout?: unknown };
  const out: string[] = [];
  if (!p || !Array.isArray(p.data)) return ["payload.data is not an array of traces"];
  if (p.layout !== undefined && (typeof p.layout !== "object" || p.layout === null))
    out.push("payload.layout is not an object");
  // What travels through the kernel is JSON: check the JSON round trip, not the JS object.
  const json = JSON.parse(JSON.stringify(payload)) as { data: unknown[]; layout?: unknown };
  const Plotly = plotlyWindow().Plotly as unknown as PlotlyWithValidate;
  const schema = Plotly.PlotSchema.get();
  for (const e of validate(Plotly, json.data, (json.layout ?? {}) as Record<string, unknown>)) {
    if (INERT.has(e.code)) continue;
    if (e.code === "schema" && e.container === "layout" && knownLayoutKey(schema, e.astr)) continue;
    out.push(`${e.container}${e.trace === null ? "" : `[${e.trace}]`}.${e.astr || "(root)"}: ${e.code}: ${e.msg}`);
  }
  return out;
}

/** The plotly MIME payload of a display output, if it has one. */
export function plotlyPayload(output: { data?: Record<string, unknown> }): unknown | undefined {
  return output.data?.[PLOTLY_MIME];
}
