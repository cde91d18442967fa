// Start the Jupyter server the way `npm start` does; the browser test starts the same one.
import { spawn } from "node:child_process";
import { jupyterEnv, readEnv, root } from "./env.mjs";

/**
 * Arguments for a server rooted at the project (so `/files/node_modules/...` serves
 * plotly.js to figures) that opens on notebooks/.
 */
export function serverArgs(env, extra = [], app = env.frontend, dir = root) {
  // Jupyter refuses to run as root without this; containers and CI run as root.
  if (process.getuid?.() === 0 && !extra.includes("--allow-root")) extra = ["--allow-root", ...extra];
  if (app === "lab" && !env.lab) {
    throw new Error(
      `pfnlab: ${env.jupyter} has no JupyterLab; "npm start -- --lab" installs one into .venv (needs pip)`,
    );
  }
  if (app === "notebook" && env.frontend === "notebook" && Number(String(env.version).split(".")[0]) < 7) {
    return ["notebook", `--notebook-dir=${dir}`, "--NotebookApp.default_url=/tree/notebooks", ...extra];
  }
  const url = app === "lab" ? "/lab/tree/notebooks" : "/tree/notebooks";
  return [app, `--ServerApp.root_dir=${dir}`, `--ServerApp.default_url=${url}`, ...extra];
}

/**
 * Spawn Jupyter; resolves with { child, url } once it prints its URL with token.
 * `extra` goes to Jupyter unchanged (e.g. --no-browser --port 8899). `env` is a set-up
 * description ({ jupyter, python, frontend, version, lab }; default: the one setup.mjs
 * found) and `app` the front end ("notebook" or "lab"; default: env.frontend). `dir` is
 * the server's root (default: the project) and `projectKernel: false` leaves out the
 * project's own kernelspec (a Binder image finds its kernel in Jupyter's sys-prefix).
 */
export function startJupyter(
  extra = [],
  { echo = true, env = readEnv(), app = env.frontend, processEnv = {}, dir = root, projectKernel = true } = {},
) {
  const base = { ...process.env, ...processEnv };
  const child = spawn(env.jupyter, serverArgs(env, extra, app, dir), {
    cwd: dir,
    env: projectKernel ? jupyterEnv(base) : base,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk) => {
      const s = chunk.toString();
      if (echo) process.stderr.write(s);
      seen += s;
      const m = seen.match(/(http:\/\/(?:127\.0\.0\.1|localhost)[^\s]*token=[0-9a-f]+)/);
      if (m) resolve({ child, url: m[1] });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`jupyter exited with ${code} before serving:\n${seen.slice(-2000)}`)));
  });
}
