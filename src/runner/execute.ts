/**
 * Execute a notebook in a real Jupyter kernel (tslab) through nbclient, cell by cell,
 * and report the first failures by cell index. The test suite, `pfnlab run`, the
 * grader and the HTML export all run notebooks through here.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { cellFailures, readNotebook, type CellFailure, type Notebook, type NotebookCell } from "./notebook";

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
  /**
   * After a cell timeout or a dead kernel, restart the kernel up to this many times,
   * replay the cells that completed, skip the failing one and go on (default 0: stop).
   */
  restarts?: number;
  /**
   * Cells to run in the same kernel after the notebook's own cells finished. Called only
   * then, and the cells travel through a pipe: they are never written to a file before
   * they run (the grader's hidden checks).
   */
  appendCells?: () => NotebookCell[];
  /** Folders with kernelspecs searched before the project's (e.g. a sandboxed kernel). */
  kernelSpecPath?: string[];
  /** Seconds the whole run may take before the executor is killed (default: none). */
  wallTimeout?: number;
  /** Kill the kernel at the end instead of asking it to shut down (its state is not needed). */
  immediateShutdown?: boolean;
  /**
   * Run the executor (and so the kernel it starts) under this command, e.g. `unshare
   * --net --`: a network namespace of their own, whose loopback the executor brings up.
   */
  executorPrefix?: string[];
  /**
   * Seconds the kernel has to answer after it was started (default 60). A kernel that does
   * not answer is shut down and started again with twice the time, `startAttempts` times in
   * all (default 2): a loaded machine can take over a minute to start tslab.
   */
  startupTimeout?: number;
  startAttempts?: number;
}

export interface ExecuteResult {
  notebook: Notebook;
  /** "start": the kernel did not start (or restart); no code ran in it after that. */
  status: "ok" | "timeout" | "dead" | "start";
  /** Index of the first appended cell (see ExecuteOptions.appendCells), or null. */
  appendedFrom: number | null;
  /** Error outputs, stderr writes, a timeout or a dead kernel, by cell index. */
  failures: CellFailure[];
  cellSeconds: number[];
  message: string;
  /** Why earlier attempts to start the kernel failed (empty when the first one answered). */
  startFailures: string[];
}

export interface JupyterEnv {
  jupyter: string;
  python: string;
}

/** What setup found (.jupyter-local/env.json): the jupyter command and its python. */
export function jupyterEnv(): JupyterEnv {
  const file = join(projectRoot, ".jupyter-local", "env.json");
  if (!existsSync(file))
    throw new Error(`executeNotebook: ${file} is missing; run "npm start" or "node scripts/setup.mjs" first`);
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
    "--restarts",
    String(opts.restarts ?? 0),
    ...(opts.appendCells ? ["--append-stdin"] : []),
    ...(opts.immediateShutdown ? ["--immediate-shutdown"] : []),
    ...(opts.executorPrefix?.length ? ["--loopback-up"] : []),
    "--startup-timeout",
    String(Math.max(1, Math.ceil(opts.startupTimeout ?? 60))),
    "--start-attempts",
    String(Math.max(1, Math.floor(opts.startAttempts ?? 2))),
  ];
  const jupyterPath = [
    ...(opts.kernelSpecPath ?? []),
    join(projectRoot, ".jupyter-local", "share", "jupyter"),
    process.env.JUPYTER_PATH,
  ]
    .filter(Boolean)
    .join(":");
  const childEnv = { ...process.env, ...opts.env, JUPYTER_PATH: jupyterPath };
  const direct = opts.memoryMiB
    ? ["sh", "-c", `ulimit -v ${opts.memoryMiB * 1024} && exec "$0" "$@"`, env.python, ...args]
    : [env.python, ...args];
  const [cmd, ...cmdArgs] = [...(opts.executorPrefix ?? []), ...direct];
  const { code, stdout, stderr, killed } = await runExecutor(cmd, cmdArgs, childEnv, opts);
  try {
    const line = stdout.trim().split("\n").pop() ?? "";
    if (killed) {
      throw new Error(
        `executeNotebook: ${basename(path)} ran longer than ${opts.wallTimeout} s in total and was stopped`,
      );
    }
    if (code !== 0 || !line.startsWith("{")) {
      throw new Error(`executeNotebook: nbexec.py failed on ${path} (exit ${code}): ${stderr.slice(-1500)}`);
    }
    const status = JSON.parse(line) as NbexecStatus;
    const notebook = readNotebook(out);
    const failures = cellFailures(notebook);
    const incidents =
      status.incidents ??
      (status.status !== "ok" ? [{ cell: status.cell ?? -1, kind: status.status, message: status.message }] : []);
    for (const i of incidents) failures.push({ cell: i.cell ?? -1, kind: i.kind, text: i.message });
    failures.sort((a, b) => a.cell - b.cell);
    return {
      notebook,
      status: status.status,
      appendedFrom: status.appendedFrom ?? null,
      failures,
      cellSeconds: status.cellSeconds,
      startFailures: status.startFailures ?? [],
      message: status.message,
    };
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

interface NbexecStatus {
  status: ExecuteResult["status"];
  cell: number | null;
  message: string;
  cellSeconds: number[];
  incidents?: { cell: number | null; kind: "timeout" | "dead" | "start"; message: string }[];
  appendedFrom?: number | null;
  startFailures?: string[];
}

/** Run nbexec.py; answer its "cells-done" event with the appended cells on stdin. */
function runExecutor(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: ExecuteOptions,
): Promise<{ code: number | null; stdout: string; stderr: string; killed: boolean }> {
  return new Promise((res) => {
    const child = spawn(cmd, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let so = "";
    let se = "";
    let killed = false;
    let answered = false;
    const timer = opts.wallTimeout
      ? setTimeout(() => {
          killed = true;
          child.kill("SIGKILL");
        }, opts.wallTimeout * 1000)
      : null;
    child.stdin.on("error", () => undefined);
    child.stdout.on("data", (d) => {
      so += d;
      if (!answered && opts.appendCells && so.includes('{"event": "cells-done"}')) {
        answered = true;
        child.stdin.end(JSON.stringify({ cells: opts.appendCells() }) + "\n");
      }
    });
    if (!opts.appendCells) child.stdin.end();
    child.stderr.on("data", (d) => (se = (se + d).slice(-20000)));
    child.on("close", (c) => {
      if (timer) clearTimeout(timer);
      res({ code: c, stdout: so, stderr: se, killed });
    });
  });
}

/** The line of an error text worth reading first: the "Error: ..." line, else the first. */
export function headline(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /^(\w*Error\b|\d+:\d+ - )/.test(l)) ?? lines[0] ?? "";
}

/** One line per failure: "00-start-here.ipynb cell 3 (stderr): Error: boom". */
export function describeFailures(path: string, failures: CellFailure[]): string {
  return failures.map((f) => `${basename(path)} cell ${f.cell} (${f.kind}): ${headline(f.text)}`).join("\n");
}
