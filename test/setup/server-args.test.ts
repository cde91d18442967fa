// The Jupyter command line `npm start` (and the browser tests) run, per installation and app.
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/runner";
// @ts-expect-error plain ESM helper, no types
import { serverArgs } from "../../scripts/lib/jupyter.mjs";

const asUser = (args: string[]) => args.filter((a) => a !== "--allow-root");
const nb6 = { jupyter: "/usr/bin/jupyter", frontend: "notebook", version: "6.4.12", lab: null };
const modern = { jupyter: "/p/.venv/bin/jupyter", frontend: "notebook", version: "7.5.8", lab: "4.5.11" };

describe("serverArgs", () => {
  it("Notebook 6: the classic app rooted at the project, opening notebooks/", () => {
    expect(asUser(serverArgs(nb6, ["--no-browser"]))).toEqual([
      "notebook",
      `--notebook-dir=${projectRoot}`,
      "--NotebookApp.default_url=/tree/notebooks",
      "--no-browser",
    ]);
  });

  it("Notebook 7 by default, JupyterLab with app=lab (npm start -- --lab), both on notebooks/", () => {
    expect(asUser(serverArgs(modern))).toEqual([
      "notebook",
      `--ServerApp.root_dir=${projectRoot}`,
      "--ServerApp.default_url=/tree/notebooks",
    ]);
    expect(asUser(serverArgs(modern, [], "lab"))).toEqual([
      "lab",
      `--ServerApp.root_dir=${projectRoot}`,
      "--ServerApp.default_url=/lab/tree/notebooks",
    ]);
    expect(asUser(serverArgs(modern, [], "lab", "/tmp/clone"))[1]).toBe("--ServerApp.root_dir=/tmp/clone");
  });

  it("refuses JupyterLab from a Jupyter that has none, saying how to get it", () => {
    expect(() => serverArgs(nb6, [], "lab")).toThrow(
      /\/usr\/bin\/jupyter has no JupyterLab; "npm start -- --lab" installs one into .venv/,
    );
  });
});
