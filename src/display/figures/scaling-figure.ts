/** Page-table cost vs mapping size for each leaf size, on log-log axes. */
import type { PlotlyFigure, PlotlyTrace } from "../types";
import { axis, baseLayout, LEAF_LEVEL_COLORS, LEAF_LEVEL_LABELS, type LeafLevel } from "../theme";
import { checkArray, checkNonNegative, checkPositive, formatBytes, byteTicks, powerOfTwoTicks } from "./format";

/** One line: a leaf size and the measured value at each mapping size. */
export interface ScalingSeries {
  leaf: LeafLevel;
  /** Mapping sizes in bytes (x). */
  sizesBytes: number[];
  /** The measured value at each size (y), same length; 0 is drawn as a gap (log axis). */
  values: number[];
}

/** What the values of a scaling figure count. */
export type ScalingUnit = "bytes" | "count";

/** Input of scalingFigure. */
export interface ScalingInput {
  series: ScalingSeries[];
  /** What y measures, e.g. "page-table bytes" or "faults" (the y axis title). */
  metric: string;
  /** Unit of y: "bytes" labels the ticks in KiB/MiB/GiB (which say the unit); "count" names it beside the axis title. */
  unit: ScalingUnit;
  title?: string;
}

/**
 * One line per leaf size (PTE 4 KiB, PMD 2 MiB, PUD 1 GiB), x = mapping size,
 * y = value, both log axes with binary-size tick labels where the unit is bytes.
 */
export function scalingFigure(input: ScalingInput): PlotlyFigure {
  const fn = "scalingFigure";
  const series = checkArray<ScalingSeries>(fn, "series", input?.series);
  const unit = input.unit;
  if (unit !== "bytes" && unit !== "count")
    throw new Error(`${fn}: unit ${JSON.stringify(unit)} must be "bytes" or "count"`);
  const allX: number[] = [];
  const allY: number[] = [];
  const data: PlotlyTrace[] = series.map((s, k) => {
    if (!(s.leaf in LEAF_LEVEL_COLORS))
      throw new Error(`${fn}: series[${k}].leaf "${String(s.leaf)}" must be pte, pmd or pud`);
    const xs = checkArray<number>(fn, `series[${k}].sizesBytes`, s.sizesBytes);
    const ys = checkArray<number>(fn, `series[${k}].values`, s.values);
    if (xs.length !== ys.length) throw new Error(`${fn}: series[${k}] has ${xs.length} sizes but ${ys.length} values`);
    xs.forEach((x, i) => {
      checkPositive(fn, `series[${k}].sizesBytes[${i}]`, x);
    });
    ys.forEach((y, i) => {
      checkNonNegative(fn, `series[${k}].values[${i}]`, y);
    });
    allX.push(...xs);
    allY.push(...ys.filter((y) => y > 0));
    return {
      type: "scatter",
      mode: "lines+markers",
      name: LEAF_LEVEL_LABELS[s.leaf],
      x: [...xs],
      y: ys.map((y) => (y > 0 ? y : null)),
      text: xs.map(formatBytes),
      line: { color: LEAF_LEVEL_COLORS[s.leaf], width: 2 },
      marker: { color: LEAF_LEVEL_COLORS[s.leaf], size: 7 },
      hovertemplate: `%{text}: %{y} ${unit === "bytes" ? "bytes" : input.metric}<extra>${LEAF_LEVEL_LABELS[s.leaf]}</extra>`,
    };
  });
  const xTicks = byteTicks(allX);
  // y values are many and uneven: powers of two rather than every value.
  const yTicks = unit === "bytes" && allY.length ? powerOfTwoTicks(Math.min(...allY), Math.max(...allY)) : [];
  return {
    data,
    layout: baseLayout(input.title ?? `${input.metric} vs mapping size`, {
      xaxis: axis("mapping size", "bytes, log scale", {
        type: "log",
        tickvals: xTicks,
        ticktext: xTicks.map(formatBytes),
      }),
      yaxis: axis(input.metric, unit === "bytes" ? "log scale" : "count, log scale", {
        type: "log",
        ...(yTicks.length ? { tickvals: yTicks, ticktext: yTicks.map(formatBytes) } : {}),
      }),
      legend: { title: { text: "leaf size" } },
    }),
  };
}
