// The same checks for every front end, over every teaching notebook (00-04): each figure
// the kernel sent is rendered interactively from the right MIME type, with its traces
// drawn and its legend in view; no output scrolls sideways; no console error; its plotly
// JSON passes Plotly.validate (what VS Code renders). A figure
// that one front end renders and another does not fails the other's suite.
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, chromiumArgs } from "../../support/browser";
import type { FrontEnd } from "./drivers";
import { plotlyProblems } from "../../display/plotly-validate";
import { runNotebook, type NotebookRun } from "./session";
import { startServer, projectRoot, type JupyterEnv, type Server } from "./servers";
import { join } from "node:path";

export const teachingNotebooks = [
  "00-start-here.ipynb",
  "01-io-and-pfn-mappings.ipynb",
  "02-follow-pfnmap.ipynb",
  "03-huge-pfnmaps.ipynb",
  "04-mmu-notifiers.ipynb",
];

/**
 * `title` names the suite; `jupyter` finds (or makes: a pip install, minutes the first
 * time) the installation to drive; `skip` is a reason to skip it, or "" to run.
 */
export function frontEndSuite(title: string, fe: FrontEnd, jupyter: () => JupyterEnv, skip = ""): void {
  describe.skipIf(!!skip)(`${title}${skip ? ` (skipped: ${skip})` : ""}`, () => {
    let server: Server;
    let browser: Browser;

    beforeAll(async () => {
      server = await startServer(
        jupyter(),
        fe.app,
        join(projectRoot, "test-output", "frontends", fe.name, ".jupyter-state"),
      );
      browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs, headless: true });
    }, 900_000);

    afterAll(async () => {
      await browser?.close();
      server?.stop();
    });

    it.each(teachingNotebooks)(
      "%s: every figure renders interactively, legends in view, nothing overflows, no console error",
      async (nb) => {
        expectRendered(fe, await runNotebook(fe, server, browser, nb));
      },
    );
  });
}

/** The checks of one notebook's run (see the file comment). */
export function expectRendered(fe: FrontEnd, run: NotebookRun, label = fe.name): void {
  const where = `${label} ${run.notebook} (screenshots: test-output/frontends/${label}/)`;
  expect(run.problems, `${where}: the kernel reported errors`).toEqual([]);
  // One rendered figure per figure the kernel sent, in order, from the same data.
  const rendered = run.figures.map((f) => ({ cell: f.cell, traces: f.dataTraces }));
  expect(rendered, `${where}: figures rendered vs figures sent`).toEqual(
    run.sent.map((s) => ({ cell: s.cell, traces: s.traces })),
  );
  for (const [i, f] of run.figures.entries()) {
    const what = `${where} figure ${i + 1} "${run.sent[i].title}" (cell ${f.cell})`;
    expect(f.renderer, `${what}: drawn by`).toBe(fe.renderer);
    expect(f.hasMainSvg, `${what}: svg.main-svg`).toBe(true);
    expect(f.visibleTraces, `${what}: visible traces`).toBeGreaterThan(0);
    expect(f.drawnTraces, `${what}: g.trace groups drawn`).toBe(f.visibleTraces);
    if (f.showlegend) expect(f.legendSeen, `${what}: legend inside the output`).toBe(true);
    expect(f.figureRight, `${what}: right edge within the output area`).toBeLessThanOrEqual(f.areaRight + 1);
  }
  expect(run.overflows, `${where}: outputs that scroll sideways`).toEqual([]);
  // Steppers: each one the kernel sent runs its script here; clicking a a a a b causes the v6.12 stale pfn (notebook 04).
  expect(run.steppersLive, `${where}: live steppers vs steppers sent`).toBe(run.steppersSent);
  if (run.steppersSent > 0)
    expect(run.stepperOutcome, `${where}: the first stepper after a a a a b, end`).toContain("Finished: stale-pfn");
  expect(run.consoleErrors, `${where}: console errors`).toEqual([]);
  // What VS Code's renderer would get from the same outputs: plotly JSON plotly.js accepts.
  for (const [i, s] of run.sent.entries())
    expect(plotlyProblems(s.payload), `${where} figure ${i + 1} "${s.title}": Plotly.validate`).toEqual([]);
}
