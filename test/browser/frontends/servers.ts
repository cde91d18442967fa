// The Jupyter installations and servers the front-end tests drive: JupyterLab 4 and
// Notebook 7 from a pip venv (set-up's .venv when it made one, else one the tests make
// under .cache/ from requirements-jupyter.txt), Notebook 6 from set-up (Debian's).
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../../src/runner";
// @ts-expect-error plain ESM helpers shared with scripts/, no types
import { readEnv } from "../../../scripts/lib/env.mjs";
// @ts-expect-error plain ESM helpers shared with scripts/, no types
import { describeJupyter } from "../../../scripts/lib/find-jupyter.mjs";
// @ts-expect-error plain ESM helpers shared with scripts/, no types
import { startJupyter } from "../../../scripts/lib/jupyter.mjs";
// @ts-expect-error plain ESM helpers shared with scripts/, no types
import { ensureJupyterVenv, testVenv } from "../../../scripts/lib/jupyter-venv.mjs";

/** What scripts/lib/find-jupyter.mjs says about a `jupyter`. */
export interface JupyterEnv {
  jupyter: string;
  python: string;
  frontend: "notebook" | "lab";
  version: string;
  lab: string | null;
}

const major = (v: string) => Number(String(v).split(".")[0]);

/** A Jupyter with JupyterLab 4 and Notebook 7: set-up's when it has both, else the tests' venv (made once, kept). */
export function modernJupyter(): JupyterEnv {
  const setUp = readEnv() as JupyterEnv;
  if (setUp.lab && major(setUp.lab) >= 4 && setUp.frontend === "notebook" && major(setUp.version) >= 7) return setUp;
  const found = describeJupyter(ensureJupyterVenv(testVenv)) as JupyterEnv | null;
  if (!found?.lab)
    throw new Error(`the venv at ${testVenv} has no JupyterLab after installing requirements-jupyter.txt`);
  return found;
}

/** A Notebook 6: set-up's, else Debian's at /usr/bin/jupyter; null when there is none. */
export function notebook6Jupyter(): JupyterEnv | null {
  const candidates = [readEnv() as JupyterEnv];
  if (existsSync("/usr/bin/jupyter")) candidates.push(describeJupyter("/usr/bin/jupyter"));
  return candidates.find((e) => e && e.frontend === "notebook" && major(e.version) === 6) ?? null;
}

import { freePort } from "../../support/notebook6";
export { freePort };

export interface Server {
  child: ChildProcess;
  origin: string;
  token: string;
  stop(): void;
}

/**
 * A server as `npm start` runs it (rooted at the project), on a free port, with fresh
 * JupyterLab user settings under `stateDir`: JupyterLab's news prompt off (a student
 * answers it once; here it would cover outputs), no workspace carried over from another run.
 * SIGTERM stops it cleanly, kernels included. `dir`/`projectKernel`: see startJupyter.
 */
export async function startServer(
  env: JupyterEnv,
  app: "lab" | "notebook",
  stateDir: string,
  { dir = projectRoot, projectKernel = true }: { dir?: string; projectKernel?: boolean } = {},
): Promise<Server> {
  rmSync(stateDir, { recursive: true, force: true });
  const settings = join(stateDir, "user-settings", "@jupyterlab", "apputils-extension");
  mkdirSync(settings, { recursive: true });
  // Notebook 7 asks no news question, and a user setting of a plugin it lacks makes its
  // shortcut registry throw: JupyterLab only.
  if (app === "lab")
    writeFileSync(
      join(settings, "notification.jupyterlab-settings"),
      JSON.stringify({ fetchNews: "false", checkForUpdates: false }),
    );
  mkdirSync(join(stateDir, "workspaces"), { recursive: true });
  const port = await freePort();
  const { child, url } = (await startJupyter(["--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0"], {
    echo: false,
    env,
    app,
    dir,
    projectKernel,
    processEnv: {
      JUPYTERLAB_SETTINGS_DIR: join(stateDir, "user-settings"),
      JUPYTERLAB_WORKSPACES_DIR: join(stateDir, "workspaces"),
    },
  })) as { child: ChildProcess; url: string };
  const u = new URL(url);
  return { child, origin: u.origin, token: u.searchParams.get("token") ?? "", stop: () => child.kill("SIGTERM") };
}

export { projectRoot };
