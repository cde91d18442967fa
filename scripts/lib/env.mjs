// Shared by setup, start, tests and the grader: where things live and how to find
// Jupyter. Plain Node (no dependencies): it runs before node_modules exists.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Project-local Jupyter data dir: our kernelspec lives here, found via JUPYTER_PATH. */
export const jupyterData = join(root, ".jupyter-local", "share", "jupyter");
/** What setup found: { jupyter, python, frontend } (written by setup.mjs). */
export const envFile = join(root, ".jupyter-local", "env.json");
export const venv = join(root, ".venv");

export function log(msg) {
  process.stderr.write(`pfnlab: ${msg}\n`);
}

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", ...opts });
  if (r.status !== 0) {
    throw new Error(`command failed (exit ${r.status}): ${cmd} ${args.join(" ")}`);
  }
}

/** Output of a command, or null when it fails or is absent. */
export function probe(cmd, args, timeout = 20000) {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout }).trim();
  } catch {
    return null;
  }
}

export function readEnv() {
  if (!existsSync(envFile)) {
    throw new Error(`pfnlab: ${envFile} is missing; run "npm start" or "node scripts/setup.mjs" first`);
  }
  return JSON.parse(readFileSync(envFile, "utf8"));
}

/** Environment for anything that starts Jupyter or a kernel: our kernelspec first. */
export function jupyterEnv(base = process.env) {
  const paths = [jupyterData, base.JUPYTER_PATH].filter(Boolean).join(":");
  return { ...base, JUPYTER_PATH: paths };
}
