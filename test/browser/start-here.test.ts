// A real browser against the same Jupyter server `npm start` runs: open
// 00-start-here, run all cells, and check that the plotly figure really rendered.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/runner";
import { CHROMIUM, chromiumArgs } from "../support/browser";
import { freePort, waitForNotebook6Kernel } from "../support/notebook6";
// @ts-expect-error plain ESM helper shared with scripts/start.mjs, no types
import { startJupyter } from "../../scripts/lib/jupyter.mjs";

const outDir = join(projectRoot, "test-output", "browser");

describe("00-start-here in a real browser", () => {
  let jupyter: { child: import("node:child_process").ChildProcess; url: string };
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(outDir, { recursive: true });
    const port = await freePort();
    jupyter = await startJupyter(["--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0"], {
      echo: false,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    jupyter?.child.kill("SIGINT");
  });

  it("runs all cells and renders the plotly figure (svg.main-svg with a trace)", async () => {
    const u = new URL(jupyter.url);
    const token = u.searchParams.get("token");
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${u.origin}/notebooks/notebooks/00-start-here.ipynb?token=${token}`);
    await waitForNotebook6Kernel(page);
    await page.evaluate(() => (window as unknown as { Jupyter: any }).Jupyter.notebook.execute_all_cells());
    await page.waitForSelector("svg.main-svg", { timeout: 90_000 });
    // Wait for the whole run to finish: no cell left with a busy prompt "In [*]".
    await page.waitForFunction(
      () =>
        !document.querySelector(".input_prompt")?.textContent?.includes("*") &&
        ![...document.querySelectorAll(".input_prompt")].some((p) => p.textContent?.includes("*")),
      undefined,
      { timeout: 90_000 },
    );
    const traces = await page.locator("svg.main-svg g.trace").count();
    const stderr = await page.locator(".output_stderr").allTextContents();
    const fig = page.locator(".js-plotly-plot").first();
    await fig.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(outDir, "00-start-here.png"), fullPage: true });
    await fig.screenshot({ path: join(outDir, "00-start-here-figure.png") });
    expect(stderr).toEqual([]);
    expect(traces).toBeGreaterThan(0);
  });
});
