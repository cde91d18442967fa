/**
 * notebooks: wall time to execute each notebook in notebooks/ through the project's
 * runner (src/runner/execute.ts: nbclient + the tslab kernel, a fresh kernel per run),
 * against the floor: a notebook with the same number of trivial code cells, run the
 * same way in the same kernel kind and folder. The floor holds what no notebook can
 * avoid (Jupyter and kernel start-up, tslab compiling each cell, the round trips), so
 * the ratio is what our content and the simulator add. Goal (issue 9): < 3x the floor.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { executeNotebook, projectRoot, type ExecuteResult } from "../runner/execute";
import { readNotebook, writeNotebook, type Notebook } from "../runner/notebook";
import { median, nowMs, row, type BenchOptions, type BenchReport, type BenchRow, type Benchmark } from "./harness";

const GOAL = 3;
/** Seconds a cell may take before the run counts as failed. */
const CELL_TIMEOUT = 300;

export const NOTEBOOK_DIR = join(projectRoot, "notebooks");

/** The notebooks to time: notebooks/*.ipynb, sorted by name. */
export function listNotebooks(dir: string = NOTEBOOK_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => join(dir, f));
}

export function codeCellCount(nb: Notebook): number {
  return nb.cells.filter((c) => c.cell_type === "code").length;
}

/** A notebook of `n` trivial code cells with `like`'s metadata (so the same kernelspec). */
export function floorNotebook(n: number, like?: Notebook): Notebook {
  return {
    cells: Array.from({ length: n }, (_, i) => ({
      id: `floor-${i}`,
      cell_type: "code" as const,
      source: `${i};`,
      metadata: {},
      outputs: [],
      execution_count: null,
    })),
    metadata: like?.metadata ?? { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    nbformat: like?.nbformat ?? 4,
    nbformat_minor: like?.nbformat_minor ?? 5,
  };
}

/** Whether the runner can start kernels here (setup has written .jupyter-local/env.json). */
export function jupyterReady(): boolean {
  return existsSync(join(projectRoot, ".jupyter-local", "env.json"));
}

export interface TimedRun {
  ms: number;
  result: ExecuteResult;
}

export async function timeNotebook(path: string, cwd: string): Promise<TimedRun> {
  const t0 = nowMs();
  const result = await executeNotebook(path, { cellTimeout: CELL_TIMEOUT, cwd });
  return { ms: nowMs() - t0, result };
}

function failureText(r: ExecuteResult): string {
  const f = r.failures[0];
  return f ? `cell ${f.cell} ${f.kind}: ${f.text.split("\n")[0]!.slice(0, 160)}` : "";
}

/**
 * Time one notebook and its floor, `reps` times each, alternately. The floor notebook
 * lives in a temporary folder but runs with the notebook's folder as cwd.
 */
export async function measureNotebook(path: string, reps: number): Promise<{ row: BenchRow; failed: string }> {
  const nb = readNotebook(path);
  const cells = codeCellCount(nb);
  const tmp = mkdtempSync(join(tmpdir(), "pfnlab-bench-nb-"));
  const floorPath = join(tmp, `floor-${cells}.ipynb`);
  writeNotebook(floorPath, floorNotebook(cells, nb));
  const cwd = dirname(path);
  try {
    const own: TimedRun[] = [];
    const floor: TimedRun[] = [];
    for (let i = 0; i < reps; i++) {
      own.push(await timeNotebook(path, cwd));
      floor.push(await timeNotebook(floorPath, cwd));
    }
    const floorFailed = floor.map((f) => failureText(f.result)).find(Boolean);
    if (floorFailed)
      throw new Error(
        `notebooks: the floor notebook (${cells} trivial cells) failed: ${floorFailed}; is the tslab kernel installed?`,
      );
    const failed = own.map((o) => failureText(o.result)).find(Boolean) ?? "";
    const cellSeconds = own[own.length - 1]!.result.cellSeconds;
    const slowest = cellSeconds.reduce((best, s, i) => (s > cellSeconds[best]! ? i : best), 0);
    const r = row(
      "notebooks",
      basename(path),
      "s to execute",
      own.map((o) => o.ms / 1000),
      {
        baselineSamples: floor.map((f) => f.ms / 1000),
        baselineName: `${cells} trivial cells`,
        goal: `< ${GOAL}x floor`,
        extra: {
          codeCells: cells,
          slowestCell: slowest,
          slowestCellSeconds: cellSeconds[slowest] ?? 0,
          cellSecondsTotal: cellSeconds.reduce((a, b) => a + b, 0),
          ...(failed ? { failed } : {}),
        },
      },
    );
    r.met = !failed && r.ratio! < GOAL;
    return { row: r, failed };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export interface NotebooksBenchmarkOptions {
  /** Notebooks to time (default: every notebooks/*.ipynb; in quick mode only the first). */
  paths?: string[];
}

export function makeNotebooksBenchmark(o: NotebooksBenchmarkOptions = {}): Benchmark {
  return {
    name: "notebooks",
    description: "wall time to execute each notebook vs a notebook of as many trivial cells in the same kernel",
    async run(opts: BenchOptions): Promise<BenchReport> {
      const report: BenchReport = { name: "notebooks", description: this.description, rows: [], notes: [], seconds: 0 };
      if (!jupyterReady()) {
        report.skipped =
          "Jupyter is not set up here (.jupyter-local/env.json missing: run `npm start` or `node scripts/setup.mjs`)";
        return report;
      }
      const all = o.paths ?? listNotebooks();
      const paths = opts.quick && !o.paths ? all.slice(0, 1) : all;
      if (paths.length === 0) {
        report.skipped = `no notebooks in ${NOTEBOOK_DIR}`;
        return report;
      }
      // Each run starts a kernel (seconds): at most 3 repetitions.
      const reps = opts.quick ? 1 : Math.min(opts.reps, 3);
      for (const p of paths) {
        opts.log(`notebooks: ${basename(p)}`);
        const m = await measureNotebook(p, reps);
        report.rows.push(m.row);
        if (m.failed) report.notes.push(`${basename(p)} failed (${m.failed}): its time is not a full run`);
      }
      const ratios = report.rows.map((r) => r.ratio!);
      report.notes.push(
        `floor = the same number of code cells, each a trivial expression, same kernel and cwd; fresh kernel per run; ` +
          `ratios ${Math.min(...ratios).toFixed(2)}x-${Math.max(...ratios).toFixed(2)}x (median ${median(ratios).toFixed(2)}x)`,
      );
      return report;
    },
  };
}

export const notebooksBenchmark = makeNotebooksBenchmark();
