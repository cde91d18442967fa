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
 * again), 2 on bad arguments, no submissions or a source that cannot be graded against.
 */
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { basename } from "node:path";
import { GradeCache } from "../grading/cache";
import { gradeAll, loadSource, type GradingSource, type SubmissionGrade } from "../grading/grade";
import { gradebook, gradebookCsv, summaryLine } from "../grading/gradebook";
import { pfnlabVersion, readManifest } from "../grading/manifest";
import { sourceNotebooks } from "../grading/release";
import { readRoster } from "../grading/roster";
import { findSubmissions } from "../grading/submissions";
import { detectSandboxMode, type SandboxMode } from "../runner/sandbox";
import { asCliError, CliUsageError, flagIntIn, flagPositive, flagString } from "./command";
import type { CliCommand, CliIo, FlagSpec } from "./command";
import { checkInputFile, checkOutputFile, prepareOutputDir } from "./paths";

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

const FLAGS: FlagSpec[] = [
  ...["source", "manifest", "roster", "timeout", "memory", "cache", "debug-dir", "sandbox"].map((name) => ({
    name,
    value: true,
  })),
  { name: "jobs", short: "j", value: true },
  { name: "out", short: "o", value: true },
  { name: "json", value: false },
  { name: "csv", value: false },
  { name: "no-cache", value: false },
];

const CMD = "pfnlab grade";

export const command: CliCommand = {
  name: "grade",
  summary: "grade submissions in sandboxed kernels against hidden checks, write a gradebook",
  usage: USAGE,
  flags: FLAGS,
  async run(args, io) {
    const source = flagString(args, "source");
    if (args.positional.length !== 1 || !source)
      throw new CliUsageError(`${CMD}: expected one notebook or folder and --source`);
    // Everything is checked before the first kernel starts: a typo must not cost a grading run.
    const timeout = flagPositive(args, "timeout", CMD) ?? 30;
    const memoryMiB =
      flagIntIn(args, "memory", CMD, MIN_MEMORY_MIB, Math.floor(totalmem() / 2 ** 20), "MiB (this machine's memory)") ??
      1024;
    const jobs = flagIntIn(args, "jobs", CMD, 1, 256) ?? cpus().length;
    const sandbox = flagString(args, "sandbox") as SandboxMode | undefined;
    if (sandbox && !["root", "userns", "none"].includes(sandbox))
      throw new CliUsageError(`${CMD}: --sandbox ${sandbox} is not root, userns or none`);
    if (args.flags.has("json") && args.flags.has("csv"))
      throw new CliUsageError(`${CMD}: --json and --csv exclude each other`);
    const cacheFlag = flagString(args, "cache");
    if (args.flags.has("no-cache") && cacheFlag)
      throw new CliUsageError(`${CMD}: --cache and --no-cache exclude each other`);
    const outFlag = flagString(args, "out");
    const out = outFlag === undefined ? undefined : checkOutputFile(CMD, "-o", outFlag);
    const debugFlag = flagString(args, "debug-dir");
    const debugDir = debugFlag === undefined ? undefined : prepareOutputDir(CMD, "--debug-dir", debugFlag);
    const cacheDir = args.flags.has("no-cache")
      ? null
      : prepareOutputDir(CMD, "--cache", cacheFlag ?? ".pfnlab-cache/grades", true);
    const rosterFlag = flagString(args, "roster");
    const roster = rosterFlag ? readRoster(checkInputFile(CMD, "--roster", rosterFlag)) : null;
    const manifestFlag = flagString(args, "manifest");
    if (manifestFlag) checkInputFile(CMD, "--manifest", manifestFlag);
    return gradeRun(io, {
      folder: args.positional[0]!,
      source,
      timeout,
      memoryMiB,
      jobs,
      sandbox,
      out,
      debugDir,
      cacheDir,
      roster,
      manifestFlag,
      csv: args.flags.has("csv") || (!args.flags.has("json") && !!out?.endsWith(".csv")),
    });
  },
};

interface GradeRun {
  folder: string;
  source: string;
  timeout: number;
  memoryMiB: number;
  jobs: number;
  sandbox: SandboxMode | undefined;
  out: string | undefined;
  debugDir: string | undefined;
  cacheDir: string | null;
  roster: ReturnType<typeof readRoster> | null;
  manifestFlag: string | undefined;
  csv: boolean;
}

/** The grading run once every flag is checked; a problem with the inputs still exits 2. */
async function gradeRun(io: CliIo, o: GradeRun): Promise<number> {
  try {
    const { timeout, memoryMiB, jobs, roster, out, debugDir } = o;
    const sources = new Map<string, GradingSource>();
    for (const p of sourceNotebooks(o.source)) sources.set(basename(p), loadSource(p, basename(p)));
    const manifest = o.manifestFlag ? readManifest(o.manifestFlag) : null;
    const { submissions, problems } = findSubmissions(o.folder, [...sources.keys()]);
    for (const p of problems) io.err(`${CMD}: ${p}`);
    if (submissions.length === 0) throw new Error(`${CMD}: no submissions found in ${o.folder}`);
    const mode = o.sandbox ?? detectSandboxMode();
    if (mode === "none") {
      io.err(
        `${CMD}: warning: no sandbox here (not root, no user namespaces): student code runs with your rights and can read your files.`,
      );
    }
    const cache = o.cacheDir ? new GradeCache(o.cacheDir) : null;
    const t0 = process.hrtime.bigint();
    const grades: SubmissionGrade[] = await gradeAll(submissions, sources, {
      timeout,
      memoryMiB,
      jobs,
      manifest,
      cache,
      sandbox: mode,
      debugDir,
      onResult: (g) => io.err(summaryLine(g)),
    });
    if (roster) {
      for (const s of roster) {
        for (const src of sources.values()) {
          if (!grades.some((g) => g.student === s.id && g.notebook === src.name))
            io.err(`${CMD}: no submission of ${src.name} from ${s.id} (${s.name})`);
        }
      }
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const fresh = grades.filter((g) => !g.cached).length;
    io.err(
      `${CMD}: ${grades.length} submission(s), ${fresh} graded, ${grades.length - fresh} cached, ${seconds.toFixed(1)} s with ${jobs} job(s), sandbox ${mode}`,
    );
    const failed = grades.filter((g) => g.status === "infrastructure-error");
    if (failed.length) {
      io.err(
        `${CMD}: NOT GRADED: ${failed.length} submission(s) (${failed.map((g) => `${g.student}/${g.notebook}`).join(", ")}): ` +
          "their kernels died before any student code ran, on every attempt; nothing was cached for them: grade again",
      );
    }
    const book = gradebook([...sources.values()], grades, pfnlabVersion());
    const text = o.csv ? gradebookCsv(book) : `${JSON.stringify(book, null, 2)}\n`;
    if (out) writeFileSync(out, text);
    else io.out(text.slice(0, -1)); // io.out ends the line itself
    return failed.length ? 1 : 0;
  } catch (e) {
    throw asCliError(e, 2);
  }
}
