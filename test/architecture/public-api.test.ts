/**
 * The package's public API (src/index.ts, what `from "pfnlab"` gives) is curated (issue 17,
 * item 7): every name the notebooks and the course import from "pfnlab" is exported, the
 * scheduler's internals are not, and nothing else is exported except the few names the
 * docs promise. Imports and exports are read with the TypeScript parser, not by pattern.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as api from "../../src/index";

const root = resolve(__dirname, "..", "..");

/** Exported beyond what notebooks import: documented in README.md (bad input, cell errors, fault flags, the Steps vocabulary). */
const DOCUMENTED = [
  "cellErrorDetails",
  "PfnlabError",
  "FAULT_FLAG_USER",
  "FAULT_FLAG_WRITE",
  "Scenario",
  "RunReport",
  "runSteps",
  "step",
  "current",
  "mightSleep",
  "cpuRelax",
];

/** Internals that must stay inside the package. */
const INTERNAL = ["SimTask", "Pending", "EventHeap", "Scheduler", "installCellErrors"];

/** The code cells of every notebook users get: notebooks/, the course, the grading fixture. */
function notebookCells(): { file: string; code: string }[] {
  const files = [
    ...readdirSync(join(root, "notebooks"))
      .filter((f) => f.endsWith(".ipynb"))
      .map((f) => join("notebooks", f)),
    ...readdirSync(join(root, "course"))
      .filter((f) => f.endsWith(".ipynb"))
      .map((f) => join("course", f)),
    join("test", "fixtures", "grading", "pages.ipynb"),
  ];
  return files.flatMap((file) => {
    const nb = JSON.parse(readFileSync(join(root, file), "utf8")) as {
      cells: { cell_type: string; source: string | string[] }[];
    };
    return nb.cells
      .filter((c) => c.cell_type === "code")
      .map((c) => ({ file, code: Array.isArray(c.source) ? c.source.join("") : c.source }));
  });
}

/** Names a piece of code imports from "pfnlab" (values and types). */
function importedFromPfnlab(code: string): string[] {
  const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names: string[] = [];
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    if (st.moduleSpecifier.text !== "pfnlab") continue;
    const b = st.importClause?.namedBindings;
    if (b && ts.isNamedImports(b)) for (const e of b.elements) names.push((e.propertyName ?? e.name).text);
  }
  return names;
}

/** Names src/index.ts exports (values and types), read from its export declarations. */
function exportedByIndex(): string[] {
  const file = join(root, "src", "index.ts");
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names: string[] = [];
  for (const st of sf.statements) {
    if (!ts.isExportDeclaration(st)) continue;
    expect(st.exportClause, "src/index.ts re-exports by name, never `export *`").toBeDefined();
    if (st.exportClause && ts.isNamedExports(st.exportClause))
      for (const e of st.exportClause.elements) names.push(e.name.text);
  }
  return names;
}

describe("the public API (src/index.ts)", () => {
  const used = new Map<string, string>();
  for (const { file, code } of notebookCells()) for (const n of importedFromPfnlab(code)) used.set(n, file);
  const exported = new Set(exportedByIndex());

  it("finds the notebooks' imports (the parser reads them)", () => {
    expect(used.size).toBeGreaterThan(100);
    expect(used.get("createKernel")).toMatch(/^notebooks\//);
    expect(used.get("checkEinval")).toMatch(/^course\//);
  });

  it("exports every name a notebook or the course imports from pfnlab", () => {
    const missing = [...used].filter(([n]) => !exported.has(n)).map(([n, f]) => `${n} (${f})`);
    expect(missing).toEqual([]);
  });

  it("exports nothing else but the documented names", () => {
    const extra = [...exported].filter((n) => !used.has(n) && !DOCUMENTED.includes(n));
    expect(extra).toEqual([]);
  });

  it("keeps the scheduler's internals (SimTask, Pending, EventHeap) out", () => {
    for (const n of INTERNAL) {
      expect(exported.has(n), n).toBe(false);
      expect(n in api, n).toBe(false);
    }
  });

  it("exports the values at run time, not just in the declarations", () => {
    for (const n of ["createKernel", "followPfnmapStart", "explore", "show", "checkEinval", "PfnlabError"])
      expect(typeof (api as Record<string, unknown>)[n], n).toBe("function");
  });
});
