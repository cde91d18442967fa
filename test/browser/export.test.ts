// `npm run export` output in a real browser, offline (file://, no server): every figure
// renders with the copied plotly.js, and with scripts off every figure still shows its PNG.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportNotebooks, type ExportedNotebook } from "../../src/grading/export";
import { projectRoot } from "../../src/runner";
import { leaksUnder } from "../../src/grading";
import { CHROMIUM, chromiumArgs } from "../support/browser";

const outDir = join(projectRoot, "test-output", "export");
const shots = join(projectRoot, "test-output", "browser");

describe("exported HTML renders offline", () => {
  let browser: Browser;
  let exported: ExportedNotebook[];

  beforeAll(async () => {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(shots, { recursive: true });
    exported = await exportNotebooks(outDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("exports every notebook; the four teaching notebooks have at least three figures each", () => {
    expect(exported.map((e) => e.notebook)).toEqual(
      expect.arrayContaining(["00-start-here.ipynb", "04-mmu-notifiers.ipynb"]),
    );
    for (const e of exported) {
      if (/^0[1-4]-/.test(e.notebook)) expect(e.figures, e.notebook).toBeGreaterThanOrEqual(3);
      if (e.notebook.startsWith("00-")) expect(e.figures, e.notebook).toBeGreaterThanOrEqual(1);
    }
  });

  it("writes no solution marker or hidden check into the export folder", () => {
    expect(exported.map((e) => e.notebook)).toContain("05-exercises.ipynb");
    expect(leaksUnder(outDir)).toEqual([]);
  });

  it("numbers every executed code cell: no empty In [ ]: prompt", () => {
    for (const e of exported) {
      const html = readFileSync(e.html, "utf8");
      expect(html, `${e.notebook}: empty input prompts`).not.toMatch(/In(&nbsp;|\s)\[(&nbsp;|\s)*\]:/);
      expect(html, `${e.notebook}: numbered prompts`).toMatch(/In(&nbsp;|\s)\[1\]:/);
    }
  });

  it("renders every figure with plotly.js from the export folder (no network)", async () => {
    for (const e of exported) {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const remote: string[] = [];
      page.on("request", (r) => {
        if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) remote.push(r.url());
      });
      await page.goto(pathToFileURL(e.html).href);
      await page
        .waitForFunction(
          (n) =>
            document.querySelectorAll(".js-plotly-plot svg.main-svg").length > 0 &&
            [...document.querySelectorAll(".js-plotly-plot")].filter((p) => p.querySelector("svg.main-svg")).length >=
              n,
          e.figures,
          { timeout: 60_000 },
        )
        .catch(() => undefined);
      const rendered = await page.evaluate(
        () => [...document.querySelectorAll(".js-plotly-plot")].filter((p) => p.querySelector("svg.main-svg")).length,
      );
      await page.screenshot({ path: join(shots, `export-${basename(e.html, ".html")}.png`), fullPage: true });
      await page.close();
      expect(rendered, `${e.notebook}: plots rendered`).toBe(e.figures);
      expect(remote, `${e.notebook}: requests that left the machine`).toEqual([]);
    }
  });

  it("shows a PNG for every figure when scripts are off", async () => {
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    for (const e of exported) {
      const page = await ctx.newPage();
      await page.goto(pathToFileURL(e.html).href);
      const images = await page.evaluate(
        () =>
          [...document.querySelectorAll("img")].filter(
            (i) => i.src.startsWith("data:image/png") && i.naturalWidth > 100,
          ).length,
      );
      expect(images, `${e.notebook}: PNG fallbacks`).toBeGreaterThanOrEqual(e.figures);
    }
    await ctx.close();
  });
});
