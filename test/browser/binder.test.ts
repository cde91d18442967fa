// Binder, the way repo2docker builds it: a Python environment from binder/requirements.txt
// alone (its bin/ first on PATH), binder/postBuild run in a clean clone of the committed
// project, then JupyterLab from that environment, rooted at the clone and with no help
// from the project's own set-up (no JUPYTER_PATH), opens 00-start-here and draws its figure.
// The clone is of HEAD: commit changes to binder/ before running this.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, chromiumArgs } from "../support/browser";
import { jupyterLab } from "./frontends/drivers";
import { runNotebook } from "./frontends/session";
import { projectRoot, startServer, type JupyterEnv, type Server } from "./frontends/servers";
import { expectRendered } from "./frontends/suite";
// @ts-expect-error plain ESM helpers shared with scripts/, no types
import { describeJupyter } from "../../scripts/lib/find-jupyter.mjs";
// @ts-expect-error plain ESM helpers shared with scripts/, no types
import { ensureJupyterVenv } from "../../scripts/lib/jupyter-venv.mjs";

const requirements = join(projectRoot, "binder", "requirements.txt");
// Kept between runs (git-ignored), rebuilt when binder/requirements.txt changes.
const binderVenv = join(projectRoot, ".cache", "binder-venv");

/** The environment repo2docker gives postBuild and the server: the env's bin/ first, nothing of ours. */
function binderEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(binderVenv, "bin")}:${process.env.PATH}` };
  for (const k of ["JUPYTER_PATH", "JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "npm_config_prefix"]) delete env[k];
  return env;
}

describe("Binder: binder/requirements.txt + binder/postBuild", () => {
  let clone: string;
  let env: JupyterEnv;
  let server: Server;
  let browser: Browser;
  let postBuild: ReturnType<typeof spawnSync>;

  beforeAll(async () => {
    env = describeJupyter(ensureJupyterVenv(binderVenv, null, requirements)) as JupyterEnv;
    clone = join(mkdtempSync(join(tmpdir(), "pfnlab-binder-")), "pfnlab");
    execFileSync("git", ["clone", "-q", "--no-local", projectRoot, clone]);
    postBuild = spawnSync("bash", [join(clone, "binder", "postBuild")], {
      cwd: clone,
      env: binderEnv(),
      encoding: "utf8",
      timeout: 900_000,
    });
    server = await startServer(env, "lab", join(clone, ".jupyter-state"), { dir: clone, projectKernel: false });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs, headless: true });
  }, 1_800_000);

  afterAll(async () => {
    await browser?.close();
    server?.stop();
    if (clone) rmSync(join(clone, ".."), { recursive: true, force: true });
  });

  it("binder/requirements.txt pins the same front ends as requirements-jupyter.txt", () => {
    const pins = (file: string) =>
      readFileSync(file, "utf8")
        .split("\n")
        .map((l) => l.replace(/#.*/, "").trim())
        .filter(Boolean)
        .sort();
    expect(pins(requirements)).toEqual(pins(join(projectRoot, "requirements-jupyter.txt")));
    expect(env.lab, "JupyterLab in the Binder environment").toMatch(/^4\./);
    expect(
      existsSync(join(binderVenv, "share", "jupyter", "labextensions", "jupyterlab-plotly")),
      "plotly's JupyterLab renderer",
    ).toBe(true);
  });

  it("postBuild succeeds in a clean clone and registers the tslab kernel in the environment's sys-prefix", async () => {
    expect(postBuild.status, `postBuild failed:\n${String(postBuild.stderr).slice(-3000)}`).toBe(0);
    const r = await fetch(`${server.origin}/api/kernelspecs`, { headers: { Authorization: `token ${server.token}` } });
    const specs = (await r.json()) as { kernelspecs: Record<string, { spec: { argv: string[] } }> };
    const tslab = specs.kernelspecs.tslab;
    expect(tslab, `kernelspecs the Binder server sees: ${Object.keys(specs.kernelspecs).join(", ")}`).toBeDefined();
    expect(tslab.spec.argv[0].startsWith(clone), `the kernel runs the clone's tslab: ${tslab.spec.argv[0]}`).toBe(true);
    // Found in the environment's sys-prefix, as on Binder (the server has no JUPYTER_PATH of ours).
    const installed = JSON.parse(
      readFileSync(join(binderVenv, "share", "jupyter", "kernels", "tslab", "kernel.json"), "utf8"),
    ) as { argv: string[] };
    expect(installed.argv).toEqual(tslab.spec.argv);
  });

  it("JupyterLab from that environment runs 00-start-here and draws its figure with plotly's renderer", async () => {
    expect(postBuild.status).toBe(0);
    const run = await runNotebook(jupyterLab, server, browser, "00-start-here.ipynb", { dir: clone, label: "binder" });
    expect(run.sent.length).toBeGreaterThan(0);
    expectRendered(jupyterLab, run, "binder");
  });
});
