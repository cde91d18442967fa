/**
 * faultLevelsFigure for faultLevelsByAlignment results, with every huge leaf that maps the
 * wrong pfn (the v6.12 vfio-pci hazard) marked by a red cross and the distance it is off.
 */
import { PAGE_SIZE } from "../mm/constants";
import type { FaultLevelsResult, WrongPfnLeaf } from "../scenarios/experiments/fault-levels";
import { faultLevelsFigure, LEAF_BYTES } from "./figures/fault-levels-figure";
import type { PlotlyFigure } from "./types";

export function faultLevelsResultFigure(results: readonly FaultLevelsResult[], title?: string): PlotlyFigure {
  if (!Array.isArray(results) || results.length === 0)
    throw new Error(`faultLevelsResultFigure: results must be a non-empty array`);
  const fig = faultLevelsFigure({ rows: results.map((r) => r.row), title });
  // Same unit choice as the builder: MiB from 4 MiB vmas up, else KiB.
  const maxLen = Math.max(...results.map((r) => r.row.endVa - r.row.startVa));
  const div = maxLen >= 4 * 2 ** 20 ? 2 ** 20 : 1024;
  const marks: { r: FaultLevelsResult; w: WrongPfnLeaf }[] = [];
  for (const r of results as FaultLevelsResult[]) for (const w of r.wrongPfn) marks.push({ r, w });
  if (marks.length > 0) {
    fig.data.push({
      type: "scatter",
      mode: "markers",
      name: "leaf maps the wrong pfn",
      y: marks.map(({ r }) => r.label),
      x: marks.map(({ r, w }) => (w.addressVa - r.vmStart + LEAF_BYTES[w.level] / 2) / div),
      cliponaxis: false,
      marker: { symbol: "x", size: 12, color: "#d62728", line: { width: 1, color: "white" } },
      customdata: marks.map(({ w }) => exactBytes((w.expectedPfn - w.mappedPfn) * PAGE_SIZE)),
      hovertemplate: "%{y}<br>this leaf maps pfns %{customdata} too low<extra></extra>",
    });
    // One label per row, on a white box above the bar so it reads on any colour.
    const annotations = [...((fig.layout.annotations as unknown[]) ?? [])];
    marks.forEach(({ r, w }, i) => {
      if (i > 0 && marks[i - 1].r === r) return;
      const n = r.wrongPfn.length;
      const off = w.expectedPfn - w.mappedPfn;
      const same = r.wrongPfn.every((x) => x.expectedPfn - x.mappedPfn === off);
      const text =
        n === 1
          ? `wrong pfn: ${exactBytes(off * PAGE_SIZE)} too low`
          : `${n} leaves at the wrong pfn${same ? `, each ${exactBytes(off * PAGE_SIZE)} too low` : ""}`;
      // Start at the first wrong leaf; from the middle of the axis on, end at the axis end
      // instead, so the label stays inside the plot (and off the legend).
      const x = (w.addressVa - r.vmStart) / div;
      const right = x > maxLen / div / 2;
      annotations.push({
        xref: "x",
        yref: "y",
        x: right ? maxLen / div : x,
        y: r.label,
        yshift: 19,
        xanchor: right ? "right" : "left",
        showarrow: false,
        text,
        font: { color: "#d62728", size: 11 },
        bgcolor: "rgba(255,255,255,0.9)",
        borderpad: 1,
      });
    });
    fig.layout.annotations = annotations;
  }
  return fig;
}

/** Bytes in the largest unit that divides them exactly (2044 KiB stays 2044 KiB). */
function exactBytes(n: number): string {
  for (const [u, name] of [
    [2 ** 30, "GiB"],
    [2 ** 20, "MiB"],
    [1024, "KiB"],
  ] as const)
    if (n % u === 0) return `${n / u} ${name}`;
  return `${n} bytes`;
}
