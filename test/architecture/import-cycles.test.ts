/**
 * Layers point one way: no import cycle among the files of src/ (issue 17, item 5).
 * A cycle is reported as the files that form it, one path a -> b -> ... -> a.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { cyclePath, importCycles, importGraph } from "./import-cycles";

const root = resolve(__dirname, "..", "..");

describe("the import graph of src/", () => {
  it("the graph reader finds the imports it must (relative from/export-from, index folders)", () => {
    const g = importGraph(root);
    expect(g.size).toBeGreaterThan(150);
    expect(g.get("src/sched/trace.ts")).toContain("src/sched/effect.ts");
    expect(g.get("src/index.ts")!.length).toBeGreaterThan(5);
    expect(
      importCycles(
        new Map([
          ["a", ["b"]],
          ["b", ["c"]],
          ["c", ["a"]],
          ["d", ["a"]],
        ]),
      ),
    ).toEqual([["a", "b", "c"]]);
    expect(
      cyclePath(
        new Map([
          ["a", ["b"]],
          ["b", ["a"]],
        ]),
        ["a", "b"],
      ),
    ).toEqual(["a", "b", "a"]);
  });

  it("no modules load each other: counting only the imports that stay at run time, src/ has no cycle at all", () => {
    const g = importGraph(root, "src", { runtime: true });
    expect(importCycles(g).map((c) => cyclePath(g, c).join(" -> "))).toEqual([]);
  });

  it("the run-time graph leaves out type-only statements and nothing else", () => {
    const all = importGraph(root);
    const rt = importGraph(root, "src", { runtime: true });
    // mapping.ts names Kernel and Vma (from mm-types.ts) as types only; mm.ts calls mmapSteps from mmap.ts.
    expect(all.get("src/mm/mapping.ts")).toContain("src/mm/mm-types.ts");
    expect(rt.get("src/mm/mapping.ts")).not.toContain("src/mm/mm-types.ts");
    expect(rt.get("src/mm/mm.ts")).toContain("src/mm/mmap.ts");
    for (const [f, deps] of rt) for (const d of deps) expect(all.get(f), `${f} -> ${d}`).toContain(d);
  });

  it("has no import cycle at all, type-only imports included: the mm core names its objects through mm-types.ts", () => {
    const g = importGraph(root);
    expect(importCycles(g).map((c) => cyclePath(g, c).join(" -> "))).toEqual([]);
  });

  it("mm-types.ts is a leaf of the mm core: it imports none of the files that import it", () => {
    const g = importGraph(root);
    const leaf = "src/mm/mm-types.ts";
    const importers = [...g].filter(([, deps]) => deps.includes(leaf)).map(([f]) => f);
    expect(importers).toContain("src/mm/mm.ts");
    for (const d of g.get(leaf)!) expect(importers, d).not.toContain(d);
  });
});
