/**
 * The folders of src/ form layers, and imports point down (issue 17, item 5). A file may
 * import its own folder and any folder of a lower layer; an import of a peer or of a
 * higher layer fails here, named file by file. README.md's Architecture section says the
 * same in words: keep the two in step.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { importGraph } from "./import-cycles";

const root = resolve(__dirname, "..", "..");

/** Lowest first. "(root)" is src/index.ts (the notebook API) and src/source-maps.ts. */
const LAYERS: readonly (readonly string[])[] = [
  ["base"], // PfnlabError (bad input), the Checker (misuse reports), ToolError: imports nothing
  ["sched"], // tasks, effects, locks, the scheduler, explorer, scenario contract
  ["mm"], // the kernel's mm (page tables, vmas, follow_pfnmap, zap, faults, the MMU notifier core)
  ["checks"], // the pfn sanitizer, judging what callers do with pfns of the mm
  ["notifiers"], // users of the MMU notifier API: KVM, IOMMU and the follow_pfnmap callers
  ["scenarios"], // scenarios and experiments: worlds built from mm + notifiers, run by sched
  ["display"], // data -> figures and tables; runs nothing
  ["runner"], // executes notebooks in a real kernel
  ["grading"], // coursework: release, grade, export
  ["oracle", "notebook"], // the real-kernel record; cell error display in tslab
  ["(root)"], // src/index.ts: what notebooks import
  ["cli", "bench"], // programs
];

function folderOf(file: string): string {
  const parts = file.split("/");
  return parts.length > 2 ? parts[1]! : "(root)";
}

function layerOf(folder: string): number {
  const i = LAYERS.findIndex((l) => l.includes(folder));
  return i;
}

/** Each import from one folder into another that is not strictly lower. */
function upwardImports(g: Map<string, string[]>): string[] {
  const bad: string[] = [];
  for (const [file, deps] of g) {
    const from = folderOf(file);
    for (const dep of deps) {
      const to = folderOf(dep);
      if (to !== from && layerOf(to) >= layerOf(from)) bad.push(`${file} -> ${dep}`);
    }
  }
  return bad.sort();
}

describe("the layers of src/", () => {
  const g = importGraph(root);

  it("every folder of src/ has a layer", () => {
    const folders = [...new Set([...g.keys()].map(folderOf))].sort();
    expect(folders.filter((f) => layerOf(f) < 0)).toEqual([]);
  });

  it("no import points to a peer or a higher layer", () => {
    expect(upwardImports(g)).toEqual([]);
  });

  it("display/ only turns data into figures: no run-time import of the explorer (sched/explore/) from display/", () => {
    const rt = importGraph(root, "src", { runtime: true });
    const runs = [...rt]
      .filter(([file]) => folderOf(file) === "display")
      .flatMap(([file, deps]) => deps.filter((d) => d.startsWith("src/sched/explore/")).map((d) => `${file} -> ${d}`));
    expect(runs).toEqual([]);
  });

  it("an upward import is caught: mm importing display, or sched importing mm", () => {
    const fake = new Map([
      ["src/mm/zap.ts", ["src/display/table.ts", "src/sched/effect.ts"]],
      ["src/sched/sync.ts", ["src/mm/model-error.ts"]],
      ["src/oracle/record.ts", ["src/notebook/index.ts"]],
    ]);
    expect(upwardImports(fake)).toEqual([
      "src/mm/zap.ts -> src/display/table.ts",
      "src/oracle/record.ts -> src/notebook/index.ts",
      "src/sched/sync.ts -> src/mm/model-error.ts",
    ]);
  });
});
