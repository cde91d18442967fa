// Release: what students get must hold no solution text and no hidden check, in any
// field; variants derive deterministically from the course secret and the student id.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readNotebook, type Notebook } from "../../src/runner/notebook";
import { findParameters, hasTag, readManifest, release, studentCopy, stripSolutions } from "../../src/grading";

const fixture = join(__dirname, "..", "fixtures", "grading", "pages.ipynb");
const out = mkdtempSync(join(tmpdir(), "pfnlab-release-test-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const secretMarkers = [
  "HIDDEN-CHECK-MARKER",
  "SOLUTION-PROSE-MARKER",
  "SOLUTION-CELL-MARKER",
  "pages * PAGE_SIZE;",
  "Math.floor(addr / PAGE_SIZE)",
];

describe("pfnlab release", () => {
  it("removes solution regions, solution cells and hidden checks, and strips outputs", () => {
    const source = readNotebook(fixture);
    // Give the source outputs and metadata that mention the solution: none may survive.
    const dirty: Notebook = JSON.parse(JSON.stringify(source));
    dirty.cells[4].outputs = [{ output_type: "stream", name: "stdout", text: "16384 = pages * PAGE_SIZE;" }];
    dirty.cells[4].execution_count = 3;
    dirty.cells[4].metadata.scratch = "Math.floor(addr / PAGE_SIZE)";
    dirty.metadata.instructorNote = "HIDDEN-CHECK-MARKER";
    const copy = studentCopy(dirty, "pages.ipynb");
    const text = JSON.stringify(copy.notebook);
    for (const m of secretMarkers) expect(text, m).not.toContain(m);
    expect(copy.notebook.cells.some((c) => hasTag(c, "hidden-check") || hasTag(c, "solution"))).toBe(false);
    expect(
      copy.notebook.cells.every((c) => (c.outputs ?? []).length === 0 && (c.execution_count ?? null) === null),
    ).toBe(true);
    expect(copy.regions).toBe(3);
    expect(copy.hiddenChecks).toBe(2);
    expect(text).toContain("const answerBytes: number = 0; // replace 0 with your answer");
    expect(text).toContain('throw new Error(\\"not implemented\\");');
    expect(text).toContain("*Your answer here.*");
    // The visible check and the parameters stay.
    expect(text).toContain("checkBytes();");
    expect(findParameters(copy.notebook)?.params.map((p) => p.name)).toEqual(["pages", "base", "label", "verbose"]);
  });

  it("names the cell and line of an unbalanced marker", () => {
    expect(() => stripSolutions("a\n// BEGIN SOLUTION\nb", "code", "x.ipynb cell 7")).toThrow(
      "x.ipynb cell 7 line 2: BEGIN SOLUTION without END SOLUTION",
    );
    expect(() => stripSolutions("// END SOLUTION", "code", "x.ipynb cell 1")).toThrow(
      "line 1: END SOLUTION without a BEGIN SOLUTION",
    );
    expect(() => stripSolutions("// BEGIN SOLUTION\n// BEGIN SOLUTION\n// END SOLUTION", "code", "c")).toThrow(
      "do not nest",
    );
  });

  it("refuses a hidden check without points", () => {
    const nb = readNotebook(fixture);
    delete (nb.cells[6].metadata.pfnlab as Record<string, unknown>).points;
    expect(() => studentCopy(nb, "pages.ipynb")).toThrow(
      /pages\.ipynb cell 6 \(exercise bytes\) needs metadata\.pfnlab\.points > 0/,
    );
  });

  it("gives each roster student a deterministic variant and writes the manifest", () => {
    const roster = [
      { id: "s001", name: "Ada" },
      { id: "s002", name: "Brian", email: "b@example.org" },
    ];
    const a = release({ sources: [fixture], outDir: join(out, "one"), roster, secret: "course-secret" });
    const b = release({ sources: [fixture], outDir: join(out, "two"), roster, secret: "course-secret" });
    const c = release({ sources: [fixture], outDir: join(out, "three"), roster, secret: "another-secret" });
    const pa = a.manifest!.students.s001.params["pages.ipynb"];
    const pb = a.manifest!.students.s002.params["pages.ipynb"];
    expect(pa).not.toEqual(pb);
    expect(b.manifest!.students).toEqual(a.manifest!.students);
    expect(c.manifest!.students.s001.params).not.toEqual(a.manifest!.students.s001.params);
    // Values respect their @variant specs; non-variant parameters keep their defaults.
    for (const p of [pa, pb]) {
      expect(p.pages as number).toBeGreaterThanOrEqual(3);
      expect(p.pages as number).toBeLessThanOrEqual(200);
      expect(((p.base as number) - 0x10000) % 0x1000).toBe(0);
      expect(p.label).toBe("bar0");
    }
    const nb = readNotebook(join(out, "one", "s002", "pages.ipynb"));
    const i = nb.cells.findIndex((c) => hasTag(c, "parameters"));
    expect(hasTag(nb.cells[i + 1], "injected-parameters")).toBe(true);
    expect(JSON.stringify(nb.cells[i + 1].source)).toContain(`const pages: number = ${pb.pages};`);
    expect(JSON.stringify(nb.cells[i + 1].source)).toContain(
      `const base: number = 0x${(pb.base as number).toString(16)};`,
    );
    expect(nb.metadata.pfnlab).toMatchObject({ student: "s002", released: true });
    expect(readManifest(a.manifestPath!).students.s002.email).toBe("b@example.org");
    expect(readFileSync(join(out, "one", "s001", "pages.ipynb"), "utf8")).not.toContain("HIDDEN-CHECK-MARKER");
  });

  it("needs a secret for a roster", () => {
    expect(() =>
      release({ sources: [fixture], outDir: join(out, "nos"), roster: [{ id: "x", name: "x" }], secret: null }),
    ).toThrow(/course secret/);
  });
});
