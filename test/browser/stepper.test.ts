// Be the scheduler, in the page: the stepper of notebook 04 in a real browser, in the
// Notebook `npm start` serves and in the HTML `npm run export` writes (offline, file://).
// Clicking follow four times, then zap, then "run default to the end" causes the v6.12
// stale pfn; the replay string the page shows reproduces it with `pfnlab replay`.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportNotebooks } from "../../src/grading/export";
import { projectRoot } from "../../src/runner";
import { CHROMIUM, chromiumArgs } from "../support/browser";
import { openAndRunAll, startNotebookServer } from "../support/notebook6";

const shots = join(projectRoot, "test-output", "browser");
const NB = "04-mmu-notifiers.ipynb";

/** Steps a stepper through `letters`, then the defaults to the end; what it shows then. */
async function play(root: Locator, letters: string): Promise<{ outcome: string; replay: string; status: string }> {
  for (const l of letters) await root.locator(`[data-role=step-${l}]`).click();
  await root.locator("[data-role=auto]").click();
  return {
    outcome: (await root.locator("[data-role=outcome]").textContent()) ?? "",
    replay: (await root.locator("[data-role=replay]").getAttribute("data-replay")) ?? "",
    status: (await root.locator("[data-role=status]").textContent()) ?? "",
  };
}

function pfnlabReplay(replay: string): string[] {
  const r = spawnSync(
    process.execPath,
    [join(projectRoot, "dist/cli/main.js"), "replay", "follow-vs-zap", replay, "--json"],
    { encoding: "utf8" },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout).outcomes;
}

/** The checks both places share: the race by hand, undo/reset, the fixed variant, nothing scrolls sideways. */
async function checkSteppers(page: Page, shot: string): Promise<void> {
  const steppers = page.locator(".pfnlab-stepper");
  expect(await steppers.count()).toBe(2);
  const v612 = steppers.nth(0);
  await v612.scrollIntoViewIfNeeded();
  expect(await v612.locator("[data-role=at-a]").textContent()).toMatch(/^src\/mm\/mmap-lock\.ts:\d+$/);
  const got = await play(v612, "aaaab");
  expect(got.outcome).toContain("Finished: stale-pfn");
  expect(got.status).toMatch(/preemptions 1 of 2/);
  expect(await v612.locator("[data-role=verdict]").textContent()).toMatch(
    /^stale-pfn: lookup of 0x[0-9a-f]+ returned pfn 0x10000005/,
  );
  await v612.screenshot({ path: join(shots, `${shot}-v6.12.png`) });
  expect(pfnlabReplay(got.replay)).toEqual(["stale-pfn"]);

  await v612.locator("[data-role=undo]").click();
  expect(await v612.locator("[data-role=status]").textContent()).toMatch(/^step 18 /);
  await v612.locator("[data-role=reset]").click();
  expect(await v612.locator("[data-role=status]").textContent()).toMatch(/^step 0 .*your schedule: \(none yet\)/);

  const fixed = await play(steppers.nth(1), "aaaab");
  expect(fixed.outcome).toContain("Finished: einval");
  expect(fixed.outcome).toContain("no failure");

  const overflow = await page.evaluate(() =>
    [...document.querySelectorAll(".pfnlab-stepper, .pfnlab-stepper *")]
      .filter((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== "visible")
      .map((e) => `${e.tagName}.${e.className}`),
  );
  expect(overflow).toEqual([]);
  const widths = await steppers.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
  for (const w of widths) expect(w).toBeLessThanOrEqual(960);
}

describe("the stepper in a real browser", () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("in the Notebook npm start serves: run notebook 04, cause the v6.12 race by clicking, replay it", async () => {
    const server = await startNotebookServer();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await openAndRunAll(page, server, NB);
      await page.waitForFunction(
        () => document.querySelectorAll(".pfnlab-stepper [data-role=status]").length === 2,
        undefined,
        { timeout: 180_000 },
      );
      await checkSteppers(page, "stepper-notebook");
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      server.child.kill("SIGINT");
    }
  });

  it("in the exported HTML, offline: the same clicks give the same race and replay string", async () => {
    const out = join(projectRoot, "test-output", "export-stepper");
    rmSync(out, { recursive: true, force: true });
    const [e] = await exportNotebooks(out, [NB]);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const remote: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) remote.push(r.url());
    });
    await page.goto(pathToFileURL(e!.html).href);
    await page.waitForSelector(".pfnlab-stepper [data-role=status]");
    await checkSteppers(page, "stepper-export");
    expect(remote).toEqual([]);
    await page.close();
  });
});
