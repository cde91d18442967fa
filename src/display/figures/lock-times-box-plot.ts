/** Lock hold and wait time distributions per lock class (what lock_stat summarises). */
import type { PlotlyFigure, PlotlyTrace } from "../types";
import { axis, baseLayout, lockClassColor, UNITS } from "../theme";
import { checkArray, checkNonNegative } from "./format";

/** The samples of one lock class, e.g. from the scheduler's lock statistics. */
export interface LockClassTimes {
  /** lock_stat class name, e.g. "&mm->mmap_lock", "ptlock (PTE)". */
  lockClass: string;
  /** One entry per acquisition: simulated ns between acquired and released. */
  holdNs: number[];
  /** One entry per acquisition: simulated ns between the attempt and getting it (0 = uncontended). */
  waitNs: number[];
}

/** Input of lockTimesBoxPlot. */
export interface LockTimesInput {
  classes: LockClassTimes[];
  title?: string;
  /** "box" (default) or "violin". */
  kind?: "box" | "violin";
  /** Log-scale time axis (zeros are dropped by plotly on log axes). Default false. */
  logTime?: boolean;
}

const PHASES = [
  { key: "holdNs", label: "hold time" },
  { key: "waitNs", label: "wait time" },
] as const;

/**
 * Box (or violin) plots of hold and wait times, grouped by phase on the x axis,
 * one colour per lock class. Traces come in pairs: [2k] = hold of classes[k],
 * [2k+1] = wait of classes[k]; each trace's y holds the samples as given.
 */
export function lockTimesBoxPlot(input: LockTimesInput): PlotlyFigure {
  const fn = "lockTimesBoxPlot";
  const classes = checkArray<LockClassTimes>(fn, "classes", input?.classes);
  const kind = input.kind ?? "box";
  if (kind !== "box" && kind !== "violin") throw new Error(`${fn}: kind "${String(kind)}" must be "box" or "violin"`);
  const data: PlotlyTrace[] = [];
  classes.forEach((c, k) => {
    for (const phase of PHASES) {
      const ys = checkArray<number>(fn, `classes[${k}].${phase.key}`, c[phase.key]);
      ys.forEach((v, i) => {
        checkNonNegative(fn, `classes[${k}].${phase.key}[${i}]`, v);
      });
      const color = lockClassColor(c.lockClass);
      const trace: PlotlyTrace = {
        type: kind,
        name: c.lockClass,
        legendgroup: c.lockClass,
        showlegend: phase.key === "holdNs",
        offsetgroup: c.lockClass,
        x: ys.map(() => phase.label),
        y: [...ys],
        marker: { color },
        line: { color },
        hovertemplate: `${c.lockClass}<br>${phase.label}: %{y} ${UNITS.time}<extra></extra>`,
      };
      if (kind === "box") Object.assign(trace, { boxpoints: "outliers", boxmean: true });
      else
        Object.assign(trace, { box: { visible: true }, meanline: { visible: true }, points: false, spanmode: "hard" });
      data.push(trace);
    }
  });
  return {
    data,
    layout: baseLayout(input.title ?? "Lock hold and wait times per lock class", {
      boxmode: "group",
      violinmode: "group",
      xaxis: axis("", undefined, { ticks: "", showgrid: false }),
      yaxis: axis("time", UNITS.time, { type: input.logTime ? "log" : "linear", rangemode: "tozero" }),
      // Hold/wait are told apart on the x axis, so colours can stay the lock classes'.
      legend: { title: { text: "lock class" } },
    }),
  };
}
