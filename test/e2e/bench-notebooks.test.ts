// The notebooks benchmark with a real kernel, on one tiny notebook: both the notebook
// and its floor run, the cell counts match and the numbers are sane (never timed).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultOptions, type BenchReport } from "../../src/bench/harness";
import { jupyterReady, makeNotebooksBenchmark } from "../../src/bench/notebooks";
import { writeNotebook } from "../../src/runner/notebook";

const dir = mkdtempSync(join(tmpdir(), "pfnlab-bench-e2e-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("notebooks benchmark (kernel)", () => {
  it.skipIf(!jupyterReady())("times a tiny notebook and its floor in the tslab kernel", async () => {
    const path = join(dir, "tiny.ipynb");
    writeNotebook(path, {
      cells: [
        { id: "md", cell_type: "markdown", source: "# tiny", metadata: {} },
        {
          id: "c1",
          cell_type: "code",
          source: "const n: number = 6 * 7;",
          metadata: {},
          outputs: [],
          execution_count: null,
        },
        { id: "c2", cell_type: "code", source: "console.log(n);", metadata: {}, outputs: [], execution_count: null },
      ],
      metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
      nbformat: 4,
      nbformat_minor: 5,
    });
    const rep = (await makeNotebooksBenchmark({ paths: [path] }).run(
      defaultOptions(true, () => undefined),
    )) as BenchReport;
    expect(rep.skipped).toBeUndefined();
    expect(rep.rows).toHaveLength(1);
    const r = rep.rows[0]!;
    expect(r.case).toBe("tiny.ipynb");
    expect(r.extra).toMatchObject({ codeCells: 2 });
    expect(r.extra!.failed).toBeUndefined();
    expect(r.baseline!.name).toBe("2 trivial cells");
    expect(r.value).toBeGreaterThan(0);
    expect(r.baseline!.value).toBeGreaterThan(0);
    expect(Number.isFinite(r.ratio)).toBe(true);
  });
});
