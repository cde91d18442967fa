// pfnlab run: a changed parameter changes the data the notebook computes, in the real
// kernel, and the executed notebook and its HTML are written.
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { command as runCommand } from "../../src/cli/cmd-run";
import { runCli } from "../support/cli";
import { projectRoot, readNotebook } from "../../src/runner";

const fixture = join(projectRoot, "test", "fixtures", "grading", "pages.ipynb");
const scratch = join(projectRoot, "test-output", "grading-run");

describe("pfnlab run", () => {
  mkdirSync(scratch, { recursive: true });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("injects -p values after the parameters cell and the figure data follows them", async () => {
    const out = join(scratch, "pages-8.ipynb");
    const { code } = await runCli(runCommand, [
      fixture,
      "-p",
      "pages=8",
      "-p",
      "base=0x200000",
      "-p",
      "label=bar9",
      "-p",
      "verbose=true",
      "-o",
      out,
      "--html",
      "--timeout",
      "30",
    ]);
    expect(code).toBe(0);
    const nb = readNotebook(out);
    const i = nb.cells.findIndex((c) => c.id === "params");
    expect(nb.cells[i + 1].metadata.tags).toEqual(["injected-parameters"]);
    const figureCell = nb.cells.find((c) => c.id === "figure")!;
    const text = (figureCell.outputs ?? [])
      .map((o) => (Array.isArray(o.text) ? o.text.join("") : (o.text ?? "")))
      .join("");
    const figure = JSON.parse(text.split("\n")[0]) as { data: { x: number[]; y: number[]; name: string }[] };
    // Defaults are pages=4, base=0x10000, label "bar0": every number moved with the parameters.
    expect(figure.data[0]).toEqual({ x: [0x200000, 0x200000 + 8 * 4096], y: [0, 8], name: "bar9" });
    expect(text).toContain("verbose on");
    const html = join(scratch, "pages-8.html");
    expect(existsSync(html)).toBe(true);
    expect(readFileSync(html, "utf8")).toContain("bar9");
  });
});
