// What a `jupyter` command is: its own Python (from its shebang), its front ends, and
// whether it can run pfnlab's notebook tooling (nbclient). Used by set-up and the tests.
import { readFileSync } from "node:fs";
import { probe } from "./env.mjs";

/** The Python a `jupyter` script runs with: its shebang (`#!/usr/bin/env python3` too). */
export function shebangPython(jupyter) {
  const line = readFileSync(jupyter, "utf8").split("\n")[0];
  if (!line.startsWith("#!")) return null;
  const words = line.slice(2).trim().split(/\s+/);
  if (words[0].endsWith("/env"))
    return probe("sh", ["-c", `command -v ${words.find((w, i) => i > 0 && !w.startsWith("-"))}`]);
  return words[0];
}

// One run of Jupyter's own Python: does it have nbclient, and which JupyterLab (if any)?
const probeScript = [
  "import nbclient, jupyter_client",
  "try:\n import jupyterlab; print(jupyterlab.__version__)\nexcept ImportError:\n print('')",
].join("\n");

/**
 * { jupyter, python, frontend ("notebook" | "lab"), version, lab (JupyterLab's version or null) },
 * or null when this Jupyter has no front end or its Python lacks nbclient.
 */
export function describeJupyter(jupyter) {
  const nb = probe(jupyter, ["notebook", "--version"]);
  const python = shebangPython(jupyter);
  if (!python) return null;
  const lab = probe(python, ["-c", probeScript]);
  if (lab === null || (nb === null && !lab)) return null;
  return { jupyter, python, frontend: nb !== null ? "notebook" : "lab", version: nb ?? lab, lab: lab || null };
}
