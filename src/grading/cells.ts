/**
 * The cell-level conventions of pfnlab coursework (see README-conventions in index.ts):
 * tags and the `pfnlab` cell metadata that name exercises and their points.
 */
import { joinText, type Notebook, type NotebookCell } from "../runner/notebook";

/** Tags with a meaning for release, grade and run. */
export const TAGS = {
  /** papermill's: `const name = literal;` lines, the notebook's knobs. */
  parameters: "parameters",
  /** papermill's: the values injected after the parameters cell. */
  injected: "injected-parameters",
  /** Instructor-only check, removed by release, run by the grader after the student's code. */
  hidden: "hidden-check",
  /** A whole cell that is a solution (e.g. a markdown answer): removed by release. */
  solution: "solution",
  /** A visible check cell (`check...()` printing PASS/FAIL with a hint): kept for students. */
  check: "check",
} as const;

/** `metadata.pfnlab` of a cell. */
export interface CellGradingMeta {
  /** Exercise id, e.g. "pfn-of-address": letters, digits, '-', '_'. */
  exercise?: string;
  /** Points a hidden check is worth (a positive number). */
  points?: number;
}

export function tagsOf(cell: NotebookCell): string[] {
  const t = cell.metadata?.tags;
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === "string") : [];
}

export function hasTag(cell: NotebookCell, tag: string): boolean {
  return tagsOf(cell).includes(tag);
}

export function sourceOf(cell: NotebookCell): string {
  return joinText(cell.source);
}

/** nbformat's multi-line source form: lines keeping their "\n". */
export function toSource(text: string): string[] {
  if (text === "") return [];
  return text
    .split("\n")
    .map((l, i, all) => (i < all.length - 1 ? l + "\n" : l))
    .filter((l) => l !== "");
}

export function gradingMeta(cell: NotebookCell): CellGradingMeta {
  const m = cell.metadata?.pfnlab;
  if (!m || typeof m !== "object") return {};
  const { exercise, points } = m as Record<string, unknown>;
  return {
    exercise: typeof exercise === "string" ? exercise : undefined,
    points: typeof points === "number" ? points : undefined,
  };
}

const EXERCISE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** One hidden check of the instructor's notebook. */
export interface HiddenCheck {
  exercise: string;
  points: number;
  source: string;
  /** Index of the cell in the instructor's notebook (for messages). */
  cell: number;
}

/** The hidden checks of an instructor notebook, validated. */
export function hiddenChecks(nb: Notebook, name = "notebook"): HiddenCheck[] {
  const out: HiddenCheck[] = [];
  nb.cells.forEach((cell, i) => {
    if (!hasTag(cell, TAGS.hidden)) return;
    const { exercise, points } = gradingMeta(cell);
    if (cell.cell_type !== "code")
      throw new Error(`hiddenChecks: ${name} cell ${i} is tagged ${TAGS.hidden} but is ${cell.cell_type}, not code`);
    if (!exercise || !EXERCISE_ID.test(exercise)) {
      throw new Error(
        `hiddenChecks: ${name} cell ${i} needs metadata.pfnlab.exercise (letters, digits, - or _), got ${JSON.stringify(exercise)}`,
      );
    }
    if (points === undefined || !(points > 0) || !Number.isFinite(points)) {
      throw new Error(
        `hiddenChecks: ${name} cell ${i} (exercise ${exercise}) needs metadata.pfnlab.points > 0, got ${JSON.stringify(points)}`,
      );
    }
    out.push({ exercise, points, source: sourceOf(cell), cell: i });
  });
  return out;
}

/** Exercises in order of first appearance, with the points of all their hidden checks. */
export function exercisePoints(checks: HiddenCheck[]): { id: string; points: number }[] {
  const m = new Map<string, number>();
  for (const c of checks) m.set(c.exercise, (m.get(c.exercise) ?? 0) + c.points);
  return [...m].map(([id, points]) => ({ id, points }));
}

/** A fresh code cell in nbformat 4.5 shape. */
export function codeCell(id: string, source: string, tags: string[] = [], pfnlab?: CellGradingMeta): NotebookCell {
  const metadata: NotebookCell["metadata"] = {};
  if (tags.length) metadata.tags = tags;
  if (pfnlab) metadata.pfnlab = pfnlab;
  return { id, cell_type: "code", source: toSource(source), metadata, outputs: [], execution_count: null };
}
