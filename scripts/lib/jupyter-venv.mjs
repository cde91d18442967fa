// A virtualenv holding the modern Jupyter front ends (JupyterLab 4, Notebook 7, the
// plotly renderer), installed with pip from the pinned requirements-jupyter.txt.
// setup.mjs makes one at .venv/ when no usable Jupyter is found; the browser tests make
// one under .cache/ when set-up picked another Jupyter (Debian's Notebook 6).
// Plain Node (no dependencies): it runs before node_modules exists.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { log, probe, root, run } from "./env.mjs";

export const requirementsFile = join(root, "requirements-jupyter.txt");
/** Where the tests keep their JupyterLab/Notebook 7 venv when set-up picked another Jupyter. */
export const testVenv = join(root, ".cache", "jupyter-venv");
const stampName = ".pfnlab-requirements";

function requirementsHash(file = requirementsFile) {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/**
 * A Python that can make a venv with pip in it, to install Jupyter from scratch. Only used
 * where no Jupyter is installed yet (Jupyter's own Python is used for everything else).
 */
export function basePython() {
  const candidates = [probe("sh", ["-c", "command -v python3"]), "/usr/bin/python3"];
  for (const py of candidates) {
    if (py && existsSync(py) && probe(py, ["-c", "import venv, ensurepip"]) !== null) return py;
  }
  return null;
}

/** That Python, if pip reaches its package index (one tiny download), else null. */
export function pipReachable() {
  const py = basePython();
  if (!py) return null;
  const dir = join(tmpdir(), `pfnlab-pipcheck-${process.pid}`);
  const ok = probe(py, ["-m", "pip", "download", "--no-deps", "-q", "-d", dir, "nbclient"], 60000) !== null;
  rmSync(dir, { recursive: true, force: true });
  return ok ? py : null;
}

/** True when `dir` is a venv installed from the current requirements file. */
export function venvIsCurrent(dir, file = requirementsFile) {
  const stamp = join(dir, stampName);
  return (
    existsSync(join(dir, "bin", "jupyter")) &&
    existsSync(stamp) &&
    readFileSync(stamp, "utf8") === requirementsHash(file)
  );
}

/** True when `dir` was made by ensureJupyterVenv (whatever the requirements were then). */
export function venvIsOurs(dir) {
  return existsSync(join(dir, stampName));
}

/**
 * Makes (or brings up to date) a venv at `dir` from requirements-jupyter.txt (or `file`);
 * returns the path of its `jupyter`. Throws, saying what to do, when pip cannot reach its index.
 */
export function ensureJupyterVenv(dir, py = null, file = requirementsFile) {
  const jupyter = join(dir, "bin", "jupyter");
  if (venvIsCurrent(dir, file)) return jupyter;
  py ??= pipReachable();
  if (!py) {
    throw new Error(
      `pfnlab: JupyterLab 4 / Notebook 7 need pip and its package index, and neither was reached.\n` +
        `  install them yourself: python3 -m pip install -r ${file}`,
    );
  }
  log(`installing JupyterLab 4, Notebook 7 and plotly (${file}) into ${dir} with pip`);
  if (!existsSync(join(dir, "bin", "pip"))) run(py, ["-m", "venv", dir]);
  run(join(dir, "bin", "pip"), ["install", "-q", "--disable-pip-version-check", "-r", file]);
  writeFileSync(join(dir, stampName), requirementsHash(file));
  return jupyter;
}
