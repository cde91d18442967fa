#!/usr/bin/env node
// `npm run course`: the instructor sources in course/ -> their notebooks and the students' copies.
//   course/NN-x.txt (percent source) -> course/NN-x.ipynb (instructor: solutions, hidden checks)
//                                    -> notebooks/NN-x.ipynb (released student copy, what `npm start` opens)
// Run it after editing a course/*.txt; test/grading/course.test.ts fails while they are out of sync.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { root } from "./lib/env.mjs";

const require = createRequire(import.meta.url);
const { courseNotebooks, releasedCopy, leaksIn, hiddenCheckLines } = require(
  join(root, "dist", "grading", "course.js"),
);
const { writeNotebook } = require(join(root, "dist", "runner", "notebook.js"));

const course = join(root, "course");
for (const txt of readdirSync(course)
  .filter((f) => f.endsWith(".txt"))
  .sort()) {
  execFileSync(
    process.execPath,
    [join(root, "scripts", "nbpercent.mjs"), join(course, txt), join(course, txt.replace(/\.txt$/, ".ipynb"))],
    { stdio: "inherit" },
  );
}
const hidden = hiddenCheckLines();
for (const name of courseNotebooks()) {
  const copy = releasedCopy(name);
  const leaks = leaksIn(JSON.stringify(copy), hidden);
  if (leaks.length) throw new Error(`course: the student copy of ${name} holds ${leaks.join(", ")}`);
  writeNotebook(join(root, "notebooks", name), copy);
  console.error(`wrote notebooks/${name}: the student copy of course/${name}`);
}
