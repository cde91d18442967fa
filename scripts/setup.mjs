#!/usr/bin/env node
// One set-up step for `npm start` and `npm test`: install what is missing, build,
// find or install Jupyter, register the tslab kernel. Quick when all is in place.
//
//   node scripts/setup.mjs               node packages, build, Jupyter, project kernelspec
//   node scripts/setup.mjs --for-test    ... and a Chromium for the browser tests
//   node scripts/setup.mjs --user-kernel ... and a user-level kernelspec (VS Code, your JupyterLab)
//   node scripts/setup.mjs --modern      ... with JupyterLab 4 + Notebook 7 in .venv (pip), even
//                                            when another Jupyter is installed
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { envFile, jupyterData, log, probe, root, run, venv } from "./lib/env.mjs";
import { aptLockWaitSeconds, waitForAptLocks } from "./lib/apt-lock.mjs";
import { describeJupyter } from "./lib/find-jupyter.mjs";
import { ensureJupyterVenv, pipReachable, requirementsFile, venvIsCurrent, venvIsOurs } from "./lib/jupyter-venv.mjs";

const args = new Set(process.argv.slice(2));
const t0 = process.hrtime.bigint();
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const isDebian = existsSync("/etc/debian_version") && probe("apt-get", ["--version"]) !== null;
const debianJupyter = ["jupyter-notebook", "jupyter-nbconvert", "python3-nbclient", "fonts-dejavu-core"];
let aptUpdated = false;

// Another apt/dpkg at work: wait for it (bounded, saying for what), and let apt-get
// itself wait a little too for a lock taken between our check and its start.
function aptGet(args, opts) {
  waitForAptLocks({ log });
  run("apt-get", ["-o", `DPkg::Lock::Timeout=${Math.min(60, aptLockWaitSeconds())}`, ...args], opts);
}

function aptInstall(pkgs) {
  if (!aptUpdated) aptGet(["update", "-qq"]);
  aptUpdated = true;
  aptGet(["install", "-y", "-qq", "--no-install-recommends", ...pkgs], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

function sha(parts) {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

function filesUnder(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out.sort();
}

// 1. Node packages: `npm ci` when node_modules is missing or older than the lockfile.
function nodePackages() {
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 20) throw new Error(`Node.js ${process.versions.node} is too old: pfnlab needs Node.js 20 or newer`);
  const lock = join(root, "package-lock.json");
  const stampFile = join(root, "node_modules", ".pfnlab-stamp");
  const want = sha([readFileSync(join(root, "package.json")), existsSync(lock) ? readFileSync(lock) : ""]);
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === want) return;
  log(existsSync(join(root, "node_modules")) ? "node_modules is stale: npm ci" : "installing node packages: npm ci");
  run("npm", [existsSync(lock) ? "ci" : "install", "--no-audit", "--no-fund"], { cwd: root });
  writeFileSync(stampFile, want);
}

// 2. Build src/ -> dist/ with the project's own TypeScript, when src changed.
function build() {
  const inputs = [...filesUnder(join(root, "src")), join(root, "tsconfig.json"), join(root, "tsconfig.build.json")];
  const want = sha(inputs.flatMap((f) => [relative(root, f), readFileSync(f)]));
  const stampFile = join(root, "dist", ".build-stamp");
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === want) return;
  log("building src/ -> dist/");
  // Build beside dist/ and swap it in, so a running kernel or test never sees dist/ half
  // written or missing, and files of deleted sources do not linger.
  const next = join(root, `.dist-next-${process.pid}`);
  const old = join(root, `.dist-old-${process.pid}`);
  rmSync(next, { recursive: true, force: true });
  try {
    run(
      process.execPath,
      [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json", "--outDir", next],
      { cwd: root },
    );
  } catch (e) {
    rmSync(next, { recursive: true, force: true });
    throw new Error(`${e.message}\npfnlab: the build has type errors (above); dist/ was left as it was`);
  }
  writeFileSync(join(next, ".build-stamp"), want);
  if (existsSync(join(root, "dist"))) renameSync(join(root, "dist"), old);
  renameSync(next, join(root, "dist"));
  rmSync(old, { recursive: true, force: true });
}

// 3. `import ... from "pfnlab"` from notebooks/: node_modules/pfnlab -> the project;
//    and `npx pfnlab ...`: node_modules/.bin/pfnlab -> the built CLI.
function linkBin() {
  const cli = join(root, "dist", "cli", "main.js");
  if (!existsSync(cli)) return;
  chmodSync(cli, 0o755);
  const link = join(root, "node_modules", ".bin", "pfnlab");
  try {
    if (lstatSync(link).isSymbolicLink()) return;
    rmSync(link, { force: true });
  } catch {
    /* absent */
  }
  symlinkSync(join("..", "pfnlab", "dist", "cli", "main.js"), link);
}

function linkSelf() {
  const link = join(root, "node_modules", "pfnlab");
  try {
    if (lstatSync(link).isSymbolicLink()) return;
    rmSync(link, { recursive: true, force: true });
  } catch {
    /* absent */
  }
  symlinkSync("..", link, "dir");
}

// 4. Jupyter: one that is there, else pip into .venv (JupyterLab 4 + Notebook 7 + plotly,
//    pinned in requirements-jupyter.txt), else Debian packages, else say how.
//    --modern: make that .venv even when another Jupyter is there (it is found first after).
function findJupyter() {
  const candidates = [join(venv, "bin", "jupyter"), probe("sh", ["-c", "command -v jupyter"]), "/usr/bin/jupyter"];
  for (const c of candidates) {
    if (c && existsSync(c)) {
      const d = describeJupyter(c);
      if (d) return d;
    }
  }
  return null;
}

function jupyter() {
  let found = args.has("--modern") ? null : findJupyter();
  // A .venv this script made from older pins: bring it up to the current ones where pip can
  // (else it stays as it is: still a usable Jupyter).
  if (found && found.jupyter === join(venv, "bin", "jupyter") && venvIsOurs(venv) && !venvIsCurrent(venv)) {
    const py = pipReachable();
    if (py) {
      ensureJupyterVenv(venv, py);
      found = findJupyter();
    }
  }
  if (!found) {
    const py = pipReachable();
    if (py) {
      ensureJupyterVenv(venv, py);
    } else if (args.has("--modern")) {
      throw new Error(
        `pfnlab: --modern needs pip and its package index; install them yourself:\n  python3 -m pip install -r ${requirementsFile}`,
      );
    } else if (isRoot && isDebian) {
      log(`no Jupyter found and no Python package index: installing Debian's ${debianJupyter.join(" ")}`);
      aptInstall(debianJupyter);
    } else {
      throw new Error(
        "pfnlab: no Jupyter found. Install one, then re-run:\n" +
          `  python3 -m pip install -r ${requirementsFile}   # JupyterLab 4 + Notebook 7 + plotly\n` +
          `  sudo apt-get install -y --no-install-recommends ${debianJupyter.join(" ")}   # Debian/Ubuntu, Notebook 6`,
      );
    }
    found = findJupyter();
    if (!found)
      throw new Error("pfnlab: Jupyter was installed but is still not usable (jupyter notebook --version fails)");
  }
  mkdirSync(join(root, ".jupyter-local"), { recursive: true });
  writeFileSync(envFile, JSON.stringify(found, null, 2) + "\n");
  return found;
}

// 5. The tslab kernelspec, project-local (found through JUPYTER_PATH) and optionally per user.
function kernelSpec() {
  return {
    argv: [join(root, "node_modules", ".bin", "tslab"), "kernel", "--config-path", "{connection_file}"],
    display_name: "TypeScript (pfnlab)",
    language: "typescript",
  };
}

function writeKernelSpec(dataDir) {
  const dir = join(dataDir, "kernels", "tslab");
  mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(kernelSpec(), null, 2) + "\n";
  const file = join(dir, "kernel.json");
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text);
  return dir;
}

// 6. Chromium for the browser tests.
function chromium() {
  for (const c of ["/usr/bin/chromium", probe("sh", ["-c", "command -v chromium"])]) if (c && existsSync(c)) return c;
  if (isRoot && isDebian) {
    log("installing Debian's chromium for the browser tests");
    aptInstall(["chromium"]);
    return "/usr/bin/chromium";
  }
  throw new Error("pfnlab: the browser tests need Chromium: sudo apt-get install -y chromium");
}

try {
  nodePackages();
  linkSelf();
  build();
  linkBin();
  const j = jupyter();
  writeKernelSpec(jupyterData);
  if (args.has("--user-kernel")) {
    const userData = probe(j.jupyter, ["--data-dir"]);
    log(
      `user-level kernelspec: ${writeKernelSpec(userData)} (VS Code and your own JupyterLab list "TypeScript (pfnlab)")`,
    );
  }
  if (args.has("--for-test")) chromium();
  const ms = Number((process.hrtime.bigint() - t0) / 1000000n);
  const lab = j.lab && j.frontend !== "lab" ? ` + JupyterLab ${j.lab}` : "";
  log(`ready in ${ms} ms: ${j.frontend} ${j.version}${lab} (${j.jupyter}), kernel "tslab" in ${jupyterData}`);
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}
