// One teaching notebook through one front end, as a student would: open it, run all
// cells, save; then compare what the kernel sent (the saved notebook) with what the page
// shows, and keep screenshots of the page and of every figure.
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import type { Browser } from "playwright-core";
import { PLOTLY_MIME } from "../../../src/display/bundle";
import type { FrontEnd } from "./drivers";
import { inspectPage, type PageReport } from "./inspect";
import { projectRoot, type Server } from "./servers";

type Output = {
  output_type: string;
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
  data?: Record<string, any>;
};
type Cell = { cell_type: string; execution_count?: number | null; outputs?: Output[] };

/** A figure the kernel sent: the cell it came from and its number of traces. */
export interface SentFigure {
  cell: number;
  traces: number;
  title: string;
  /** Its application/vnd.plotly.v1+json part. */
  payload: unknown;
}

export interface NotebookRun extends PageReport {
  notebook: string;
  sent: SentFigure[];
  /** Error outputs and stderr text the kernel sent. */
  problems: string[];
  consoleErrors: string[];
  screenshots: string[];
  /** Stepper outputs (showStepper) the kernel sent, and how many the page made live (its script ran). */
  steppersSent: number;
  steppersLive: number;
  /** The first stepper after clicking a a a a b and "run default to the end": its outcome line. */
  stepperOutcome: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readCells(file: string): Cell[] {
  return (JSON.parse(readFileSync(file, "utf8")) as { cells: Cell[] }).cells;
}

/** The saved notebook once every code cell has an execution count (the save landed). */
async function savedCells(file: string, codeCells: number): Promise<Cell[]> {
  for (let i = 0; i < 300; i++) {
    try {
      const cells = readCells(file);
      if (cells.filter((c) => c.cell_type === "code" && c.execution_count).length === codeCells) return cells;
    } catch {
      /* being written */
    }
    await sleep(100);
  }
  throw new Error(`${file}: the front end did not save the executed notebook`);
}

function sentFigures(cells: Cell[]): SentFigure[] {
  return cells.flatMap((c, cell) =>
    (c.outputs ?? [])
      .filter((o) => o.data?.[PLOTLY_MIME])
      .map((o) => {
        const p = o.data![PLOTLY_MIME];
        return { cell, traces: p.data.length, title: String(p.layout?.title?.text ?? ""), payload: p };
      }),
  );
}

function steppersOf(cells: Cell[]): number {
  return cells
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => [o.data?.["text/html"] ?? ""].flat().join("").includes('class="pfnlab-stepper"')).length;
}

function problemsOf(cells: Cell[]): string[] {
  return cells.flatMap((c, cell) =>
    (c.outputs ?? []).flatMap((o) => {
      if (o.output_type === "error") return [`cell ${cell}: ${o.ename}: ${o.evalue}`];
      if (o.output_type === "stream" && o.name === "stderr")
        return [`cell ${cell} stderr: ${[o.text ?? ""].flat().join("").slice(0, 300)}`];
      return [];
    }),
  );
}

type Session = { id: string; path: string; kernel: { execution_state: string; connections?: number } };

async function api(server: Server, path: string, method = "GET"): Promise<any> {
  const r = await fetch(`${server.origin}${path}`, { method, headers: { Authorization: `token ${server.token}` } });
  if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status}`);
  return r.status === 204 ? null : r.json();
}

/**
 * Waits until the page's kernel for `path` answered and is idle: the server's own view
 * (front ends show "idle" before the kernel is even started; tslab takes seconds to start).
 */
async function kernelReady(server: Server, path: string, trackState: boolean): Promise<Session> {
  for (let i = 0; i < 2400; i++) {
    const sessions = (await api(server, "/api/sessions")) as Session[];
    const s = sessions.find((x) => x.path === path);
    if (s && (!trackState || s.kernel.execution_state === "idle") && (s.kernel.connections ?? 1) > 0) return s;
    await sleep(100);
  }
  throw new Error(`no idle kernel connected for ${path} after 240 s`);
}

/**
 * Runs <dir>/notebooks/<name> in a copy under <dir>/test-output/frontends/<label>/ (`dir`:
 * the server's root, default the project) and reports; screenshots go to the project's
 * test-output/frontends/<label>/<notebook>/.
 */
export async function runNotebook(
  fe: FrontEnd,
  server: Server,
  browser: Browser,
  name: string,
  { dir = projectRoot, label = fe.name }: { dir?: string; label?: string } = {},
): Promise<NotebookRun> {
  const outDir = join(dir, "test-output", "frontends", label);
  const shots = join(projectRoot, "test-output", "frontends", label, name.replace(/\.ipynb$/, ""));
  mkdirSync(shots, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  const copy = join(outDir, basename(name));
  copyFileSync(join(dir, "notebooks", name), copy);
  const codeCells = readCells(copy).filter((c) => c.cell_type === "code").length;

  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on("console", (m) => {
    if (fe.ignoreConsole(m.text(), m.location().url)) return;
    if (m.type() === "error" || (m.type() === "warning" && m.text().includes("pfnlab")))
      consoleErrors.push(`${m.type()}: ${m.text().slice(0, 400)}`);
  });
  page.on("pageerror", (e) =>
    consoleErrors.push(`page error: ${(e.stack ?? e.message).split("\n").slice(0, 4).join(" | ").slice(0, 600)}`),
  );
  let session: Session | null = null;
  try {
    const url = new URL(fe.notebookPath(relative(dir, copy)), server.origin);
    url.searchParams.set("token", server.token);
    await page.goto(url.href);
    session = await kernelReady(server, relative(dir, copy), fe.serverTracksKernelState);
    await fe.waitForKernel(page);
    await fe.runAll(page);
    await fe.waitForRun(page, codeCells);
    await fe.save(page);
    const cells = await savedCells(copy, codeCells);
    await fe.activateFigures(page);
    const report = await inspectPage(page, fe.outputSelector);
    const screenshots: string[] = [];
    const figs = page.locator(".js-plotly-plot");
    for (let i = 0; i < (await figs.count()); i++) {
      // Centred, then two frames: JupyterLab paints an offscreen cell only once it is in view.
      await figs.nth(i).evaluate(async (el) => {
        el.scrollIntoView({ block: "center" });
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      });
      await page.waitForTimeout(200);
      const file = join(shots, `figure-${String(i + 1).padStart(2, "0")}.png`);
      await page.screenshot({ path: file });
      screenshots.push(file);
    }
    // Be the scheduler (issue 19): every stepper came alive, and the first one plays the v6.12 race.
    const steppers = page.locator(".pfnlab-stepper");
    const steppersLive = await page.locator(".pfnlab-stepper [data-role=status]").count();
    let stepperOutcome: string | null = null;
    if (steppersLive > 0) {
      const st = steppers.first();
      await st.scrollIntoViewIfNeeded();
      for (const l of "aaaab") await st.locator(`[data-role=step-${l}]`).click();
      await st.locator("[data-role=auto]").click();
      stepperOutcome = await st.locator("[data-role=outcome]").textContent();
      const file = join(shots, "stepper.png");
      await st.screenshot({ path: file });
      screenshots.push(file);
    }
    return {
      notebook: name,
      sent: sentFigures(cells),
      problems: problemsOf(cells),
      consoleErrors,
      screenshots,
      ...report,
      steppersSent: steppersOf(cells),
      steppersLive,
      stepperOutcome,
    };
  } catch (e) {
    const file = join(shots, "failure.png");
    await page.screenshot({ path: file }).catch(() => undefined);
    throw new Error(
      `${fe.name} ${name}: ${(e as Error).message}\n(the page: ${relative(projectRoot, file)}; console: ${consoleErrors.join(" | ") || "-"})`,
    );
  } finally {
    await context.close();
    if (session) await api(server, `/api/sessions/${session.id}`, "DELETE").catch(() => undefined);
  }
}
