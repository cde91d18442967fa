/**
 * Which files are submissions, whose they are and which instructor notebook each
 * answers. Layouts: `<folder>/<student id>/<notebook>.ipynb` (what release --roster
 * writes and most LMS exports unpack to), or `<folder>/<student id>.ipynb` when the
 * course has a single notebook, or one file.
 */
import { readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { isValidStudentId } from "./roster";

export interface Submission {
  path: string;
  student: string;
  /** File name of the instructor notebook this answers. */
  notebook: string;
}

function ipynbFiles(dir: string, depth: number): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory() && depth > 0) out.push(...ipynbFiles(p, depth - 1));
    else if (e.isFile() && e.name.endsWith(".ipynb")) out.push(p);
  }
  return out.sort();
}

export function findSubmissions(
  input: string,
  sourceNames: string[],
): { submissions: Submission[]; problems: string[] } {
  const root = resolve(input);
  const isDir = statSync(root).isDirectory();
  const files = isDir ? ipynbFiles(root, 2) : [root];
  const submissions: Submission[] = [];
  const problems: string[] = [];
  for (const path of files) {
    const file = basename(path);
    const stem = basename(path, ".ipynb");
    const parent = dirname(path);
    const notebook = sourceNames.includes(file) ? file : sourceNames.length === 1 ? sourceNames[0] : null;
    if (!notebook) {
      problems.push(`${path}: not named like any instructor notebook (${sourceNames.join(", ")}); skipped`);
      continue;
    }
    // <folder>/<id>/<notebook>.ipynb names the student by folder, anything else by file.
    const byFolder = isDir ? parent !== root : file === notebook;
    const student = byFolder && isValidStudentId(basename(parent)) ? basename(parent) : stem;
    submissions.push({ path, student, notebook });
  }
  const seen = new Map<string, string>();
  for (const s of submissions) {
    const k = `${s.student}\0${s.notebook}`;
    if (seen.has(k))
      problems.push(`${s.path}: a second submission of ${s.notebook} by ${s.student} (first: ${seen.get(k)})`);
    seen.set(k, s.path);
  }
  return { submissions, problems };
}
