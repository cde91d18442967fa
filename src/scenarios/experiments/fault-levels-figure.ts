/**
 * faultLevelsFigure for faultLevelsByAlignment results, with every huge leaf that maps the
 * wrong pfn (the v6.12 vfio-pci hazard) marked by a red cross and the distance it is off.
 */
import { faultLevelsFigure, LEAF_BYTES } from "../../display/figures/faultLevelsFigure";
import { formatBytes } from "../../display/figures/format";
import type { PlotlyFigure } from "../../display/types";
import { PAGE_SIZE } from "../../mm/constants";
import type { FaultLevelsResult, WrongPfnLeaf } from "./fault-levels";

export function faultLevelsResultFigure(results: readonly FaultLevelsResult[], title?: string): PlotlyFigure {
  if (!Array.isArray(results) || results.length === 0) throw new Error(`faultLevelsResultFigure: results must be a non-empty array`);
  const fig = faultLevelsFigure({ rows: results.map((r) => r.row), title });
  // Same unit choice as the builder: MiB from 4 MiB vmas up, else KiB.
  const maxLen = Math.max(...results.map((r) => r.row.endVa - r.row.startVa));
  const div = maxLen >= 4 * 2 ** 20 ? 2 ** 20 : 1024;
  const marks: { r: FaultLevelsResult; w: WrongPfnLeaf }[] = [];
  for (const r of results as FaultLevelsResult[]) for (const w of r.wrongPfn) marks.push({ r, w });
  if (marks.length > 0) {
    fig.data.push({
      type: "scatter",
      mode: "markers+text",
      name: "leaf maps the wrong pfn",
      y: marks.map(({ r }) => r.label),
      x: marks.map(({ r, w }) => (w.addressVa - r.vmStart + LEAF_BYTES[w.level] / 2) / div),
      text: marks.map(({ w }) => `wrong pfn: ${formatBytes((w.expectedPfn - w.mappedPfn) * PAGE_SIZE)} low`),
      textposition: "top center",
      textfont: { color: "#d62728", size: 11 },
      cliponaxis: false,
      marker: { symbol: "x", size: 12, color: "#d62728", line: { width: 1, color: "white" } },
      hovertemplate: "%{y}<br>%{text}<extra></extra>",
    });
  }
  return fig;
}
