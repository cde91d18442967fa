/** A diagram of one page-table walk: pgd -> (p4d) -> pud -> pmd -> pte -> pfn. */
import type { PlotlyFigure } from "../types";
import { baseLayout, LEAF_LEVEL_COLORS, lockClassColor, outcomeColor, type PageTableLevel } from "../theme";
import { checkArray, checkNonNegative, hex, mono } from "./format";

/** What the walk saw at one level. */
export interface WalkLevelStep {
  level: PageTableLevel;
  /** Index of the entry in this level's table (9 bits of the address on x86-64). */
  index: number;
  /** Raw entry value: a number (exact below 2^53) or a preformatted string like "0x8000000fe0000267". */
  entry: number | string;
  /** The entry's present bit. */
  present: boolean;
  /** True when this entry maps memory (a huge leaf at pud/pmd, or the pte). */
  leaf: boolean;
  /** pte_special / pmd_special: a pfn map entry with no struct page behind it. */
  special?: boolean;
  /** Lock class taken to read this level stably, e.g. "ptlock (PTE)" or "&mm->page_table_lock". */
  lock?: string;
  /** Extra line, e.g. "write bit clear". */
  note?: string;
}

/** Input of pageTableWalkDiagram. */
export interface WalkDiagramInput {
  /** The virtual address walked. */
  address: number;
  steps: WalkLevelStep[];
  /** What the walk returned: a pfn, an outcome class (e.g. "einval") and/or a text. */
  /** The result box; `lines`, when given, are its lines under "result" instead of pfn, outcome and text (the hover keeps those). */
  result?: { pfn?: number; outcome?: string; text?: string; lines?: string[] };
  title?: string;
}

const BOX = { x0: 0.1, x1: 0.9, y0: 0.18, y1: 0.78 };

/** The box of column `i` (a level's entry, or the result), drawn below the text. */
function boxShape(
  i: number,
  fillcolor: string,
  opacity: number,
  line: Record<string, unknown>,
): Record<string, unknown> {
  return {
    type: "rect",
    xref: "x",
    yref: "y",
    x0: i + BOX.x0,
    x1: i + BOX.x1,
    y0: BOX.y0,
    y1: BOX.y1,
    fillcolor,
    opacity,
    line,
    layer: "below",
  };
}

/** The text in the middle of column `i`. */
function boxText(i: number, lines: string[]): Record<string, unknown> {
  return { x: i + 0.5, y: (BOX.y0 + BOX.y1) / 2, xref: "x", yref: "y", text: lines.join("<br>"), showarrow: false };
}

/** Breaks text at spaces into lines of at most `max` characters; after `maxLines` lines, "…". */
export function wrapWords(text: string, max: number, maxLines: number): string[] {
  const lines: string[] = [];
  let cur = "";
  // Words longer than a line (flag lists like VM_READ|VM_WRITE|..., snake_case names,
  // paths) break after a "|", "_" or "/", else anywhere.
  const words = text
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((w) => {
      const parts: string[] = [];
      let rest = w;
      while (rest.length > max) {
        const bar = Math.max(
          rest.lastIndexOf("|", max - 1),
          rest.lastIndexOf("_", max - 1),
          rest.lastIndexOf("/", max - 1),
        );
        const at = bar > 0 ? bar + 1 : max;
        parts.push(rest.slice(0, at));
        rest = rest.slice(at);
      }
      return [...parts, rest];
    });
  for (const word of words) {
    if (cur && cur.length + 1 + word.length > max) {
      lines.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur) lines.push(cur);
  return lines.length > maxLines
    ? [...lines.slice(0, maxLines - 1), `${lines[maxLines - 1]!.slice(0, max - 1)}…`]
    : lines;
}

/**
 * Boxes left to right, one per level and one for the result, linked by arrows.
 * Each box shows the level, index and entry value; the leaf is coloured by its
 * level, a non-present entry outlined in red; the lock taken is written under it.
 * One invisible scatter trace ("walk") carries the hover text at the box centres.
 */
export function pageTableWalkDiagram(input: WalkDiagramInput): PlotlyFigure {
  const fn = "pageTableWalkDiagram";
  const steps = checkArray<WalkLevelStep>(fn, "steps", input?.steps);
  checkNonNegative(fn, "address", input.address);
  steps.forEach((s, i) => {
    checkNonNegative(fn, `steps[${i}].index`, s.index);
  });
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  const hover: string[] = [];
  const n = steps.length + (input.result ? 1 : 0);
  const width = Math.max(500, 170 * n + 40);
  // Characters that fit a box (~7 px each at 12 px): longer result texts wrap inside it.
  const boxChars = Math.floor((((width - 40) / Math.max(n, 1)) * (BOX.x1 - BOX.x0)) / 7);

  steps.forEach((s, i) => {
    const leafColor =
      s.leaf && s.level in LEAF_LEVEL_COLORS ? LEAF_LEVEL_COLORS[s.level as keyof typeof LEAF_LEVEL_COLORS] : null;
    shapes.push(
      boxShape(i, leafColor ?? "#f2f2f2", leafColor ? 0.35 : 1, {
        color: s.present ? "#444" : "#d62728",
        width: s.present ? 1.5 : 2.5,
        dash: s.present ? "solid" : "dash",
      }),
    );
    const kind = !s.present ? "not present" : s.leaf ? (s.special ? "leaf (special)" : "leaf") : "table";
    const lines = [`<b>${s.level.toUpperCase()}[${s.index}]</b>`, `${mono(hex(s.entry))}`, kind];
    if (s.note) lines.push(s.note);
    annotations.push({ ...boxText(i, lines), font: { size: 12 } });
    if (s.lock) {
      annotations.push({
        x: i + 0.5,
        y: BOX.y0 - 0.08,
        xref: "x",
        yref: "y",
        text: `lock: ${s.lock}`,
        showarrow: false,
        font: { size: 11, color: lockClassColor(s.lock) },
      });
    }
    if (i + 1 < n) {
      annotations.push({
        x: i + 1 + BOX.x0,
        y: 0.48,
        ax: i + BOX.x1,
        ay: 0.48,
        xref: "x",
        yref: "y",
        axref: "x",
        ayref: "y",
        text: "",
        showarrow: true,
        arrowhead: 2,
        arrowsize: 1.2,
        arrowwidth: 1.5,
        arrowcolor: "#444",
      });
    }
    hover.push(`${s.level} index ${s.index}, entry ${hex(s.entry)}, ${kind}${s.lock ? `, under ${s.lock}` : ""}`);
  });

  if (input.result) {
    const r = input.result;
    const i = steps.length;
    const color = r.outcome ? outcomeColor(r.outcome) : "#2ca02c";
    shapes.push(boxShape(i, color, 0.25, { color, width: 2 }));
    const lines = ["<b>result</b>"];
    if (r.lines) lines.push(...r.lines);
    else {
      if (r.pfn !== undefined) lines.push(`pfn ${mono(hex(r.pfn))}`);
      if (r.outcome) lines.push(r.outcome);
      if (r.text) lines.push(...wrapWords(r.text, boxChars, 6));
    }
    annotations.push(boxText(i, lines));
    hover.push(
      [r.pfn !== undefined ? `pfn ${hex(r.pfn)}` : "", r.outcome ?? "", r.text ?? ""].filter(Boolean).join(", "),
    );
  }

  const split = steps.map((s) => `${s.level} ${s.index}`).join(" · ");
  annotations.push({
    x: 0,
    y: 0.95,
    xref: "x",
    yref: "y",
    xanchor: "left",
    showarrow: false,
    text: `virtual address ${mono(hex(input.address))}${split ? ` = ${split} · offset ${hex(input.address % 4096)}` : ""}`,
  });
  const hidden = { visible: false, fixedrange: true };
  return {
    data: [
      {
        type: "scatter",
        mode: "markers",
        name: "walk",
        showlegend: false,
        x: hover.map((_, i) => i + 0.5),
        y: hover.map(() => 0.48),
        text: hover,
        hoverinfo: "text",
        marker: { size: 30, opacity: 0 },
      },
    ],
    layout: baseLayout(input.title ?? `Page-table walk of ${hex(input.address)}`, {
      width,
      height: 300,
      margin: { l: 20, r: 20, t: 50, b: 20 },
      xaxis: { ...hidden, range: [0, Math.max(n, 1)] },
      yaxis: { ...hidden, range: [0, 1] },
      shapes,
      annotations,
      showlegend: false,
    }),
  };
}
