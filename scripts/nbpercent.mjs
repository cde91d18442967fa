#!/usr/bin/env node
// Authoring aid: turn a "percent" text file into a stripped .ipynb for the tslab kernel.
//   node scripts/nbpercent.mjs in.ts.txt out.ipynb
// Cells start with a line "// %% [markdown]" or "// %%" (code); "// %% tags=a,b" tags a
// code cell. Markdown lines may keep a leading "// ". The .ipynb is what we commit.
// Coursework cells (src/grading/index.ts): "exercise=ID" and "points=N" go to
// metadata.pfnlab, "id=NAME" sets a stable cell id, e.g.
//   // %% tags=hidden-check exercise=pfn-lock points=2 id=ex1-hidden
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: node scripts/nbpercent.mjs IN OUT.ipynb");
  process.exit(2);
}
const cells = [];
let cur = null;
for (const line of readFileSync(input, "utf8").split("\n")) {
  const m = line.match(/^\/\/ %%(.*)$/);
  if (m) {
    const head = m[1].trim();
    const tags = (head.match(/tags=([\w,-]+)/)?.[1] ?? "").split(",").filter(Boolean);
    const exercise = head.match(/\bexercise=([\w-]+)/)?.[1];
    const points = head.match(/\bpoints=(\d+)/)?.[1];
    const id = head.match(/\bid=([\w-]+)/)?.[1];
    cur = { type: head.startsWith("[markdown]") ? "markdown" : "code", tags, lines: [], exercise, points, id };
    cells.push(cur);
  } else if (cur) {
    cur.lines.push(cur.type === "markdown" ? line.replace(/^\/\/ ?/, "") : line);
  }
}
const stem = basename(output, ".ipynb");
const nb = {
  cells: cells.map((c, i) => {
    while (c.lines.length && c.lines[c.lines.length - 1].trim() === "") c.lines.pop();
    const text = c.lines.join("\n");
    const source = text.split("\n").map((l, j, all) => (j < all.length - 1 ? l + "\n" : l));
    const id = c.id ?? `${stem.replace(/[^a-z0-9]/gi, "").slice(0, 20)}-${String(i).padStart(3, "0")}`;
    const metadata = c.tags.length ? { tags: c.tags } : {};
    if (c.exercise) metadata.pfnlab = { exercise: c.exercise, ...(c.points ? { points: Number(c.points) } : {}) };
    return c.type === "markdown"
      ? { cell_type: "markdown", id, metadata, source }
      : { cell_type: "code", execution_count: null, id, metadata, outputs: [], source };
  }),
  metadata: {
    kernelspec: { display_name: "TypeScript (pfnlab)", language: "typescript", name: "tslab" },
    language_info: {
      name: "typescript",
      file_extension: ".ts",
      mimetype: "text/typescript",
      codemirror_mode: { name: "javascript", typescript: true },
    },
  },
  nbformat: 4,
  nbformat_minor: 5,
};
writeFileSync(output, JSON.stringify(nb, null, 1) + "\n");
console.error(`wrote ${output}: ${nb.cells.length} cells`);
