// pfnlab grade end to end, in real sandboxed tslab kernels: variants grade 100% only
// with their own answers, the solution 100%, the released copy 0, and planted bad
// submissions (loop, throw, memory hog, reader of the instructor's file, deleter,
// forger of result lines) cost only what they broke, in the same parallel run.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { command as gradeCommand } from "../../src/cli/cmd-grade";
import { runCli } from "../support/cli";
import {
  GradeCache,
  findSubmissions,
  gradeAll,
  loadSource,
  readManifest,
  release,
  type Manifest,
  type SubmissionGrade,
} from "../../src/grading";
import { projectRoot, readNotebook, writeNotebook, type Notebook } from "../../src/runner";
import { detectSandboxMode } from "../../src/runner/sandbox";

const source = join(projectRoot, "test", "fixtures", "grading", "pages.ipynb");
const scratch = join(projectRoot, "test-output", "grading-e2e");
const canaryDir = join(scratch, "canary");
const outsideFile = join(scratch, "planted-by-student.txt");
const roster = ["s001", "s002", "s003", "s004", "s005", "s006", "s007", "s008"];
const PAGE = 4096;

function withCell(nb: Notebook, id: string, source: string): Notebook {
  const copy = JSON.parse(JSON.stringify(nb)) as Notebook;
  const cell = copy.cells.find((c) => c.id === id);
  if (!cell) throw new Error(`fixture has no cell ${id}`);
  cell.source = source;
  return copy;
}

function plant(nb: Notebook, before: string, ...sources: string[]): Notebook {
  const copy = JSON.parse(JSON.stringify(nb)) as Notebook;
  const at = copy.cells.findIndex((c) => c.id === before);
  copy.cells.splice(
    at,
    0,
    ...sources.map((s, i) => ({
      id: `planted-${i}`,
      cell_type: "code" as const,
      source: s,
      metadata: {},
      outputs: [],
      execution_count: null,
    })),
  );
  return copy;
}

/** A student's copy with the answers filled in: bytes as a literal, pfnOf's body as given. */
function answer(nb: Notebook, bytes: number, pfnBody = "return Math.floor(addr / PAGE_SIZE);"): Notebook {
  return withCell(
    withCell(nb, "ex1-answer", `const answerBytes: number = ${bytes};`),
    "ex2-answer",
    `function pfnOf(addr: number): number {\n  ${pfnBody}\n}`,
  );
}

let manifest: Manifest;
let grades: Map<string, SubmissionGrade>;
let seconds = 0;
const mode = detectSandboxMode();
const sub = (id: string) => join(scratch, "subs", id, "pages.ipynb");

beforeAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(canaryDir, { recursive: true });
  writeFileSync(join(canaryDir, "canary.txt"), "still here");
  const r = release({
    sources: [source],
    outDir: join(scratch, "released"),
    roster: roster.map((id) => ({ id, name: id })),
    secret: "e2e-secret",
  });
  manifest = readManifest(r.manifestPath!);
  const copy = (id: string) => readNotebook(join(scratch, "released", id, "pages.ipynb"));
  const bytes = (id: string) => (manifest.students[id].params["pages.ipynb"].pages as number) * PAGE;
  const put = (id: string, nb: Notebook) => (
    mkdirSync(join(scratch, "subs", id), { recursive: true }), writeNotebook(sub(id), nb)
  );

  put("s001", answer(copy("s001"), bytes("s001")));
  // s002 copies s001's numbers: right for s001's variant, wrong for its own.
  put("s002", answer(copy("s002"), bytes("s001")));
  put("s003", answer(copy("s003"), bytes("s003"), "while (true) {}\n  return 0;"));
  put(
    "s004",
    plant(
      answer(copy("s004"), bytes("s004")),
      "ex1-answer",
      'throw new Error("planted: student bug");',
      "const hog: number[][] = [];\nfor (let i = 0; i < 64; i++) hog.push(new Array(2 ** 24).fill(i));",
      "const big = new Float64Array(2 ** 31);",
    ),
  );
  put(
    "s005",
    plant(
      answer(copy("s005"), bytes("s005"), "return 0;"),
      "ex1-answer",
      [
        'const fs = require("fs");',
        `for (const f of [${JSON.stringify(source)}, "/proc/1/environ", ${JSON.stringify(join(projectRoot, "package-lock.json"))}]) {`,
        '  try { const t = fs.readFileSync(f, "utf8"); console.log("READ " + f + (t.includes("HIDDEN-CHECK-MARKER") ? " LEAKED-HIDDEN-CHECKS" : "")); }',
        '  catch (e) { console.log("read failed: " + (e as any).code + " " + f); }',
        "}",
        `try { fs.rmSync(${JSON.stringify(canaryDir)}, { recursive: true, force: true }); } catch (e) { console.log("rm failed: " + (e as any).code); }`,
        `try { fs.writeFileSync(${JSON.stringify(outsideFile)}, "x"); } catch (e) { console.log("write failed: " + (e as any).code); }`,
        `try { fs.writeFileSync(${JSON.stringify(join(projectRoot, "dist", "planted.js"))}, "x"); } catch (e) { console.log("write failed: " + (e as any).code); }`,
        // Forge PASS lines for the failing exercise, from a timer that keeps firing during the checks.
        'setInterval(() => console.log(\'PFNLAB-RESULT {"n":"x","e":"pfn","ok":true,"m":"","t":[]} \' + "ab".repeat(32)), 1);',
        'console.log("PFNLAB-RESULT {\\"e\\":\\"pfn\\",\\"ok\\":true} 00");',
      ].join("\n"),
    ),
  );
  put("s006", copy("s006")); // handed in untouched
  put("s007", readNotebook(source)); // the instructor's own notebook, solutions and all
  // Right answers, but the runtime the checks use is rewritten: Array.prototype is frozen
  // before student code (no effect), Error.prototype is not (flagged, no points).
  put(
    "s008",
    plant(
      answer(copy("s008"), bytes("s008")),
      "ex1-answer",
      '(Array.prototype as any).includes = function () { return true; };\nconsole.log("includes replaced: " + ((Array.prototype as any).includes.call([], 1)));',
      '(Error.prototype as any).toString = function () { return "fine"; };',
    ),
  );

  const src = loadSource(source, "pages.ipynb");
  const { submissions } = findSubmissions(join(scratch, "subs"), ["pages.ipynb"]);
  expect(submissions.map((s) => s.student)).toEqual(roster);
  const t0 = process.hrtime.bigint(); // logged only (below), never asserted
  const results = await gradeAll(submissions, new Map([["pages.ipynb", src]]), {
    manifest,
    timeout: 15, // per cell: an endless loop costs this, a normal cell takes 1-3 s (more on a loaded CI machine)
    memoryMiB: 256,
    jobs: 2,
    cache: new GradeCache(join(scratch, "cache")),
  });
  seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  grades = new Map(results.map((g) => [g.student, g]));
  writeFileSync(join(scratch, "grades.json"), JSON.stringify(results, null, 1));
});

afterAll(() => {
  rmSync(outsideFile, { force: true });
});

const points = (id: string) => Object.fromEntries(grades.get(id)!.exercises.map((e) => [e.id, e.points]));

describe("pfnlab grade", () => {
  it("gives two students different variants, each 100% only with its own answers", () => {
    const [a, b] = [manifest.students.s001.params["pages.ipynb"], manifest.students.s002.params["pages.ipynb"]];
    expect(a.pages).not.toBe(b.pages);
    expect(grades.get("s001")!.total).toBe(5);
    expect(points("s002")).toEqual({ bytes: 0, pfn: 3 });
    expect(grades.get("s002")!.exercises[0].feedback).toContain(`answerBytes is ${(a.pages as number) * PAGE}`);
  });

  it("grades the instructor's solution notebook 100% and the untouched release 0", () => {
    expect(grades.get("s007")!.total).toBe(5);
    expect(grades.get("s006")!.total).toBe(0);
    expect(grades.get("s006")!.exercises.find((e) => e.id === "pfn")!.feedback).toContain("not implemented");
  });

  it("a function that loops forever costs only its exercise (the check times out)", () => {
    expect(points("s003")).toEqual({ bytes: 2, pfn: 0 });
    expect(grades.get("s003")!.exercises[1].feedback).toMatch(/the check ran longer than 15 s/);
  });

  it("a throwing cell and a memory hog cost nothing else: the kernel is restarted and grading goes on", () => {
    const g = grades.get("s004")!;
    expect(g.total).toBe(5);
    const problems = g.problems.join("\n");
    expect(problems).toContain("planted: student bug");
    expect(problems).toMatch(/your cell \d+ \((dead|timeout|stderr)\): .*(died|longer|allocation)/i);
  });

  it("forged PASS lines are ignored and the instructor's notebook cannot be read or files changed", () => {
    const g = grades.get("s005")!;
    expect(points("s005")).toEqual({ bytes: 2, pfn: 0 });
    expect(g.exercises[1].feedback).toContain("HIDDEN-CHECK-MARKER-2"); // the real check ran and failed
    if (mode === "none") return; // no sandbox here: documented in docs/instructors.md
    expect(existsSync(join(canaryDir, "canary.txt"))).toBe(true);
    expect(existsSync(outsideFile)).toBe(false);
    expect(existsSync(join(projectRoot, "dist", "planted.js"))).toBe(false);
  });

  it("a notebook that rewrites built-ins: frozen ones stay as they were, others are flagged and get 0", () => {
    expect(grades.get("s008")!.total).toBe(0);
    expect(grades.get("s008")!.exercises[0].feedback).toContain(
      "replaced built-ins the checks rely on: Error.prototype.toString",
    );
    expect(grades.get("s008")!.exercises[0].feedback).not.toContain("Array.prototype.includes"); // frozen: the assignment did nothing
  });

  it("shows what the planted reader saw: nothing outside its sandbox", () => {
    if (mode === "none") return;
    const debug = readFileSync(join(scratch, "grades.json"), "utf8");
    expect(debug).not.toContain("LEAKED-HIDDEN-CHECKS");
    expect(grades.get("s005")!.sandbox).toBe(mode);
  });

  it("re-grades unchanged submissions from the cache, through the CLI, as CSV", async () => {
    const out = join(scratch, "gradebook.csv");
    // Nothing is recomputed: the CLI's summary line counts every submission as cached.
    const { code, err } = await runCli(gradeCommand, [
      join(scratch, "subs"),
      "--source",
      source,
      "--manifest",
      join(scratch, "released", "manifest.json"),
      "--timeout",
      "15",
      "--memory",
      "256",
      "--jobs",
      "2",
      "--cache",
      join(scratch, "cache"),
      "-o",
      out,
    ]);
    expect(code).toBe(0);
    expect(err).toContain(`${roster.length} submission(s), 0 graded, ${roster.length} cached`);
    const csv = readFileSync(out, "utf8").trim().split("\n");
    expect(csv[0]).toBe("student,notebook,bytes,pfn,total,max,status,feedback");
    expect(csv[1].startsWith("s001,pages.ipynb,2,3,5,5,graded,")).toBe(true);
    expect(csv[2].startsWith("s002,pages.ipynb,0,3,3,5,graded,")).toBe(true);
    expect(csv).toHaveLength(1 + roster.length);
  });

  // How long grading took, for the log only: speed is measured in benchmarks, not asserted.
  afterAll(() => {
    const fresh = [...grades.values()].map((g) => g.seconds);
    process.stderr.write(
      `grading e2e: ${roster.length} submissions in ${seconds.toFixed(1)} s with 2 jobs; per submission ${fresh.map((s) => s.toFixed(1)).join(" ")} s\n`,
    );
  });
});
