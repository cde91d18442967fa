// Every notebook in the Notebook `npm start` serves, in a 1280x900 window, all cells run:
// no output scrolls sideways, no plotly legend or text lies outside its figure or under
// a legend. One screenshot per notebook in test-output/browser/layout-*.png (look at them).
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/runner";
import { CHROMIUM, chromiumArgs } from "../support/browser";
import { describeLayoutProblems, layoutProblems } from "../support/layout-check";
import {
  errorOutputs,
  figureCounts,
  NOTEBOOK6_OUTPUT,
  openAndRunAll,
  screenshotNotebook,
  startNotebookServer,
  type RunningJupyter,
} from "../support/notebook6";

const outDir = join(projectRoot, "test-output", "browser");
const notebooks = readdirSync(join(projectRoot, "notebooks"))
  .filter((f) => f.endsWith(".ipynb"))
  .sort();

describe("every notebook's outputs fit a 1280 px window in Notebook 6", () => {
  let server: RunningJupyter;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(outDir, { recursive: true });
    server = await startNotebookServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
    server?.child.kill("SIGINT");
  });

  it.each(notebooks)(
    "%s: no output scrolls sideways, no printed table row wraps, no figure text, legend or trace out of place",
    async (name) => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      try {
        await openAndRunAll(page, server, name);
        const errors = await errorOutputs(page);
        const figs = await figureCounts(page);
        const problems = await layoutProblems(page, { outputSelector: NOTEBOOK6_OUTPUT });
        await screenshotNotebook(page, join(outDir, `layout-${name.replace(/\.ipynb$/, "")}.png`));
        expect(errors, `${name}: error outputs`).toEqual([]);
        expect(figs.drawn, `${name}: figures drawn by plotly`).toBe(figs.figures);
        expect(describeLayoutProblems(problems), `${name}: layout problems`).toBe("");
      } finally {
        await page.close();
      }
    },
  );
});
