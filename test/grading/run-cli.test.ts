// pfnlab run refuses unknown parameters and ill-typed values before anything runs:
// no kernel starts and no output file appears.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { command as runCommand } from "../../src/cli/cmd-run";
import { runCli } from "../support/cli";

// Any kernel start goes through executeNotebook: count the calls (there must be none).
const executed = vi.hoisted(() => ({ calls: 0 }));
vi.mock("../../src/runner/execute", async (original) => ({
  ...(await original<typeof import("../../src/runner/execute")>()),
  executeNotebook: async () => {
    executed.calls++;
    throw new Error("executeNotebook must not run on bad arguments");
  },
}));

const fixture = join(__dirname, "..", "fixtures", "grading", "pages.ipynb");
const dir = mkdtempSync(join(tmpdir(), "pfnlab-run-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; err: string }> {
  const r = await runCli(runCommand, args);
  expect(executed.calls).toBe(0); // nothing was executed
  return r;
}

describe("pfnlab run argument errors", () => {
  it("an unknown parameter exits 2 naming it and the notebook's parameters", async () => {
    const out = join(dir, "a.ipynb");
    const r = await run([fixture, "-p", "pagez=3", "-o", out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      'pages.ipynb has no parameter "pagez" (its parameters: pages: number, base: number, label: string, verbose: boolean)',
    );
    expect(existsSync(out)).toBe(false);
  });

  it("a value of the wrong type exits 2 naming parameter, value, type and notebook", async () => {
    const out = join(dir, "b.ipynb");
    const r = await run([fixture, "-p", "pages=lots", "-o", out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('parameter pages="lots" is not a number: pages.ipynb declares pages: number');
    expect(existsSync(out)).toBe(false);
  });

  it("malformed or repeated -p and unknown flags exit 2, naming them", async () => {
    for (const [argv, message] of [
      [["-p", "pages"], "pfnlab run: -p pages must be written key=value"],
      [["-p", "pages=1", "-p", "pages=2"], "pfnlab run: -p pages is given twice"],
      [["--frobnicate"], "pfnlab run: unknown flag --frobnicate"],
      [["--timeout", "0"], "pfnlab run: --timeout 0 is not a positive number"],
    ] as const) {
      const r = await run([fixture, ...argv]);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err).toContain(message);
    }
  });
});

describe("pfnlab run on files that are not notebooks (issue 15)", () => {
  const root = join(__dirname, "..", "..");
  it.each([
    ["package.json", /pfnlab run: package\.json is not a Jupyter notebook: it has no "cells" list/],
    ["README.md", /pfnlab run: README\.md is not a Jupyter notebook: not JSON \(/],
    ["no-such-notebook.ipynb", /pfnlab run: cannot read no-such-notebook\.ipynb: no such file/],
  ])("%s exits 2 with a message naming the file", async (file, msg) => {
    const r = await run([join(root, file)]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg);
    expect(r.err).not.toMatch(/Cannot read properties|Unexpected token|ENOENT/);
  });

  it("the instructors' doc example names parameters 03-huge-pfnmaps really has", async () => {
    const { readFileSync } = await import("node:fs");
    const doc = readFileSync(join(root, "docs", "instructors.md"), "utf8");
    const line = doc.split("\n").find((l) => l.startsWith("pfnlab run notebooks/03-huge-pfnmaps.ipynb"));
    expect(line).toBeDefined();
    const tokens = line!.split(/\s+/).slice(2);
    const { injectParameters } = await import("../../src/grading/run");
    const { readNotebook } = await import("../../src/runner/notebook");
    const params: Record<string, string> = {};
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i] !== "-p") continue;
      const [k, v] = tokens[i + 1].split("=");
      params[k] = v;
    }
    expect(Object.keys(params).length).toBeGreaterThan(0);
    expect(() => injectParameters(readNotebook(join(root, tokens[0])), "03-huge-pfnmaps.ipynb", params)).not.toThrow();
  });
});
