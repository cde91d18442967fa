// Driving classic Notebook 6 (the Debian one `npm start` serves) from playwright:
// start the server, open a notebook, run all cells, wait for figures, screenshot the whole notebook.
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import type { Page } from "playwright-core";
// @ts-expect-error plain ESM helper shared with scripts/start.mjs, no types
import { startJupyter } from "../../scripts/lib/jupyter.mjs";

/** Selector of one output in Notebook 6 (for layout-check.ts). */
export const NOTEBOOK6_OUTPUT = ".output_area";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export interface RunningJupyter {
  child: ChildProcess;
  /** Server origin, e.g. http://127.0.0.1:41234 */
  origin: string;
  token: string;
}

/** The server `npm start` runs, on a port the OS chose. Stop it with `child.kill("SIGINT")`. */
export async function startNotebookServer(): Promise<RunningJupyter> {
  const port = await freePort();
  const { child, url } = (await startJupyter(["--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0"], {
    echo: false,
  })) as {
    child: ChildProcess;
    url: string;
  };
  const u = new URL(url);
  return { child, origin: u.origin, token: u.searchParams.get("token") ?? "" };
}

/**
 * Waits until the page's kernel is connected and answered kernel_info (Notebook 6 stores
 * the reply). tslab starts in 2-3 s, but on a loaded machine a start once went unanswered
 * for a minute (CI, nbexec.py): a kernel silent for 90 s is replaced once (a new session,
 * as shutting it down and opening the notebook again would) and gets 150 s more.
 */
export async function waitForNotebook6Kernel(page: Page): Promise<void> {
  const answered = (timeout: number) =>
    page.waitForFunction(
      () => {
        const J = (window as unknown as { Jupyter?: any }).Jupyter;
        return J?.notebook?.kernel?.is_connected?.() && !!J.notebook.kernel.info_reply?.protocol_version;
      },
      undefined,
      { timeout },
    );
  try {
    await answered(90_000);
  } catch {
    // A new session: a new kernel process on new ports (a kernel restart keeps the ports).
    await page.evaluate(() => (window as unknown as { Jupyter: any }).Jupyter.notebook.session.restart());
    await answered(150_000);
  }
}

/**
 * Opens `notebooks/<name>` in Notebook 6, runs all cells and waits until no cell is
 * busy and every pfnlab figure has been drawn by plotly (or gave up: the PNG stays).
 */
export async function openAndRunAll(
  page: Page,
  server: RunningJupyter,
  name: string,
  timeoutMs = 240_000,
): Promise<void> {
  await page.goto(`${server.origin}/notebooks/notebooks/${name}?token=${server.token}`);
  await waitForNotebook6Kernel(page);
  await page.evaluate(() => (window as unknown as { Jupyter: any }).Jupyter.notebook.execute_all_cells());
  // Busy cells show "In [*]"; when the last one finished none does.
  await page.waitForFunction(
    () => ![...document.querySelectorAll(".input_prompt")].some((p) => p.textContent?.includes("*")),
    undefined,
    { timeout: timeoutMs, polling: 500 },
  );
  // Figures: the loader replaces each pfnlab-figure's PNG by a plotly plot.
  await page
    .waitForFunction(
      () => [...document.querySelectorAll(".pfnlab-figure")].every((d) => d.querySelector("svg.main-svg")),
      undefined,
      { timeout: 30_000 },
    )
    .catch(() => undefined);
}

/** Text of every stderr/error output on the page (empty when the run was clean). */
export function errorOutputs(page: Page): Promise<string[]> {
  return page.locator(".output_stderr, .output_error").allTextContents();
}

/** Number of pfnlab figures and how many plotly drew. */
export function figureCounts(page: Page): Promise<{ figures: number; drawn: number }> {
  return page.evaluate(() => {
    const figs = [...document.querySelectorAll(".pfnlab-figure")];
    return { figures: figs.length, drawn: figs.filter((d) => d.querySelector("svg.main-svg")).length };
  });
}

/**
 * A screenshot of the whole notebook: Notebook 6 scrolls inside #site, so let the page
 * grow to the notebook's height first (the window stays as wide as it was).
 */
export async function screenshotNotebook(page: Page, path: string): Promise<void> {
  await page.addStyleTag({
    content:
      "html,body{height:auto!important;overflow:visible!important;position:static!important} #site{height:auto!important;overflow:visible!important;display:block!important}",
  });
  await page.screenshot({ path, fullPage: true });
}
