// Re-running a notebook gives identical figures: the same plotly data and layout and the
// same PNG bytes, run after run (simulated time comes from the cost model, never the clock).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PLOTLY_MIME } from "../../src/display/bundle";
import { executeNotebook, projectRoot, type ExecuteResult } from "../../src/runner";

type Shown = { plotly: string; png: string };

function shown(r: ExecuteResult): Shown[] {
  return r.notebook.cells.flatMap((c) =>
    (c.outputs ?? []).flatMap((o) =>
      o.data && PLOTLY_MIME in o.data
        ? [{ plotly: JSON.stringify(o.data[PLOTLY_MIME]), png: String(o.data["image/png"] ?? "") }]
        : [],
    ),
  );
}

describe("notebooks are deterministic", () => {
  for (const name of ["01-io-and-pfn-mappings.ipynb", "03-huge-pfnmaps.ipynb", "04-mmu-notifiers.ipynb"]) {
    it(`${name}: two runs in fresh kernels show identical figures and PNGs`, async () => {
      const path = join(projectRoot, "notebooks", name);
      const [a, b] = [
        await executeNotebook(path, { cellTimeout: 60 }),
        await executeNotebook(path, { cellTimeout: 60 }),
      ];
      const fa = shown(a);
      const fb = shown(b);
      expect(fa.length).toBeGreaterThanOrEqual(3);
      expect(fb.map((f) => f.plotly)).toEqual(fa.map((f) => f.plotly));
      expect(fb.map((f) => f.png)).toEqual(fa.map((f) => f.png));
    });
  }
});
