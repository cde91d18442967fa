/**
 * pfnlab grade <notebook|folder> --source <instructor.ipynb|folder>
 *              [--manifest manifest.json] [--roster roster.csv]
 *              [--timeout S] [--memory MiB] [--jobs N] [--json|--csv] [-o gradebook]
 *              [--cache DIR | --no-cache] [--debug-dir DIR] [--sandbox root|userns|none]
 *
 * Grades each submission in its own sandboxed kernel (see src/grading/grade.ts), in
 * parallel, reusing cached results of unchanged submissions. Writes the gradebook to
 * -o (format from --json/--csv or the file's extension) or stdout; a summary line per
 * submission goes to stderr. Every option and path is checked before any grading.
 * Exit 0 when every submission was graded (whatever the grades), 1 when the grading
 * machine failed some (their kernels died before student code ran; not cached: grade
 * again), 2 on bad arguments or no submissions.
 */
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { basename } from "node:path";
import { GradeCache } from "../grading/cache";
import {
  checkInputFile,
  checkOutputFile,
  integerOption,
  numberOption,
  parseArgs,
  prepareOutputDir,
} from "../grading/cli-args";
import { gradeAll, loadSource, type GradingSource, type SubmissionGrade } from "../grading/grade";
import { gradebook, gradebookCsv, summaryLine } from "../grading/gradebook";
import { pfnlabVersion, readManifest } from "../grading/manifest";
import { sourceNotebooks } from "../grading/release";
import { readRoster } from "../grading/roster";
import { findSubmissions } from "../grading/submissions";
import { detectSandboxMode, type SandboxMode } from "../runner/sandbox";

/** Below this the tslab kernel does not start (it type-checks cells with TypeScript). */
const MIN_MEMORY_MIB = 256;

export const USAGE =
  "usage: pfnlab grade <notebook|folder> --source <instructor.ipynb|folder> [--manifest manifest.json] [--roster roster.csv]\n" +
  "                    [--timeout S] [--memory MiB] [--jobs N] [--json|--csv] [-o gradebook] [--cache DIR | --no-cache]\n" +
  "                    [--debug-dir DIR] [--sandbox root|userns|none]\n" +
  "  --source          the instructor notebook (or a folder of them)\n" +
  "  --manifest        the release manifest: each student's parameters\n" +
  "  --roster          report students with no submission\n" +
  "  --timeout S       seconds per cell (default 30)\n" +
  `  --memory MiB      JS heap of each kernel, ${MIN_MEMORY_MIB} or more (default 1024)\n` +
  "  --jobs N          submissions graded at once (default: number of cores)\n" +
  "  --json, --csv, -o gradebook format and file (default JSON on stdout)\n" +
  "  --cache DIR       reuse results of unchanged submissions (default .pfnlab-cache/grades); --no-cache: don't\n" +
  "  --debug-dir DIR   keep each executed notebook, hidden checks included (DIR's folder must exist)\n" +
  "  --sandbox MODE    force a sandbox (default: the strongest this machine allows)\n" +
  "exit 0: all graded; 1: the grading machine failed some submissions (not cached: grade again); 2: bad arguments";

export async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
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
    if (args.positional.length !== 1 || !args.options.source)
      throw new Error(`pfnlab grade: expected one notebook or folder and --source\n${USAGE}`);
    // Everything is checked before the first kernel starts: a typo must not cost a grading run.
    const timeout = numberOption("grade", args, "timeout", 30);
    const memoryMiB = integerOption(
      "grade",
      args,
      "memory",
      1024,
      MIN_MEMORY_MIB,
      Math.floor(totalmem() / 2 ** 20),
      "MiB (this machine's memory)",
    );
    const jobs = integerOption("grade", args, "jobs", cpus().length, 1, 256);
    const sandbox = args.options.sandbox as SandboxMode | undefined;
    if (sandbox && !["root", "userns", "none"].includes(sandbox))
      throw new Error(`pfnlab grade: --sandbox ${sandbox} is not root, userns or none`);
    if (args.flags.has("json") && args.flags.has("csv"))
      throw new Error("pfnlab grade: --json and --csv exclude each other");
    if (args.flags.has("no-cache") && args.options.cache)
      throw new Error("pfnlab grade: --cache and --no-cache exclude each other");
    const out = args.options.out === undefined ? undefined : checkOutputFile("grade", "-o", args.options.out);
    const debugDir =
      args.options["debug-dir"] === undefined
        ? undefined
        : prepareOutputDir("grade", "--debug-dir", args.options["debug-dir"]);
    const cacheDir = args.flags.has("no-cache")
      ? null
      : prepareOutputDir("grade", "--cache", args.options.cache ?? ".pfnlab-cache/grades", true);
    const roster = args.options.roster ? readRoster(checkInputFile("grade", "--roster", args.options.roster)) : null;
    if (args.options.manifest) checkInputFile("grade", "--manifest", args.options.manifest);
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
    const cache = cacheDir ? new GradeCache(cacheDir) : null;
    const t0 = process.hrtime.bigint();
    const grades: SubmissionGrade[] = await gradeAll(submissions, sources, {
      timeout,
      memoryMiB,
      jobs,
      manifest,
      cache,
      sandbox: mode,
      debugDir,
      onResult: (g) => process.stderr.write(summaryLine(g) + "\n"),
    });
    if (roster) {
      for (const s of roster) {
        for (const src of sources.values()) {
          if (!grades.some((g) => g.student === s.id && g.notebook === src.name))
            process.stderr.write(`pfnlab grade: no submission of ${src.name} from ${s.id} (${s.name})\n`);
        }
      }
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const fresh = grades.filter((g) => !g.cached).length;
    process.stderr.write(
      `pfnlab grade: ${grades.length} submission(s), ${fresh} graded, ${grades.length - fresh} cached, ${seconds.toFixed(1)} s with ${jobs} job(s), sandbox ${mode}\n`,
    );
    const failed = grades.filter((g) => g.status === "infrastructure-error");
    if (failed.length) {
      process.stderr.write(
        `pfnlab grade: NOT GRADED: ${failed.length} submission(s) (${failed.map((g) => `${g.student}/${g.notebook}`).join(", ")}): ` +
          "their kernels died before any student code ran, on every attempt; nothing was cached for them: grade again\n",
      );
    }
    const book = gradebook([...sources.values()], grades, pfnlabVersion());
    const csv = args.flags.has("csv") || (!args.flags.has("json") && out?.endsWith(".csv"));
    const text = csv ? gradebookCsv(book) : JSON.stringify(book, null, 2) + "\n";
    if (out) writeFileSync(out, text);
    else process.stdout.write(text);
    return failed.length ? 1 : 0;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => process.exit(code));
