/**
 * The course's instructor sources and the students' copies made from them.
 *
 * Instructor notebooks (solutions and hidden checks) live in `course/`, never in
 * `notebooks/`: `npm start` and `npm run export` show `notebooks/`, so what is there is
 * what students see. `notebooks/<name>.ipynb` for a course notebook is its released
 * student copy (no variant), written by `node scripts/course.mjs` and kept in sync by a test.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { projectRoot } from "../runner/execute";
import { readNotebook, type Notebook } from "../runner/notebook";
import { hiddenChecks, sourceOf, TAGS } from "./cells";
import { studentCopy } from "./release";
import { hasSolutionMarkers } from "./solutions";

export const COURSE_DIR = join(projectRoot, "course");
export const NOTEBOOKS_DIR = join(projectRoot, "notebooks");

/** The instructor notebooks in course/ (file names, sorted). */
export function courseNotebooks(dir = COURSE_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb") && !f.startsWith("."))
    .sort();
}

/** The student copy of course/<name> that belongs at notebooks/<name>. */
export function releasedCopy(name: string, dir = COURSE_DIR): Notebook {
  return studentCopy(readNotebook(join(dir, name)), name).notebook;
}

/**
 * Lines of the hidden checks of every course notebook that students never see: 12+
 * characters (long enough to mean something) and in no cell of the released copy.
 */
export function hiddenCheckLines(dir = COURSE_DIR): string[] {
  return courseNotebooks(dir).flatMap((name) => {
    const released = new Set(
      releasedCopy(name, dir).cells.flatMap((c) =>
        sourceOf(c)
          .split("\n")
          .map((l) => l.trim()),
      ),
    );
    const lines = hiddenChecks(readNotebook(join(dir, name)), name).flatMap((c) =>
      c.source.split("\n").map((l) => l.trim()),
    );
    return lines.filter((l) => l.length >= 12 && !released.has(l));
  });
}

/** One piece of instructor material found in a file meant for students. */
export interface Leak {
  file: string;
  what: string;
}

/** Instructor material in a text: a solution marker, the hidden-check tag, or a line of a hidden check. */
export function leaksIn(text: string, hiddenLines: string[]): string[] {
  const found: string[] = [];
  if (hasSolutionMarkers(text) || /BEGIN SOLUTION|END SOLUTION/.test(text))
    found.push("a solution marker (BEGIN/END SOLUTION)");
  if (text.includes(TAGS.hidden)) found.push(`the "${TAGS.hidden}" tag`);
  for (const line of hiddenLines) {
    if (text.includes(line) || text.includes(JSON.stringify(line).slice(1, -1))) {
      found.push(`the hidden-check line "${line}"`);
      break;
    }
  }
  return found;
}

/** Every file under `dir` (recursively) with instructor material in it. */
export function leaksUnder(dir: string, hiddenLines: string[] = hiddenCheckLines()): Leak[] {
  const out: Leak[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else
        for (const what of leaksIn(readFileSync(p, "utf8"), hiddenLines))
          out.push({ file: relative(projectRoot, p), what });
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}
