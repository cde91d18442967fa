#!/usr/bin/env node
// `npm run export [-- notebook.ipynb ...]`: executed notebooks as offline HTML in export/.
import { join } from "node:path";
import { createRequire } from "node:module";
import { root } from "./lib/env.mjs";

const require = createRequire(import.meta.url);
const { exportNotebooks } = require(join(root, "dist", "grading", "export.js"));
const out = join(root, "export");
try {
  const done = await exportNotebooks(out, process.argv.slice(2).length ? process.argv.slice(2) : undefined);
  for (const d of done) console.log(`${d.html}  ${d.figures} figures  ${d.seconds.toFixed(1)} s`);
  console.log(`open ${join(out, "index.html")}`);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
