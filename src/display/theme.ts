/**
 * One look for every pfnlab figure: colours that mean the same thing in every
 * notebook (an outcome class, a lock class, a page-table level), a shared layout
 * (fonts, margins, white background) and axis titles that carry units.
 */
import type { PlotlyLayout } from "./types";

/** How a lookup or access ended, as classified by the checkers and explorers. */
export type OutcomeClass = "ok" | "einval" | "retried" | "stale-pfn" | "use-after-free" | "misuse" | "deadlock";

/** All outcome classes, in the order legends and stacks use (good first, worst last). */
export const OUTCOME_CLASSES: readonly OutcomeClass[] = [
  "ok",
  "einval",
  "retried",
  "stale-pfn",
  "use-after-free",
  "misuse",
  "deadlock",
];

/** Green for fine, grey for a clean refusal, blue for retry, warm to dark red for bugs. */
export const OUTCOME_COLORS: Readonly<Record<OutcomeClass, string>> = {
  ok: "#2ca02c",
  einval: "#8c8c8c",
  retried: "#1f77b4",
  "stale-pfn": "#ff7f0e",
  "use-after-free": "#d62728",
  misuse: "#9467bd",
  deadlock: "#4d0a0a",
};

/** Human labels for outcome classes in legends. */
export const OUTCOME_LABELS: Readonly<Record<OutcomeClass, string>> = {
  ok: "ok",
  einval: "-EINVAL",
  retried: "retried",
  "stale-pfn": "stale pfn",
  "use-after-free": "use after free",
  misuse: "API misuse",
  deadlock: "deadlock",
};

/** Colour of an outcome class; unknown classes get a stable colour from their name. */
export function outcomeColor(outcome: string): string {
  return (OUTCOME_COLORS as Record<string, string>)[outcome] ?? hashColor(outcome);
}

/** Lock classes as lock_stat names them (Lock.className in src/sched/lock.ts). */
export const LOCK_CLASS_COLORS: Readonly<Record<string, string>> = {
  "&mm->mmap_lock": "#1f77b4",
  "&mm->page_table_lock": "#d62728",
  "ptlock (PTE)": "#2ca02c",
  "ptlock (PMD)": "#ff7f0e",
  "&mapping->i_mmap_rwsem": "#9467bd",
  "&vdev->memory_lock": "#8c564b",
  "&kvm->mmu_lock": "#17becf",
};

/** Colour of a lock class: the fixed ones above, others by a stable hash of the name. */
export function lockClassColor(className: string): string {
  return LOCK_CLASS_COLORS[className] ?? hashColor(className);
}

/** Page-table levels, top to bottom. */
export type PageTableLevel = "pgd" | "p4d" | "pud" | "pmd" | "pte";
/** Levels at which a leaf can sit (1 GiB, 2 MiB, 4 KiB pages on x86-64). */
export type LeafLevel = "pud" | "pmd" | "pte";

/** Leaf level colours: size goes from light (4 KiB) to dark (1 GiB). */
export const LEAF_LEVEL_COLORS: Readonly<Record<LeafLevel, string>> = {
  pte: "#9ecae1",
  pmd: "#3182bd",
  pud: "#08306b",
};

/** Leaf level names with their page size, for legends. */
export const LEAF_LEVEL_LABELS: Readonly<Record<LeafLevel, string>> = {
  pte: "PTE (4 KiB)",
  pmd: "PMD (2 MiB)",
  pud: "PUD (1 GiB)",
};

/** Colours for the two parts of a lock's time. */
export const LOCK_PHASE_COLORS = { hold: "#1f77b4", wait: "#ff7f0e" } as const;

/** Physical memory kinds. */
export const MEMORY_KIND_COLORS = { ram: "#2ca02c", bar: "#9467bd", hole: "#e0e0e0" } as const;

/** Units used in axis titles, so every figure says what it measures the same way. */
export const UNITS = {
  time: "simulated ns",
  bytes: "bytes",
  count: "count",
} as const;

/** An axis title with its unit: axisTitle("hold time", UNITS.time) -> "hold time (simulated ns)". */
export function axisTitle(what: string, unit?: string): { text: string } {
  return { text: unit ? `${what} (${unit})` : what };
}

/** Font stack: DejaVu Sans first so browsers and the PNG renderer agree where it exists. */
export const FONT_FAMILY = '"DejaVu Sans", "Open Sans", Verdana, Arial, sans-serif';
/** Monospace stack for hex values and code. */
export const MONO_FAMILY = '"DejaVu Sans Mono", Menlo, Consolas, monospace';

/**
 * Widest figure that fits a notebook's output area: Notebook 6 at 1280 px gives about
 * 978 px, JupyterLab and VS Code a little less. show() narrows wider figures to this,
 * and in a browser every figure also shrinks to its output area.
 */
export const MAX_FIGURE_WIDTH = 940;

/**
 * The base layout every builder starts from: title, fonts, margins, white
 * background, legend on the right. Builders pass their own parts in `extra`.
 */
export function baseLayout(title: string, extra: PlotlyLayout = {}): PlotlyLayout {
  return {
    title: { text: title, x: 0.02, xanchor: "left", font: { size: 16 } },
    font: { family: FONT_FAMILY, size: 12, color: "#222" },
    paper_bgcolor: "white",
    plot_bgcolor: "white",
    margin: { l: 70, r: 20, t: 60, b: 60 },
    width: 760,
    height: 440,
    legend: { bgcolor: "rgba(255,255,255,0.8)" },
    ...extra,
  };
}

/** Axis defaults: light grid, visible line, title with unit. */
export function axis(title: string, unit?: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: axisTitle(title, unit),
    showline: true,
    linecolor: "#444",
    gridcolor: "#e6e6e6",
    zeroline: false,
    ticks: "outside",
    ...extra,
  };
}

/** A stable colour for any name: FNV-1a hash -> hue; fixed saturation and lightness. */
export function hashColor(name: string): string {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  const hue = h % 360;
  return `hsl(${hue}, 55%, 45%)`;
}
