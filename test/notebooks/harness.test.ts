// The harness itself must be able to fail: a notebook whose cell throws is reported
// with its name, the cell index and the error text, and later cells do not hide it.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeFailures, executeNotebook, projectRoot, writeNotebook, type Notebook } from "../../src/runner";

const scratch = join(projectRoot, "test-output", "harness");

function notebook(sources: string[]): Notebook {
  return {
    cells: sources.map((s, i) => ({
      id: `c${i}`,
      cell_type: "code",
      source: s,
      metadata: {},
      outputs: [],
      execution_count: null,
    })),
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript (pfnlab)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/**
 * A kernelspec `name` under `root` (fresh) that runs the shell code `before` and then the
 * project's tslab: a kernel that can hang on purpose.
 */
function wrappedTslab(root: string, name: string, before: string): void {
  const real = JSON.parse(
    readFileSync(join(projectRoot, ".jupyter-local", "share", "jupyter", "kernels", "tslab", "kernel.json"), "utf8"),
  ) as { argv: string[] };
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, "kernels", name), { recursive: true });
  const argv = ["sh", "-c", `${before}; exec "$@"`, "sh", ...real.argv];
  writeFileSync(
    join(root, "kernels", name, "kernel.json"),
    JSON.stringify({ argv, display_name: name, language: "typescript" }),
  );
}

describe("the notebook harness", () => {
  mkdirSync(scratch, { recursive: true });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("names the notebook and cell when a cell throws", async () => {
    const path = join(scratch, "throws.ipynb");
    writeNotebook(
      path,
      notebook([
        'import { PAGE_SIZE } from "pfnlab";',
        "console.log(PAGE_SIZE);",
        'throw new Error("planted failure");',
        'console.log("after");',
      ]),
    );
    const r = await executeNotebook(path, { cellTimeout: 30 });
    const text = describeFailures(path, r.failures);
    expect(text).toContain("throws.ipynb cell 2");
    expect(text).toContain("planted failure");
    expect(r.failures.map((f) => f.cell)).toEqual([2]);
    // The imported package really ran: cell 1 printed PAGE_SIZE.
    expect(JSON.stringify(r.notebook.cells[1].outputs)).toContain("4096");
  });

  it("reports a type error, which tslab prints on stderr", async () => {
    const path = join(scratch, "typeerror.ipynb");
    writeNotebook(path, notebook(['const n: number = "not a number";']));
    const r = await executeNotebook(path, { cellTimeout: 30 });
    expect(describeFailures(path, r.failures)).toMatch(/typeerror\.ipynb cell 0 \(stderr\): .*not assignable/);
  });

  it("stops a cell that runs past its timeout and names it", async () => {
    // 12 s: the first cell ("1 + 1") must finish within it even on a loaded machine.
    const path = join(scratch, "loops.ipynb");
    writeNotebook(path, notebook(["1 + 1;", "while (true) {}"]));
    const r = await executeNotebook(path, { cellTimeout: 12 });
    expect(r.status).toBe("timeout");
    expect(describeFailures(path, r.failures)).toContain("loops.ipynb cell 1 (timeout)");
  });

  it("starts the kernel again, with more time, when the first start does not answer", async () => {
    // A kernelspec whose first start hangs (as tslab does on a loaded machine) and whose
    // second start is the real tslab: the run succeeds and lists the failed try.
    const root = join(scratch, "slow-start");
    const mark = join(root, "first-start");
    wrappedTslab(root, "tslab-slow", `if [ ! -e "${mark}" ]; then : > "${mark}"; exec sleep 600; fi`);
    const path = join(scratch, "slow.ipynb");
    writeNotebook(path, notebook(['import { PAGE_SIZE } from "pfnlab";', "console.log(PAGE_SIZE * 2);"]));
    const r = await executeNotebook(path, {
      cellTimeout: 60,
      kernel: "tslab-slow",
      kernelSpecPath: [root],
      startupTimeout: 4,
      startAttempts: 5,
    });
    expect(existsSync(mark)).toBe(true);
    expect(r.startFailures.length).toBeGreaterThanOrEqual(1);
    expect(r.startFailures[0]).toMatch(/did not start: .*respond in 4 seconds/);
    expect(r.status).toBe("ok");
    expect(r.failures).toEqual([]);
    expect(JSON.stringify(r.notebook.cells[1].outputs)).toContain("8192");
  });

  it("after a cell timeout, starts the replacement kernel again when it does not answer, and goes on", async () => {
    // The first start answers; the restart after the endless loop hangs; the next try answers.
    const root = join(scratch, "slow-restart");
    const [first, second] = [join(root, "first"), join(root, "second")];
    wrappedTslab(
      root,
      "tslab-slow2",
      `if [ -e "${first}" ] && [ ! -e "${second}" ]; then : > "${second}"; exec sleep 600; fi; : > "${first}"`,
    );
    const path = join(scratch, "restart.ipynb");
    writeNotebook(path, notebook(['const x = 21; console.log("set");', "while (true) {}", "console.log(x * 2);"]));
    const r = await executeNotebook(path, {
      cellTimeout: 12,
      restarts: 1,
      kernel: "tslab-slow2",
      kernelSpecPath: [root],
      startupTimeout: 6,
      startAttempts: 4,
    });
    expect(existsSync(second)).toBe(true);
    expect(r.startFailures[0]).toMatch(/did not restart: .*respond in 6 seconds/);
    expect(r.failures.map((f) => [f.cell, f.kind])).toEqual([[1, "timeout"]]);
    // Cell 0 was replayed in the replacement kernel, so cell 2 sees x.
    expect(JSON.stringify(r.notebook.cells[2].outputs)).toContain("42");
  });
});
