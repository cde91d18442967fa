// Notebooks are committed without outputs, with cell ids, for the tslab kernel.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cellsWithOutputs, projectRoot, readNotebook } from "../../src/runner";

const dir = join(projectRoot, "notebooks");
for (const name of readdirSync(dir).filter((f) => f.endsWith(".ipynb"))) {
  describe(name, () => {
    const nb = readNotebook(join(dir, name));
    it("is committed without outputs or execution counts", () => {
      expect(cellsWithOutputs(nb)).toEqual([]);
    });
    it("has a unique id on every cell and uses the tslab kernel", () => {
      const ids = nb.cells.map((c) => c.id);
      expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      expect((nb.metadata.kernelspec as { name: string }).name).toBe("tslab");
    });
    it("imports the built package by name, never ../src", () => {
      const code = nb.cells.map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source)).join("\n");
      expect(code).not.toMatch(/from\s+["']\.\.\/src/);
    });
  });
}
