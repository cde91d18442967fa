/** Stacked bars of outcome classes per group (caller, variant, kernel version). */
import type { PlotlyFigure, PlotlyTrace } from "../types";
import { axis, baseLayout, OUTCOME_CLASSES, OUTCOME_LABELS, outcomeColor } from "../theme";
import { checkArray, checkNonNegative } from "./format";

/** Outcome counts of one group, e.g. {group: "vfio type1", counts: {ok: 10, "use-after-free": 2}}. */
export interface OutcomeGroup {
  group: string;
  /** Count per outcome class (see OutcomeClass); other class names are allowed and get a hash colour. */
  counts: Record<string, number>;
}

/** Input of outcomeBars. */
export interface OutcomeBarsInput {
  groups: OutcomeGroup[];
  title?: string;
  /** What is counted, for the value axis: default "interleavings". */
  countOf?: string;
  /** Title of the group axis, e.g. "caller". */
  groupAxis?: string;
  /** Show shares (percent of each group) instead of counts. */
  percent?: boolean;
}

/**
 * One bar per group, stacked by outcome class: one trace per class that occurs
 * (known classes in OUTCOME_CLASSES order, then others by name), x = group names,
 * y = counts (0 where a group lacks the class), or percent of the group's total.
 */
export function outcomeBars(input: OutcomeBarsInput): PlotlyFigure {
  const fn = "outcomeBars";
  const groups = checkArray<OutcomeGroup>(fn, "groups", input?.groups);
  groups.forEach((g, i) => {
    if (typeof g.counts !== "object" || g.counts === null)
      throw new Error(`${fn}: groups[${i}].counts must be an object`);
    for (const [k, v] of Object.entries(g.counts)) checkNonNegative(fn, `groups[${i}].counts["${k}"]`, v);
  });
  const present = new Set(groups.flatMap((g) => Object.keys(g.counts)));
  const known = OUTCOME_CLASSES.filter((c) => present.has(c));
  const other = [...present].filter((c) => !(OUTCOME_CLASSES as readonly string[]).includes(c)).sort();
  const totals = groups.map((g) => Object.values(g.counts).reduce((a, b) => a + b, 0));
  const countOf = input.countOf ?? "interleavings";
  const data: PlotlyTrace[] = [...known, ...other].map((cls) => {
    const counts = groups.map((g) => g.counts[cls] ?? 0);
    const y = input.percent ? counts.map((c, i) => (totals[i] ? (100 * c) / totals[i] : 0)) : counts;
    return {
      type: "bar",
      name: (OUTCOME_LABELS as Record<string, string>)[cls] ?? cls,
      x: groups.map((g) => g.group),
      y,
      customdata: counts,
      marker: { color: outcomeColor(cls), line: { color: "white", width: 0.5 } },
      hovertemplate: `%{x}<br>${cls}: %{customdata} ${countOf}${input.percent ? " (%{y:.1f}%)" : ""}<extra></extra>`,
    };
  });
  return {
    data,
    layout: baseLayout(input.title ?? "Outcomes", {
      barmode: "stack",
      xaxis: axis(input.groupAxis ?? "", undefined, { type: "category", ticks: "" }),
      yaxis: input.percent
        ? axis(`share of ${countOf}`, "%", { range: [0, 100] })
        : axis(countOf, "count", { rangemode: "tozero" }),
      legend: { title: { text: "outcome" }, traceorder: "normal" },
    }),
  };
}
