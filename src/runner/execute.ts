/**
 * Execute a notebook in a real Jupyter kernel (tslab) through nbclient, cell by cell,
 * and report the first failures by cell index. The test suite, `pfnlab run`, the
 * grader and the HTML export all run notebooks through here.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { cellFailures, readNotebook, type CellFailure, type Notebook } from "./notebook";

/** The project root (this file is src/runner/ or dist/runner/). */
export const projectRoot = resolve(__dirname, "..", "..");

export interface ExecuteOptions {
  /** Seconds a single cell may run (default 60). */
  cellTimeout?: number;
  /** Working directory of the kernel (default: the notebook's folder). */
  cwd?: string;
  /** Where to write the executed notebook (default: a temporary file, removed). */
  outPath?: string;
  /** Extra environment for the kernel process. */
  env?: Record<string, string>;
  /** Kernel name (default "tslab"). */
  kernel?: string;
  /** Memory cap for the kernel process, MiB (RLIMIT_AS via prlimit-like ulimit; default none). */
  memoryMiB?: number;
}

export interface ExecuteResult {
  notebook: Notebook;
  status: "ok" | "timeout" | "dead";
  /** Error outputs, stderr writes, a timeout or a dead kernel, by cell index. */
  failures: CellFailure[];
  cellSeconds: number[];
  message: string;
}

interface JupyterEnv {
  jupyter: string;
  python: string;
}

function jupyterEnv(): JupyterEnv {
  const file = join(projectRoot, ".jupyter-local", "env.json");
  if (!existsSync(file)) throw new Error(`executeNotebook: ${file} is missing; run "npm start" or "node scripts/setup.mjs" first`);
  return JSON.parse(readFileSync(file, "utf8")) as JupyterEnv;
}

export async function executeNotebook(path: string, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
  if (!existsSync(path)) throw new Error(`executeNotebook: notebook ${path} does not exist`);
  const env = jupyterEnv();
  const tmp = opts.outPath ? null : mkdtempSync(join(tmpdir(), "pfnlab-exec-"));
  const out = opts.outPath ?? join(tmp!, basename(path));
  const args = [
    join(projectRoot, "scripts", "nbexec.py"),
    resolve(path),
    out,
    "--timeout",
    String(Math.max(1, Math.ceil(opts.cellTimeout ?? 60))),
    "--cwd",
    resolve(opts.cwd ?? dirname(path)),
    "--kernel",
    opts.kernel ?? "tslab",
  ];
  const jupyterPath = [join(projectRoot, ".jupyter-local", "share", "jupyter"), process.env.JUPYTER_PATH].filter(Boolean).join(":");
  const childEnv = { ...process.env, ...opts.env, JUPYTER_PATH: jupyterPath };
  const cmd = opts.memoryMiB ? "sh" : env.python;
  const cmdArgs = opts.memoryMiB
    ? ["-c", `ulimit -v ${opts.memoryMiB * 1024} && exec "$0" "$@"`, env.python, ...args]
    : args;
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => {
    const child = spawn(cmd, cmdArgs, { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let so = "";
    let se = "";
    child.stdout.on("data", (d) => (so += d));
    child.stderr.on("data", (d) => (se += d));
    child.on("close", (c) => res({ code: c, stdout: so, stderr: se }));
  });
  try {
    const line = stdout.trim().split("\n").pop() ?? "";
    if (code !== 0 || !line.startsWith("{")) {
      throw new Error(`executeNotebook: nbexec.py failed on ${path} (exit ${code}): ${stderr.slice(-1500)}`);
    }
    const status = JSON.parse(line) as { status: ExecuteResult["status"]; cell: number | null; message: string; cellSeconds: number[] };
    const notebook = readNotebook(out);
    const failures = cellFailures(notebook);
    if (status.status !== "ok") failures.push({ cell: status.cell ?? -1, kind: status.status, text: status.message });
    return { notebook, status: status.status, failures, cellSeconds: status.cellSeconds, message: status.message };
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

/** The line of an error text worth reading first: the "Error: ..." line, else the first. */
export function headline(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /^(\w*Error\b|\d+:\d+ - )/.test(l)) ?? lines[0] ?? "";
}

/** One line per failure: "00-start-here.ipynb cell 3 (stderr): Error: boom". */
export function describeFailures(path: string, failures: CellFailure[]): string {
  return failures.map((f) => `${basename(path)} cell ${f.cell} (${f.kind}): ${headline(f.text)}`).join("\n");
}
