// pfnlab run refuses unknown parameters and ill-typed values before anything runs:
// no kernel starts and no output file appears.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main as runMain } from "../../src/cli/run";

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
  let err = "";
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const code = await runMain(args);
    expect(executed.calls).toBe(0); // nothing was executed
    return { code, err };
  } finally {
    spy.mockRestore();
  }
}

describe("pfnlab run argument errors", () => {
  it("an unknown parameter exits 2 naming it and the notebook's parameters", async () => {
    const out = join(dir, "a.ipynb");
    const r = await run([fixture, "-p", "pagez=3", "-o", out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('pages.ipynb has no parameter "pagez" (its parameters: pages: number, base: number, label: string, verbose: boolean)');
    expect(existsSync(out)).toBe(false);
  });

  it("a value of the wrong type exits 2 naming parameter, value, type and notebook", async () => {
    const out = join(dir, "b.ipynb");
    const r = await run([fixture, "-p", "pages=lots", "-o", out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('parameter pages="lots" is not a number: pages.ipynb declares pages: number');
    expect(existsSync(out)).toBe(false);
  });

  it("malformed -p and unknown options exit 2", async () => {
    expect((await run([fixture, "-p", "pages"])).err).toContain("-p pages is not name=value");
    expect((await run([fixture, "--frobnicate"])).err).toContain("unknown option --frobnicate");
  });
});
