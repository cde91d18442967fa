/**
 * `pfnlab run`: papermill's convention for TypeScript notebooks. The values given with
 * `-p name=value` are checked against the notebook's `parameters` cell (the name must
 * exist, the value must parse as the declared type) before anything runs, injected as
 * a cell tagged `injected-parameters` right after it, and the notebook is executed in
 * the real kernel from its own folder; the executed notebook (and HTML) is written.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { ToolError } from "../base/tool-error";
import { executeNotebook, jupyterEnv, projectRoot, type ExecuteResult } from "../runner/execute";
import { readNotebook, writeNotebook, type Notebook } from "../runner/notebook";
import { findParameters, injectedCell, parseCliValue, withInjected, type ParamValue } from "./parameters";

/**
 * The notebook with the values injected, or an Error naming the parameter, the value,
 * the expected type and the notebook. Nothing runs here.
 */
export function injectParameters(
  nb: Notebook,
  name: string,
  raw: Record<string, string>,
): { notebook: Notebook; values: Record<string, ParamValue> } {
  const keys = Object.keys(raw);
  const params = findParameters(nb, name);
  if (!params) {
    if (keys.length === 0) return { notebook: nb, values: {} };
    throw new ToolError(
      "pfnlab run",
      `${name} has no cell tagged "parameters", so ${keys.map((k) => `-p ${k}=...`).join(" ")} cannot be applied`,
    );
  }
  const values: Record<string, ParamValue> = {};
  for (const k of keys) {
    const p = params.params.find((q) => q.name === k);
    if (!p) {
      throw new ToolError(
        "pfnlab run",
        `${name} has no parameter "${k}" (its parameters: ${params.params.map((q) => `${q.name}: ${q.type}`).join(", ") || "none"})`,
      );
    }
    try {
      values[k] = parseCliValue(p, raw[k], name);
    } catch (e) {
      throw new ToolError("pfnlab run", `${(e as Error).message}`);
    }
  }
  if (keys.length === 0) return { notebook: nb, values };
  const chosen = params.params.filter((p) => p.name in values);
  const cell = injectedCell(chosen, values, "Parameters injected by pfnlab run");
  return { notebook: withInjected(nb, cell, params.index), values };
}

export interface RunOptions {
  params?: Record<string, string>;
  /** Executed notebook path (default ./<name>.run.ipynb). */
  out?: string;
  html?: boolean;
  /** Seconds per cell (default 60). */
  timeout?: number;
}

export interface RunResult {
  outPath: string;
  htmlPath: string | null;
  result: ExecuteResult;
  values: Record<string, ParamValue>;
}

export async function runNotebook(path: string, opts: RunOptions = {}): Promise<RunResult> {
  const name = basename(path);
  const { notebook, values } = injectParameters(readNotebook(path), name, opts.params ?? {});
  const outPath = resolve(opts.out ?? `${basename(path, ".ipynb")}.run.ipynb`);
  const tmp = mkdtempSync(join(tmpdir(), "pfnlab-run-"));
  try {
    const input = join(tmp, name);
    writeNotebook(input, notebook);
    const result = await executeNotebook(input, {
      cwd: dirname(resolve(path)),
      outPath,
      cellTimeout: opts.timeout ?? 60,
    });
    const htmlPath = opts.html ? toHtml(outPath) : null;
    return { outPath, htmlPath, result, values };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** `jupyter nbconvert --to html` with the Jupyter setup found; returns the HTML path. */
export function toHtml(ipynb: string): string {
  const env = jupyterEnv();
  const stem = basename(ipynb, ".ipynb");
  const r = spawnSync(
    env.jupyter,
    ["nbconvert", "--to", "html", "--output-dir", dirname(ipynb), "--output", stem, ipynb],
    {
      encoding: "utf8",
      env: {
        ...process.env,
        JUPYTER_PATH: [join(projectRoot, ".jupyter-local", "share", "jupyter"), process.env.JUPYTER_PATH]
          .filter(Boolean)
          .join(":"),
      },
    },
  );
  if (r.status !== 0)
    throw new ToolError(
      "pfnlab run",
      `jupyter nbconvert --to html failed on ${ipynb}: ${(r.stderr ?? "").slice(-800)}`,
    );
  return join(dirname(ipynb), `${stem}.html`);
}
