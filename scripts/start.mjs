#!/usr/bin/env node
// `npm start [-- jupyter args]`: after setup.mjs, serve the notebooks in Jupyter.
import { log } from "./lib/env.mjs";
import { startJupyter } from "./lib/jupyter.mjs";

const extra = process.argv.slice(2);
try {
  const { child, url } = await startJupyter(extra);
  const tree = url.replace(/\/(\?|tree\?|lab\?)/, "/tree/notebooks?");
  log(`Jupyter is serving the notebooks: ${tree}`);
  log("stop it with Ctrl-C");
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill("SIGINT"));
  child.on("exit", (code) => process.exit(code ?? 0));
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}
