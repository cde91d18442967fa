#!/usr/bin/env node
// `npm start [-- --lab] [-- jupyter args]`: after setup.mjs, serve the notebooks in Jupyter.
// --lab opens JupyterLab; where the Jupyter set-up found has none, it first installs
// JupyterLab 4 + Notebook 7 into .venv (setup.mjs --modern), which set-up prefers from then on.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { log, readEnv, root } from "./lib/env.mjs";
import { startJupyter } from "./lib/jupyter.mjs";

const argv = process.argv.slice(2);
const wantLab = argv.includes("--lab");
const extra = argv.filter((a) => a !== "--lab");
try {
  let env = readEnv();
  if (wantLab && !env.lab) {
    log(`${env.jupyter} (${env.frontend} ${env.version}) has no JupyterLab: setting up .venv with JupyterLab 4`);
    const r = spawnSync(process.execPath, [join(root, "scripts", "setup.mjs"), "--modern"], { stdio: "inherit" });
    if (r.status !== 0)
      throw new Error("pfnlab: could not install JupyterLab (above); plain `npm start` still opens the notebooks");
    env = readEnv();
  }
  const { child, url } = await startJupyter(extra, { env, app: wantLab ? "lab" : env.frontend });
  const tree =
    wantLab || env.frontend === "lab"
      ? url.replace(/\/(\?|tree\?|lab\?)/, "/lab/tree/notebooks?")
      : url.replace(/\/(\?|tree\?)/, "/tree/notebooks?");
  log(`Jupyter is serving the notebooks: ${tree}`);
  log("stop it with Ctrl-C");
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill("SIGINT"));
  child.on("exit", (code) => process.exit(code ?? 0));
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}
