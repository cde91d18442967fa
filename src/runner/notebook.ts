/**
 * The parts of nbformat 4 pfnlab reads and writes (https://nbformat.readthedocs.io).
 */
import { readFileSync, writeFileSync } from "node:fs";

export interface NotebookOutput {
  output_type: "stream" | "display_data" | "execute_result" | "error";
  name?: "stdout" | "stderr";
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface NotebookCell {
  id?: string;
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata: Record<string, unknown> & { tags?: string[] };
  outputs?: NotebookOutput[];
  execution_count?: number | null;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

export function joinText(t: string | string[] | undefined): string {
  return Array.isArray(t) ? t.join("") : (t ?? "");
}

export function readNotebook(path: string): Notebook {
  return JSON.parse(readFileSync(path, "utf8")) as Notebook;
}

export function writeNotebook(path: string, nb: Notebook): void {
  writeFileSync(path, JSON.stringify(nb, null, 1) + "\n");
}

/** A cell's failure, as the test harness and the grader report it. */
export interface CellFailure {
  cell: number;
  kind: "error" | "stderr" | "timeout" | "dead" | "start";
  text: string;
}

/**
 * Failures in an executed notebook: error outputs and anything written to stderr.
 * tslab reports a failing cell only on stderr, so stderr counts as a failure.
 */
export function cellFailures(nb: Notebook): CellFailure[] {
  const out: CellFailure[] = [];
  nb.cells.forEach((cell, i) => {
    for (const o of cell.outputs ?? []) {
      if (o.output_type === "error") {
        out.push({ cell: i, kind: "error", text: `${o.ename ?? ""}: ${o.evalue ?? ""}`.trim() });
      } else if (o.output_type === "stream" && o.name === "stderr") {
        out.push({ cell: i, kind: "stderr", text: joinText(o.text).trim() });
      }
    }
  });
  return out;
}

/** Cells that carry outputs or execution counts (notebooks are committed stripped). */
export function cellsWithOutputs(nb: Notebook): number[] {
  return nb.cells.flatMap((c, i) => ((c.outputs?.length ?? 0) > 0 || (c.execution_count ?? null) !== null ? [i] : []));
}
