/**
 * The race figures of notebook 04: the replayed race as a table (race-table.ts) and as a
 * step chart (race-step-chart.ts), and, here, outcome classes per caller as stacked bars
 * (from scenarios/mm/tally.ts' tallies, or compareCallers' rows).
 */
import type { CallerOutcomes } from "../scenarios/mm/compare";
import { outcomeBars } from "./figures/outcome-bars";
import { wrapWords } from "./figures/page-table-walk-diagram";
import { MAX_FIGURE_WIDTH } from "./theme";
import type { PlotlyFigure } from "./types";

export { contextSwitches, describeRecord, sanitizerEventOf, type ContextSwitch } from "./race-records";
export { raceStepChart, type RaceStepChartOptions } from "./race-step-chart";
export {
  raceTable,
  raceTableBundle,
  raceTableMarkdown,
  raceTableText,
  showRaceTable,
  type RaceTableRow,
} from "./race-table";

export interface CallerOutcomeBarsOptions {
  title?: string;
  groupAxis?: string;
  percent?: boolean;
}

/**
 * Stacked bars, one per caller, from tallyOutcomes/worstOutcomes (each schedule once, as
 * its worst class). Rows from compareCallers work too, but there a schedule can count in
 * several classes, so a bar's height is not the number of schedules.
 */
export function callerOutcomeBars(
  rows: readonly Pick<CallerOutcomes, "caller" | "outcomes">[],
  opts: CallerOutcomeBarsOptions = {},
): PlotlyFigure {
  if (!Array.isArray(rows) || rows.length === 0)
    throw new Error("callerOutcomeBars: rows must be a non-empty array of { caller, outcomes }");
  const groups = rows.map((r, i) => {
    if (typeof r.caller !== "string") throw new Error(`callerOutcomeBars: rows[${i}].caller must be a string`);
    // Drop classes no caller showed, so the legend lists only what happened.
    return { group: r.caller, counts: { ...r.outcomes } as Record<string, number> };
  });
  const seen = new Set(
    groups.flatMap((g) =>
      Object.entries(g.counts)
        .filter(([, v]) => v > 0)
        .map(([k]) => k),
    ),
  );
  for (const g of groups) for (const k of Object.keys(g.counts)) if (!seen.has(k)) delete g.counts[k];
  const fig = outcomeBars({
    groups,
    title: opts.title ?? "Outcome per schedule, by caller (worst class of each schedule)",
    countOf: "schedules",
    groupAxis: opts.groupAxis ?? "caller",
    percent: opts.percent,
  });
  fig.layout.width = Math.min(MAX_FIGURE_WIDTH, Math.max(760, 110 * rows.length + 260));
  // Caller names wrap under their bar (tilted labels ran into the axis title): as many
  // characters a line as a bar slot holds at ~6.3 px a character.
  const slot = ((fig.layout.width as number) - 70 - 20 - 140) / rows.length;
  const perLine = Math.max(8, Math.floor(slot / 6.3));
  const names = groups.map((g) => g.group);
  fig.layout.xaxis = {
    ...(fig.layout.xaxis as object),
    tickangle: 0,
    automargin: true,
    tickmode: "array",
    tickvals: names,
    ticktext: names.map((n) => wrapWords(n, perLine, 3).join("<br>")),
  };
  fig.layout.margin = { l: 70, r: 20, t: 60, b: 60 };
  return fig;
}
