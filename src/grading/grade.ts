/**
 * Grading one submission, and a class in parallel.
 *
 * Each submission runs in its own fresh tslab kernel in a sandbox (src/runner/sandbox.ts),
 * in its own private temporary folder, through its own executor process: the grader's
 * prelude, then the student's code cells with their variant's parameters injected (from
 * the manifest, never from the submission), then - only after those finished, sent
 * through a pipe - the parameters again and the hidden checks, each signed with a
 * one-time key (hidden.ts). A cell that loops, throws or exhausts memory costs that
 * cell: the kernel is restarted, the earlier cells replayed, and grading goes on.
 *
 * A kernel that dies before any student code ran (it did not start or restart, or the
 * grader's own set-up cell failed) is the grading machine's fault, never the student's:
 * the submission is graded again (up to `startRetries` times) and, if that keeps
 * happening, reported as "infrastructure-error": no points given, nothing cached.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { executeNotebook, headline } from "../runner/execute";
import { writeNotebook, type CellFailure, type Notebook, type NotebookCell } from "../runner/notebook";
import { createSandbox, detectSandboxMode, type SandboxMode } from "../runner/sandbox";
import { cacheKey, type GradeCache } from "./cache";
import { codeCell, exercisePoints, hasTag, hiddenChecks, sourceOf, TAGS, type HiddenCheck } from "./cells";
import { armChecks, checkOutcome, type CheckOutcome } from "./hidden";
import { pfnlabVersion, sha256, type Manifest } from "./manifest";
import { findParameters, injectedCell, type Parameter, type ParamValue } from "./parameters";
import { preludeSource } from "./prelude";
import type { Submission } from "./submissions";

/** An instructor notebook, loaded once per grading run. */
export interface GradingSource {
  name: string;
  path: string;
  hash: string;
  checks: HiddenCheck[];
  params: Parameter[];
}

export function loadSource(path: string, name: string): GradingSource {
  const text = readFileSync(path, "utf8");
  const nb = JSON.parse(text) as Notebook;
  const checks = hiddenChecks(nb, name);
  if (checks.length === 0) throw new Error(`loadSource: ${name} has no cell tagged ${TAGS.hidden}: nothing to grade`);
  return { name, path, hash: sha256(text), checks, params: findParameters(nb, name)?.params ?? [] };
}

export interface GradeOptions {
  /** Seconds per cell (default 30). */
  timeout?: number;
  /** JS heap cap of each kernel, MiB (default 1024). */
  memoryMiB?: number;
  /** Kernel restarts allowed per submission after a timeout or death (default 4). */
  restarts?: number;
  manifest?: Manifest | null;
  cache?: GradeCache | null;
  /** Force a sandbox mode (default: the strongest available). */
  sandbox?: SandboxMode;
  /** Write each executed notebook (hidden checks included) here, for the instructor to inspect. */
  debugDir?: string;
  /** Further attempts when the kernel dies before student code ran (default 2). */
  startRetries?: number;
}

export interface ExerciseGrade {
  id: string;
  points: number;
  max: number;
  feedback: string;
}

export interface SubmissionGrade {
  student: string;
  notebook: string;
  file: string;
  /**
   * "error": the submission could not be graded (unreadable, not in the manifest);
   * "infrastructure-error": the grading machine failed it (kernel start); grade again.
   */
  status: "graded" | "error" | "infrastructure-error";
  total: number;
  max: number;
  exercises: ExerciseGrade[];
  /** What went wrong in the student's own cells (by their cell number), and grader errors. */
  problems: string[];
  sandbox: SandboxMode;
  seconds: number;
  cached: boolean;
}

/** The cells of a submission the grader runs: code only, without cells claiming to be ours. */
function studentCells(nb: Notebook): { cells: NotebookCell[]; origin: number[] } {
  const cells: NotebookCell[] = [];
  const origin: number[] = [];
  (Array.isArray(nb?.cells) ? nb.cells : []).forEach((c, i) => {
    if (c?.cell_type !== "code" || hasTag(c, TAGS.hidden) || hasTag(c, TAGS.injected)) return;
    const tags = hasTag(c, TAGS.parameters) ? [TAGS.parameters] : [];
    cells.push(codeCell(`s${i}`, String(sourceOf(c) ?? ""), tags));
    origin.push(i);
  });
  return { cells, origin };
}

function emptyGrade(sub: Submission, source: GradingSource, problem: string, mode: SandboxMode): SubmissionGrade {
  const exercises = exercisePoints(source.checks).map((e) => ({
    id: e.id,
    points: 0,
    max: e.points,
    feedback: problem,
  }));
  return {
    student: sub.student,
    notebook: sub.notebook,
    file: sub.path,
    status: "error",
    total: 0,
    max: exercises.reduce((a, e) => a + e.max, 0),
    exercises,
    problems: [problem],
    sandbox: mode,
    seconds: 0,
    cached: false,
  };
}

/** The parameter values the grader injects for this student: the manifest's, else the defaults. */
export function trustedValues(
  source: GradingSource,
  student: string,
  manifest: Manifest | null | undefined,
): Record<string, ParamValue> | string {
  const defaults = Object.fromEntries(source.params.map((p) => [p.name, p.value]));
  if (!manifest) return defaults;
  const entry = manifest.students[student];
  if (!entry) return `student ${student} is not in the release manifest`;
  return { ...defaults, ...(entry.params[source.name] ?? {}) };
}

function aggregate(source: GradingSource, outcomes: CheckOutcome[]): ExerciseGrade[] {
  return exercisePoints(source.checks).map((e) => {
    const mine = outcomes.filter((o) => o.exercise === e.id);
    const failed = mine.filter((o) => !o.passed).map((o) => o.feedback);
    return {
      id: e.id,
      points: mine.reduce((a, o) => a + o.points, 0),
      max: e.points,
      feedback: [...new Set(failed)].join("; "),
    };
  });
}

/** Grade one submission against its instructor notebook. Never throws for the student's faults. */
export async function gradeSubmission(
  sub: Submission,
  source: GradingSource,
  opts: GradeOptions = {},
): Promise<SubmissionGrade> {
  const mode = opts.sandbox ?? detectSandboxMode();
  const started = process.hrtime.bigint();
  let nb: Notebook;
  try {
    nb = JSON.parse(readFileSync(sub.path, "utf8")) as Notebook;
    if (!Array.isArray(nb?.cells)) throw new Error("it has no cells list");
  } catch (e) {
    return emptyGrade(sub, source, `not a readable notebook: ${(e as Error).message}`, mode);
  }
  const values = trustedValues(source, sub.student, opts.manifest);
  if (typeof values === "string") return emptyGrade(sub, source, values, mode);

  const { cells } = studentCells(nb);
  const timeout = opts.timeout ?? 30;
  const memoryMiB = opts.memoryMiB ?? 1024;
  const key = cacheKey({
    pfnlab: pfnlabVersion(),
    source: source.hash,
    submission: sha256(JSON.stringify(cells.map((c) => [sourceOf(c), c.metadata.tags ?? []]))),
    values,
    timeout,
    memoryMiB,
    restarts: opts.restarts ?? 4,
    mode,
  });
  const hit = opts.cache?.get<SubmissionGrade>(key);
  if (hit && hit.status === "graded")
    return { ...hit, student: sub.student, notebook: sub.notebook, file: sub.path, cached: true };

  const retries = opts.startRetries ?? 2;
  const failedStarts: string[] = [];
  for (let attempt = 0; ; attempt++) {
    const g = await gradeOnce(sub, source, nb, values, { ...opts, timeout, memoryMiB, mode });
    if (g.status === "graded") {
      opts.cache?.put(key, g);
      return { ...g, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
    }
    if (g.status !== "infrastructure-error") return { ...g, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
    failedStarts.push(g.problems[0] ?? "");
    if (attempt >= retries) {
      const problems = [
        `not graded: the grading machine failed ${failedStarts.length} time(s) before the student's code ran (${failedStarts.at(-1)}); grade again`,
      ];
      return {
        ...g,
        problems,
        exercises: g.exercises.map((e) => ({ ...e, feedback: "not graded (grading machine failure)" })),
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      };
    }
    await new Promise((r) => setTimeout(r, 1000 * (attempt + 1)));
  }
}

/** One attempt at grading a submission, not cached here. */
async function gradeOnce(
  sub: Submission,
  source: GradingSource,
  nb: Notebook,
  values: Record<string, ParamValue>,
  opts: GradeOptions & { timeout: number; memoryMiB: number; mode: SandboxMode },
): Promise<SubmissionGrade> {
  const { timeout, memoryMiB, mode } = opts;
  const started = process.hrtime.bigint();
  const { cells, origin } = studentCells(nb);

  const injected = source.params.length
    ? injectedCell(source.params, values, "Parameters injected by the pfnlab grader")
    : null;
  const run: NotebookCell[] = [codeCell("pfnlab-prelude", preludeSource())];
  const where: (number | null)[] = [null];
  const pIndex = cells.findIndex((c) => hasTag(c, TAGS.parameters));
  if (injected && pIndex < 0) run.push(injected), where.push(null);
  cells.forEach((c, i) => {
    run.push(c);
    where.push(origin[i]);
    if (injected && i === pIndex) run.push(injected), where.push(null);
  });
  const armed = armChecks(source.checks);
  const dir = mkdtempSync(join(tmpdir(), "pfnlab-grade-"));
  try {
    const sandbox = createSandbox({ dir, memoryMiB, mode });
    const input = join(dir, "submission.ipynb");
    writeNotebook(input, {
      cells: run,
      metadata: { kernelspec: { name: sandbox.kernel, display_name: "TypeScript", language: "typescript" } },
      nbformat: 4,
      nbformat_minor: 5,
    });
    const restarts = opts.restarts ?? 4;
    const r = await executeNotebook(input, {
      kernel: sandbox.kernel,
      kernelSpecPath: sandbox.kernelSpecPath,
      cwd: dir,
      outPath: join(dir, "executed.ipynb"),
      cellTimeout: timeout,
      restarts,
      executorPrefix: sandbox.executorPrefix,
      immediateShutdown: true,
      wallTimeout: 120 + timeout * (run.length + armed.length + 1) * (restarts + 1),
      appendCells: () => [...(injected ? [{ ...injected, id: "pfnlab-reinjected" }] : []), ...armed.map((a) => a.cell)],
    });
    const debugProblem = writeDebugCopy(opts.debugDir, sub, r.notebook);
    const infra = r.failures.find((f) => f.kind === "start" || (f.cell === 0 && f.kind !== "stderr"));
    if (infra) {
      const what =
        infra.kind === "start"
          ? infra.text
          : `the grader's set-up cell failed (${infra.kind}): ${headline(infra.text)}`;
      return { ...emptyGrade(sub, source, what.slice(0, 400), mode), status: "infrastructure-error" };
    }
    const first = r.appendedFrom === null ? null : r.appendedFrom + (injected ? 1 : 0);
    const explain = (f: CellFailure) =>
      f.kind === "timeout"
        ? `ran longer than ${timeout} s (an endless loop?)`
        : f.kind === "dead"
          ? "the kernel died (out of memory, or the code ended the process); it was restarted"
          : headline(f.text);
    const failureText = (cell: number) =>
      r.failures
        .filter((f: CellFailure) => f.cell === cell)
        .map((f) => (f.kind === "timeout" ? `the check ${explain(f)}` : explain(f)))
        .join("; ");
    const outcomes = armed.map((a, k) => {
      if (first === null)
        return checkOutcome(undefined, a, `the checks did not run: ${r.message || "the notebook stopped early"}`);
      const idx = first + k;
      return checkOutcome(r.notebook.cells[idx], a, failureText(idx));
    });
    const problems = r.failures
      .filter((f) => f.cell >= 0 && f.cell < where.length)
      .map((f) => {
        const own = where[f.cell];
        const label = own === null ? (f.cell === 0 ? "grader set-up" : "injected parameters") : `your cell ${own}`;
        return `${label} (${f.kind}): ${explain(f)}`;
      });
    if (r.appendedFrom === null || r.failures.some((f) => f.cell < 0)) problems.push(`grading stopped: ${r.message}`);
    const exercises = aggregate(source, outcomes);
    const tampered = [...new Set(outcomes.flatMap((o) => o.tampered))];
    if (tampered.length) problems.push(`built-ins replaced by the notebook: ${tampered.slice(0, 8).join(", ")}`);
    if (debugProblem) problems.push(debugProblem);
    const grade: SubmissionGrade = {
      student: sub.student,
      notebook: sub.notebook,
      file: sub.path,
      status: "graded",
      total: exercises.reduce((a, e) => a + e.points, 0),
      max: exercises.reduce((a, e) => a + e.max, 0),
      exercises,
      problems,
      sandbox: sandbox.mode,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      cached: false,
    };
    // dist/ missing (being rebuilt) is the grader's problem, not the student's: do not keep it.
    if (r.failures.some((f) => /Cannot find module 'pfnlab'/.test(f.text))) {
      return {
        ...grade,
        status: "infrastructure-error",
        problems: [
          "pfnlab's build (dist/) was not importable while grading: run npm run build, then grade again",
          ...problems,
        ],
      };
    }
    return grade;
  } catch (e) {
    const g = emptyGrade(
      sub,
      source,
      `the grader could not run this submission: ${(e as Error).message.slice(0, 800)}`,
      mode,
    );
    return { ...g, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Keep the executed notebook for the instructor; a failure to do so costs the student nothing. */
function writeDebugCopy(dir: string | undefined, sub: Submission, nb: Notebook): string | null {
  if (!dir) return null;
  try {
    writeNotebook(join(dir, `${sub.student}-${sub.notebook}`), nb);
    return null;
  } catch (e) {
    return `(grader) the debug copy was not written: ${(e as Error).message}`;
  }
}

/** Grade many submissions, `jobs` at a time (default: the number of cores). */
export async function gradeAll(
  subs: Submission[],
  sources: Map<string, GradingSource>,
  opts: GradeOptions & { jobs?: number; onResult?: (g: SubmissionGrade) => void } = {},
): Promise<SubmissionGrade[]> {
  const jobs = Math.max(1, Math.floor(opts.jobs ?? cpus().length));
  const results: SubmissionGrade[] = new Array(subs.length);
  let next = 0;
  const worker = async () => {
    while (next < subs.length) {
      const i = next++;
      const src = sources.get(subs[i].notebook);
      const g = src
        ? await gradeSubmission(subs[i], src, opts)
        : emptyGrade(
            subs[i],
            { name: subs[i].notebook, path: "", hash: "", checks: [], params: [] },
            `no instructor notebook ${subs[i].notebook}`,
            opts.sandbox ?? "none",
          );
      results[i] = g;
      opts.onResult?.(g);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, subs.length) }, worker));
  return results;
}
