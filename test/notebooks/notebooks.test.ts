// Executes every notebook in notebooks/ in a real tslab kernel (through Jupyter's
// nbclient) and fails naming the notebook, the cell and the error.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeFailures, executeNotebook, projectRoot } from "../../src/runner";

const dir = join(projectRoot, "notebooks");
const notebooks = readdirSync(dir)
  .filter((f) => f.endsWith(".ipynb"))
  .sort();

describe("every notebook runs top to bottom in the tslab kernel", () => {
  it("finds the notebooks", () => {
    expect(notebooks).toContain("00-start-here.ipynb");
  });
  for (const name of notebooks) {
    // Time is measured by `npm run bench`; the cell timeout is only a safety net for a hung kernel.
    it(`${name} runs without errors or stderr`, async () => {
      const path = join(dir, name);
      const r = await executeNotebook(path, { cellTimeout: 300 });
      expect(describeFailures(path, r.failures)).toBe("");
      expect(r.status).toBe("ok");
    });
  }
});
