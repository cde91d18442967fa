// Errors from a student's edit, in a real tslab kernel: the message and the student's own
// lines (in this cell and in the cell that defined the function), no frame inside pfnlab,
// tslab or Node, no simulator source line or caret.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { codeCell } from "../../src/grading/cells";
import { executeNotebook, projectRoot, type ExecuteResult } from "../../src/runner";

const dir = join(projectRoot, "test-output", "cell-errors");
const kernel = { display_name: "TypeScript (pfnlab)", language: "typescript", name: "tslab" };

function notebook(name: string, cells: string[]): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify(
      {
        cells: cells.map((c, i) => codeCell(`c${i}`, c)),
        metadata: { kernelspec: kernel },
        nbformat: 4,
        nbformat_minor: 5,
      },
      null,
      1,
    ),
  );
  return path;
}

const setup = [
  'import { createKernel, createVfioPciBarDevice, remapPfnRange, mmapReadLock, cellErrorDetails } from "pfnlab";',
  'const k = createKernel();\nconst mm = k.createMm("proc");\nconst bar = k.addIoRegion({ name: "bar0", size: 0x100000 });\nconst dev = createVfioPciBarDevice(k, { bar });\nconst vma = dev.mmapBar(mm, {});\nmmapReadLock(mm);',
];
const stderrOf = (r: ExecuteResult) => r.failures.map((f) => f.text).join("\n");

describe("an error in a cell shows the message and the student's lines only", () => {
  let viaHelper: ExecuteResult;
  let detailed: ExecuteResult;
  beforeAll(async () => {
    viaHelper = await executeNotebook(
      notebook("via-helper.ipynb", [
        ...setup,
        "// my helper\nfunction mapPages(pages: number) {\n  const bytes: number = pages * 4096 + 1;\n  remapPfnRange(vma, vma.vmStart, bar.startPfn, bytes, vma.vmPageProt);\n}",
        'const n = 2;\nmapPages(n);\nconsole.log("not reached");',
      ]),
      { cellTimeout: 60 },
    );
    detailed = await executeNotebook(
      notebook("detailed.ipynb", [
        ...setup,
        "cellErrorDetails(true);",
        "remapPfnRange(vma, vma.vmStart, bar.startPfn, 0x1001, vma.vmPageProt);",
      ]),
      { cellTimeout: 60 },
    );
  }, 180_000);

  it("names the rule, then the line of this cell and the line of the helper's cell, and hides the rest", () => {
    expect(viaHelper.failures.map((f) => f.cell)).toEqual([3]);
    const lines = stderrOf(viaHelper).trim().split("\n");
    expect(lines[0]).toBe("PfnlabError: remapPfnRange: size 0x2001 is not page aligned");
    expect(lines[1]).toBe(
      "    at line 4 of cell In[3]: remapPfnRange(vma, vma.vmStart, bar.startPfn, bytes, vma.vmPageProt);",
    );
    expect(lines[2]).toBe("    at line 2 of this cell: mapPages(n);");
    expect(lines[3]).toMatch(
      /^ {4}\(\d+ frames inside pfnlab, tslab and Node hidden; cellErrorDetails\(true\) shows them\)$/,
    );
    expect(lines).toHaveLength(4);
    const text = stderrOf(viaHelper);
    expect(text).not.toMatch(/validate\.ts|remap\.ts|node:vm|\^/);
  });

  it("cellErrorDetails(true) brings the full stack back", () => {
    const text = stderrOf(detailed);
    expect(text).toContain("Error: remapPfnRange: size 0x1001 is not page aligned");
    expect(text).toMatch(/at checkSize \(.*validate\.ts:\d+:\d+\)/);
  });
});
