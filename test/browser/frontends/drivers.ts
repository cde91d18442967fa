// How to drive each front end through the page a student sees: open a notebook, wait for
// the kernel, run all cells, wait for the run to end, save. JupyterLab 4 and Notebook 7
// share JupyterLab's widgets (Lumino menus, .jp-* classes); Notebook 6 is driven through
// its `Jupyter` global.
import type { Page } from "playwright-core";
import { waitForNotebook6Kernel } from "../../support/notebook6";

export interface FrontEnd {
  /** "lab", "notebook7", "notebook6": names screenshots and messages. */
  name: string;
  /** The Jupyter app to start. */
  app: "lab" | "notebook";
  /** Path of the page that opens a notebook (server-relative path of the .ipynb). */
  notebookPath(ipynb: string): string;
  /**
   * Whether the server's /api/sessions execution_state follows the kernel (Jupyter Server
   * 2 does; Notebook 6 leaves a tslab kernel at "starting": its page is asked instead).
   */
  serverTracksKernelState: boolean;
  /** Console errors of the front end itself, not of the notebook: why each is ignored. */
  ignoreConsole(text: string, url: string): boolean;
  /** What must draw the figures (RenderedFigure.renderer). */
  renderer: "plotly-mime" | "pfnlab-html";
  /** Does what a student does to make every figure interactive, and waits for it. */
  activateFigures(page: Page): Promise<void>;
  /** Selector of one output's rendered area, which must not scroll sideways. */
  outputSelector: string;
  waitForKernel(page: Page): Promise<void>;
  runAll(page: Page): Promise<void>;
  /** Resolves when every code cell ran (numbered prompts) and the kernel is idle. */
  waitForRun(page: Page, codeCells: number): Promise<void>;
  save(page: Page): Promise<void>;
}

const long = { timeout: Number(process.env.PFNLAB_UI_TIMEOUT_MS ?? 240_000) };

// JupyterLab 4 and Notebook 7: the same notebook widget and toolbar.
const labLike = {
  serverTracksKernelState: true,
  ignoreConsole: () => false,
  renderer: "plotly-mime" as const,
  // plotly's renderer shows the bundle's PNG first and builds the interactive figure when
  // the mouse enters the image (jupyterlab-plotly's RenderedPlotly): hover each one.
  async activateFigures(page: Page) {
    const figs = page.locator(".jp-RenderedPlotly");
    for (let i = 0; i < (await figs.count()); i++) {
      const fig = figs.nth(i);
      const svg = fig.locator("svg.main-svg").first();
      // Cells above settle to their real heights as they come into view (content-visibility),
      // so the image can move after scrolling: aim again until the figure is built.
      for (let attempt = 0; attempt < 8 && !(await svg.isVisible()); attempt++) {
        await fig.evaluate(async (el) => {
          el.scrollIntoView({ block: "center" });
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        });
        const img = fig.locator("img.plot-img");
        const box = (await img.isVisible()) ? await img.boundingBox() : null;
        if (box) {
          await page.mouse.move(1, 1);
          await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 2 });
        }
        await svg.waitFor({ timeout: 5_000 }).catch(() => undefined);
      }
      await svg.waitFor({ timeout: 60_000 });
    }
  },
  outputSelector: ".jp-OutputArea-output",
  async waitForKernel(page: Page) {
    await page.waitForSelector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', long);
    // Close the file browser (JupyterLab opens with it): the figures are made for the
    // ~960 px output area of a 1280 px window, which the open file browser narrows to ~850.
    const openTab = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current");
    if (await openTab.count()) await openTab.first().click();
  },
  async runAll(page: Page) {
    await page.locator(".lm-MenuBar-itemLabel", { hasText: /^Run$/ }).click();
    await page.locator(".lm-Menu-itemLabel", { hasText: /^Run All Cells$/ }).click();
  },
  async waitForRun(page: Page, codeCells: number) {
    await page.waitForFunction(
      (n) => {
        const prompts = [...document.querySelectorAll(".jp-CodeCell .jp-InputPrompt")].map((p) => p.textContent ?? "");
        const idle = document.querySelector('.jp-Notebook-ExecutionIndicator[data-status="idle"]');
        return idle && prompts.length === n && prompts.every((p) => /\[\d+\]/.test(p));
      },
      codeCells,
      long,
    );
  },
  async save(page: Page) {
    await page
      .locator(".jp-NotebookPanel-notebook")
      .first()
      .click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("Control+s");
  },
};

export const jupyterLab: FrontEnd = {
  name: "lab",
  app: "lab",
  // A workspace of its own per notebook: the default one would reopen the notebooks run before.
  notebookPath: (ipynb) => `/lab/workspaces/${ipynb.replace(/\W+/g, "-")}/tree/${ipynb}`,
  ...labLike,
};

export const notebook7: FrontEnd = {
  name: "notebook7",
  app: "notebook",
  notebookPath: (ipynb) => `/notebooks/${ipynb}`,
  ...labLike,
};

type Nb6Window = { Jupyter?: any };

export const notebook6: FrontEnd = {
  name: "notebook6",
  app: "notebook",
  notebookPath: (ipynb) => `/notebooks/${ipynb}`,
  serverTracksKernelState: false,
  // Debian's Notebook 6 enables the ipywidgets nbextension without shipping it: every page
  // logs a 404 for /nbextensions/widgets/... (the page works; nothing of ours).
  ignoreConsole: (text, url) => url.includes("/nbextensions/") || text.includes("/nbextensions/"),
  renderer: "pfnlab-html",
  // The html output's loader draws each figure as soon as plotly.js has loaded.
  async activateFigures() {},
  outputSelector: ".output_subarea",
  async waitForKernel(page: Page) {
    // Connected and the kernel answered kernel_info; a silent kernel is replaced once.
    await waitForNotebook6Kernel(page);
  },
  async runAll(page: Page) {
    await page.evaluate(() => (window as unknown as Nb6Window).Jupyter.notebook.execute_all_cells());
  },
  async waitForRun(page: Page, codeCells: number) {
    await page.waitForFunction(
      (n) => {
        const prompts = [...document.querySelectorAll(".code_cell .input_prompt")].map((p) => p.textContent ?? "");
        const idle = document.querySelector("#kernel_indicator_icon.kernel_idle_icon");
        return idle && prompts.length === n && prompts.every((p) => /\[\d+\]/.test(p));
      },
      codeCells,
      long,
    );
  },
  async save(page: Page) {
    await page.evaluate(() => (window as unknown as Nb6Window).Jupyter.notebook.save_notebook());
  },
};
