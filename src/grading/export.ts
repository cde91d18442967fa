/**
 * `npm run export`: execute each notebook in the real kernel and write it as a
 * self-contained HTML folder that renders offline: plotly.js is copied next to the pages
 * from the installed package (never a CDN), every figure also carries its PNG for
 * readers with scripts off.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { PLOTLY_MIME } from "../display/bundle";
import { describeFailures, executeNotebook, projectRoot } from "../runner/execute";
import { hiddenCheckLines, leaksIn } from "./course";

export interface ExportedNotebook {
  notebook: string;
  html: string;
  /** Number of plotly figures in the executed notebook. */
  figures: number;
  seconds: number;
}

const PLOTLY_FILE = "plotly.js";

function jupyterBinary(): string {
  const env = JSON.parse(readFileSync(join(projectRoot, ".jupyter-local", "env.json"), "utf8")) as { jupyter: string };
  return env.jupyter;
}

/** Points the figures' loader at the copied plotly.js, before any output runs. */
function pinPlotly(html: string): string {
  const pin = `<script>window.pfnlabPlotlyUrl = "assets/${PLOTLY_FILE}";</script>`;
  return html.includes("<head>") ? html.replace("<head>", `<head>\n${pin}`) : pin + html;
}

/** Execute and convert the notebooks (default: all of notebooks/) into `outDir`. */
export async function exportNotebooks(outDir: string, notebooks?: string[]): Promise<ExportedNotebook[]> {
  const dir = join(projectRoot, "notebooks");
  const names =
    notebooks ??
    readdirSync(dir)
      .filter((f) => f.endsWith(".ipynb"))
      .sort();
  const sources = names.map((name) => (existsSync(name) ? name : join(dir, name)));
  // Exports are for students: refuse instructor material before running anything.
  const hidden = hiddenCheckLines();
  for (const src of sources) {
    const leaks = existsSync(src) ? leaksIn(readFileSync(src, "utf8"), hidden) : [];
    if (leaks.length) {
      throw new Error(
        `export: ${src} holds instructor material (${leaks.join(", ")}); export the student copy in notebooks/ instead (npm run course writes it)`,
      );
    }
  }
  mkdirSync(join(outDir, "assets"), { recursive: true });
  copyFileSync(require.resolve(`plotly.js-dist/${PLOTLY_FILE}`), join(outDir, "assets", PLOTLY_FILE));
  const done: ExportedNotebook[] = [];
  for (const src of sources) {
    const executed = join(outDir, basename(src));
    const t0 = process.hrtime.bigint();
    const r = await executeNotebook(src, { outPath: executed, cellTimeout: 120, cwd: dir });
    if (r.failures.length) throw new Error(`export: ${describeFailures(src, r.failures)}`);
    numberExecutedCells(executed);
    const conv = spawnSync(jupyterBinary(), ["nbconvert", "--to", "html", "--output-dir", outDir, executed], {
      encoding: "utf8",
    });
    if (conv.status !== 0) throw new Error(`export: nbconvert failed on ${executed}: ${conv.stderr.slice(-1500)}`);
    const html = join(outDir, basename(src, ".ipynb") + ".html");
    writeFileSync(html, pinPlotly(readFileSync(html, "utf8")));
    const figures = r.notebook.cells.reduce(
      (n, c) => n + (c.outputs ?? []).filter((o) => o.data && PLOTLY_MIME in o.data).length,
      0,
    );
    done.push({ notebook: basename(src), html, figures, seconds: Number(process.hrtime.bigint() - t0) / 1e9 });
  }
  writeFileSync(join(outDir, "index.html"), indexPage(done));
  return done;
}

/**
 * tslab sends no execute_input message, so nbclient leaves execution_count null and the
 * exported page shows "In [ ]:" on cells that ran. The export runs every code cell once,
 * top to bottom, in a fresh kernel: the kernel's own counter would have given 1, 2, 3...
 */
export function numberExecutedCells(ipynb: string): void {
  const nb = JSON.parse(readFileSync(ipynb, "utf8")) as {
    cells: { cell_type: string; execution_count?: number | null }[];
  };
  let n = 0;
  for (const c of nb.cells) if (c.cell_type === "code") c.execution_count = ++n;
  writeFileSync(ipynb, JSON.stringify(nb, null, 1) + "\n");
}

function indexPage(done: ExportedNotebook[]): string {
  const rows = done.map(
    (d) => `<li><a href="${basename(d.html)}">${d.notebook.replace(/\.ipynb$/, "")}</a> (${d.figures} figures)</li>`,
  );
  return `<!doctype html><meta charset="utf-8"><title>pfnlab notebooks</title><h1>pfnlab notebooks</h1><ul>${rows.join("")}</ul>\n`;
}
