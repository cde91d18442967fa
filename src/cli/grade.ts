/**
 * pfnlab grade <notebook|folder> --source <instructor.ipynb|folder>
 *              [--manifest manifest.json] [--roster roster.csv]
 *              [--timeout S] [--memory MiB] [--jobs N] [--json|--csv] [-o gradebook]
 *              [--cache DIR | --no-cache] [--debug-dir DIR]
 *
 * Grades each submission in its own sandboxed kernel (see src/grading/grade.ts), in
 * parallel, reusing cached results of unchanged submissions. Writes the gradebook to
 * -o (format from --json/--csv or the file's extension) or stdout; a summary line per
 * submission goes to stderr. Exit 0 when grading ran (whatever the grades), 2 on bad
 * arguments or no submissions.
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { basename, resolve } from "node:path";
import { GradeCache } from "../grading/cache";
import { numberOption, parseArgs } from "../grading/cli-args";
import { gradeAll, loadSource, type GradingSource, type SubmissionGrade } from "../grading/grade";
import { gradebook, gradebookCsv, summaryLine } from "../grading/gradebook";
import { pfnlabVersion, readManifest } from "../grading/manifest";
import { sourceNotebooks } from "../grading/release";
import { readRoster } from "../grading/roster";
import { findSubmissions } from "../grading/submissions";
import { detectSandboxMode, type SandboxMode } from "../runner/sandbox";

export const USAGE =
  "usage: pfnlab grade <notebook|folder> --source <instructor.ipynb|folder> [--manifest manifest.json] [--roster roster.csv]\n" +
  "                    [--timeout S] [--memory MiB] [--jobs N] [--json|--csv] [-o gradebook] [--cache DIR | --no-cache]";

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs("grade", argv, {
      options: ["source", "manifest", "roster", "timeout", "memory", "jobs", "out", "cache", "debug-dir", "sandbox"],
      flags: ["json", "csv", "no-cache", "help"],
      aliases: { o: "out", j: "jobs", h: "help" },
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.flags.has("help")) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  try {
    if (args.positional.length !== 1 || !args.options.source) throw new Error(`pfnlab grade: expected one notebook or folder and --source\n${USAGE}`);
    const timeout = numberOption("grade", args, "timeout", 30);
    const memoryMiB = numberOption("grade", args, "memory", 1024);
    const jobs = numberOption("grade", args, "jobs", cpus().length);
    const sandbox = args.options.sandbox as SandboxMode | undefined;
    if (sandbox && !["root", "userns", "none"].includes(sandbox)) throw new Error(`pfnlab grade: --sandbox ${sandbox} is not root, userns or none`);
    const sources = new Map<string, GradingSource>();
    for (const p of sourceNotebooks(args.options.source)) sources.set(basename(p), loadSource(p, basename(p)));
    const manifest = args.options.manifest ? readManifest(args.options.manifest) : null;
    const { submissions, problems } = findSubmissions(args.positional[0], [...sources.keys()]);
    for (const p of problems) process.stderr.write(`pfnlab grade: ${p}\n`);
    if (submissions.length === 0) throw new Error(`pfnlab grade: no submissions found in ${args.positional[0]}`);
    const mode = sandbox ?? detectSandboxMode();
    if (mode === "none") {
      process.stderr.write(
        "pfnlab grade: warning: no sandbox here (not root, no user namespaces): student code runs with your rights and can read your files.\n",
      );
    }
    const cache = args.flags.has("no-cache") ? null : new GradeCache(resolve(args.options.cache ?? ".pfnlab-cache/grades"));
    const t0 = process.hrtime.bigint();
    const grades: SubmissionGrade[] = await gradeAll(submissions, sources, {
      timeout,
      memoryMiB,
      jobs,
      manifest,
      cache,
      sandbox: mode,
      debugDir: args.options["debug-dir"],
      onResult: (g) => process.stderr.write(summaryLine(g) + "\n"),
    });
    if (args.options.roster) {
      for (const s of readRoster(args.options.roster)) {
        for (const src of sources.values()) {
          if (!grades.some((g) => g.student === s.id && g.notebook === src.name)) process.stderr.write(`pfnlab grade: no submission of ${src.name} from ${s.id} (${s.name})\n`);
        }
      }
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const fresh = grades.filter((g) => !g.cached).length;
    process.stderr.write(`pfnlab grade: ${grades.length} submission(s), ${fresh} graded, ${grades.length - fresh} cached, ${seconds.toFixed(1)} s with ${jobs} job(s), sandbox ${mode}\n`);
    const book = gradebook([...sources.values()], grades, pfnlabVersion());
    const out = args.options.out;
    const csv = args.flags.has("csv") || (!args.flags.has("json") && out?.endsWith(".csv"));
    const text = csv ? gradebookCsv(book) : JSON.stringify(book, null, 2) + "\n";
    if (out) writeFileSync(out, text);
    else process.stdout.write(text);
    return 0;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => process.exit(code));
