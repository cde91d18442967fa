// "Try changing X" as students do it: edit one cell, re-run only the cells the text names, in
// the kernel that already ran the notebook. The result must be what a run from the top with
// the same edit gives (01's `touches`), and 02's PMD probe moved past its leaf must show the
// leaf it lands in (no ✗, no PTE walk under a PMD title).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { codeCell } from "../../src/grading/cells";
import {
  executeNotebook,
  joinText,
  projectRoot,
  readNotebook,
  writeNotebook,
  type ExecuteResult,
  type Notebook,
} from "../../src/runner";
import { PLOTLY_MIME } from "../../src/display/bundle";

const dir = join(projectRoot, "test-output", "rerun-edited-cells");
const src = (name: string) => readNotebook(join(projectRoot, "notebooks", name));
const indexOf = (nb: Notebook, needle: string) => {
  const i = nb.cells.findIndex((c) => c.cell_type === "code" && joinText(c.source).includes(needle));
  if (i < 0) throw new Error(`no code cell contains ${needle}`);
  return i;
};
const textOf = (r: ExecuteResult, i: number) =>
  (r.notebook.cells[i]?.outputs ?? [])
    .filter((o) => o.output_type === "stream")
    .map((o) => joinText(o.text as string | string[]))
    .join("");
const figOf = (r: ExecuteResult, i: number) =>
  (r.notebook.cells[i]?.outputs ?? [])
    .map((o) => (o.data as Record<string, unknown> | undefined)?.[PLOTLY_MIME])
    .find(Boolean) as { data: unknown[]; layout: { title: { text: string } } } | undefined;
const clean = (r: ExecuteResult) =>
  expect(r.failures.map((f) => `cell ${f.cell}: ${f.text.slice(0, 300)}`)).toEqual([]);

describe("01: change `touches`, re-run the parameters cell and the touch cell only", () => {
  const nb = src("01-io-and-pfn-mappings.ipynb");
  const params = indexOf(nb, "const touches = 150;");
  const touch = indexOf(nb, "const lazy = touchSeries(");
  const edited = joinText(nb.cells[params]!.source).replace("const touches = 150;", "const touches = 400;");
  let fromTop: ExecuteResult;
  let rerun: ExecuteResult;
  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    const copy = JSON.parse(JSON.stringify(nb)) as Notebook;
    copy.cells[params]!.source = edited;
    const path = join(dir, "01-touches-400.ipynb");
    writeNotebook(path, copy);
    fromTop = await executeNotebook(path, { cellTimeout: 60 });
    rerun = await executeNotebook(join(projectRoot, "notebooks", "01-io-and-pfn-mappings.ipynb"), {
      cellTimeout: 60,
      appendCells: () => [codeCell("rerun-params", edited), codeCell("rerun-touch", joinText(nb.cells[touch]!.source))],
    });
  }, 240_000);

  it("both runs are clean", () => {
    clean(fromTop);
    clean(rerun);
  });

  it("the re-run touch cell prints and draws what a run from the top prints and draws", () => {
    const again = rerun.appendedFrom! + 1;
    expect(textOf(rerun, again)).toMatch(/^fault-time vma: 3 leaves before, \d+ after 400 more touches/m);
    expect(textOf(rerun, again)).toBe(textOf(fromTop, touch));
    expect(figOf(rerun, again)?.data).toEqual(figOf(fromTop, touch)?.data);
  });
});

describe("02: the PMD probe's offset moved to 0x200000, that cell and the walk re-run", () => {
  const nb = src("02-follow-pfnmap.ipynb");
  const probes = indexOf(nb, "const probesOk = [");
  const pmdWalk = indexOf(nb, "walkFigure(mm, probesOk[1].address");
  let r: ExecuteResult;
  beforeAll(async () => {
    const edited = joinText(nb.cells[probes]!.source).replace("PUD_SIZE + 0x1234ab", "PUD_SIZE + 0x200000");
    expect(edited).not.toBe(joinText(nb.cells[probes]!.source));
    r = await executeNotebook(join(projectRoot, "notebooks", "02-follow-pfnmap.ipynb"), {
      cellTimeout: 60,
      appendCells: () => [
        codeCell("rerun-probes", edited),
        codeCell("rerun-walk", joinText(nb.cells[pmdWalk]!.source)),
      ],
    });
  }, 240_000);

  it("says the address lies in a PTE leaf and checks the pfn against that leaf (✓, never ✗)", () => {
    clean(r);
    const text = textOf(r, r.appendedFrom!);
    expect(text).toMatch(/^PMD probe at 0x[0-9a-f]+: this address lies in a PTE leaf, not a PMD leaf:$/m);
    expect(text).toMatch(/^PTE leaf: start\(0x[0-9a-f]+200000\) = 0$/m);
    expect(text).not.toContain("✗");
    expect(text.match(/✓/g)).toHaveLength(3);
  });

  it("titles the walk by the leaf it shows", () => {
    expect(figOf(r, r.appendedFrom! + 1)?.layout.title.text).toMatch(/^PTE leaf \(4 KiB\)/);
    // The same cell in the unedited notebook is the PMD walk.
    expect(figOf(r, pmdWalk)?.layout.title.text).toMatch(/^PMD leaf \(2 MiB\)/);
  });
});
