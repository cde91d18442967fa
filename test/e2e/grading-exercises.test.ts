// course/05-exercises (the instructor source) end to end, graded in real sandboxed tslab kernels: two students'
// variants differ, the instructor's notebook grades 100%, the untouched release 0 (and
// holds no solution text), each student's copy filled with its own answers 100% and with
// the other student's answers less.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  gradeAll,
  loadSource,
  readManifest,
  release,
  stripSolutions,
  type Manifest,
  type SubmissionGrade,
} from "../../src/grading";
import { classifyTruth, mapBarWith, pfnLockWorld, pudWindow, raceBoundFacts } from "../../src/grading/exercises";
import { PAGE_SIZE, SZ_1G } from "../../src/mm";
import { projectRoot, readNotebook, writeNotebook, type Notebook } from "../../src/runner";

const NAME = "05-exercises.ipynb";
const source = join(projectRoot, "course", NAME);
const scratch = join(projectRoot, "test-output", "grading-exercises-e2e");
const roster = ["s001", "s002", "s003", "s004"];
type Params = Record<string, number | string | boolean>;

const text = (c: Notebook["cells"][number]) => (Array.isArray(c.source) ? c.source.join("") : c.source);

/** The answer cells whose solution is a value: replaced by literal declarations computed for `p`. */
function valueAnswers(p: Params): Record<string, string> {
  const w = pfnLockWorld({
    barMiB: p.ex1BarMiB as number,
    offsetMiB: p.ex1OffsetMiB as number,
    page: p.ex1Page as number,
    byte: p.ex1Byte as number,
    splitPmd: p.ex1SplitPmd as boolean,
  });
  const pfn = w.bar.startPfn + w.vma.vmPgoff + Math.floor((w.address - w.vma.vmStart) / PAGE_SIZE);
  const win = pudWindow({
    barGiB: p.ex3BarGiB as number,
    windowGiB: p.ex3WindowGiB as number,
    skewMiB: p.ex3SkewMiB as number,
  });
  const race = raceBoundFacts({ leaf: p.ex5Leaf as string, zap: p.ex5Zap as string });
  return {
    "ex1-answer": `const answerPfn: number = ${pfn};\nconst answerLock: string = ${JSON.stringify(p.ex1SplitPmd ? "ptlock (PMD)" : "&mm->page_table_lock")};`,
    "ex3-answer": `const answerPudAddr: number = ${Math.ceil(win.start / SZ_1G) * SZ_1G};`,
    "ex4-answer": `const answerBytes4k: number = ${mapBarWith({ barMiB: p.ex4BarMiB as number }, "pte").pgtableBytes()};\nconst answerBytes2m: number = ${mapBarWith({ barMiB: p.ex4BarMiB as number }, "pmd").pgtableBytes()};`,
    "ex5-answer":
      `const answerBound: number = ${race.bound};\nconst answerStaleAt2: number = ${race.staleAt2};\n` +
      `const answerWhyPte: string = "The pte is read under the PTE lock, which the zap takes to clear it, so the lookup sees it before or after the zap.";`,
    "ex8-answer": `const answerOutcome: string = ${JSON.stringify(classifyTruth({ case: p.ex8Case as number }))};\nconst answerWhy: string = "The zap ran relative to the lookup's lock as the trace shows, and the pfn use came after it.";`,
  };
}

/** A released copy with answers: value cells from `p`, function cells from the instructor's solution. */
function fill(copy: Notebook, instructor: Notebook, p: Params): Notebook {
  const nb = JSON.parse(JSON.stringify(copy)) as Notebook;
  const values = valueAnswers(p);
  for (const cell of nb.cells) {
    const id = cell.id as string;
    if (!id.endsWith("-answer")) continue;
    cell.source = values[id] ?? text(instructor.cells.find((c) => c.id === id)!);
  }
  return nb;
}

let manifest: Manifest;
let grades: Map<string, SubmissionGrade>;
const params = (id: string) => manifest.students[id]!.params[NAME] as Params;
const released = (id: string) => join(scratch, "released", id, NAME);

beforeAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  const r = release({
    sources: [source],
    outDir: join(scratch, "released"),
    roster: roster.map((id) => ({ id, name: id })),
    secret: "e2e-exercises",
  });
  manifest = readManifest(r.manifestPath!);
  const instructor = readNotebook(source);
  const copy = (id: string) => readNotebook(released(id));
  const subs: { student: string; nb: Notebook; round: string }[] = [
    { student: "s001", nb: fill(copy("s001"), instructor, params("s001")), round: "own" },
    { student: "s002", nb: fill(copy("s002"), instructor, params("s002")), round: "own" },
    { student: "s003", nb: instructor, round: "own" }, // the instructor's notebook, solutions and all
    { student: "s004", nb: copy("s004"), round: "own" }, // handed in untouched
    { student: "s001", nb: fill(copy("s001"), instructor, params("s002")), round: "cross" },
    { student: "s002", nb: fill(copy("s002"), instructor, params("s001")), round: "cross" },
  ];
  const submissions = subs.map((s) => {
    const path = join(scratch, s.round, s.student, NAME);
    mkdirSync(join(scratch, s.round, s.student), { recursive: true });
    writeNotebook(path, s.nb);
    return { path, student: s.student, notebook: NAME };
  });
  const results = await gradeAll(submissions, new Map([[NAME, loadSource(source, NAME)]]), {
    manifest,
    timeout: 30,
    memoryMiB: 512,
    jobs: 2,
    cache: null,
  });
  grades = new Map(results.map((g, i) => [`${subs[i]!.round}/${g.student}`, g]));
  writeFileSync(join(scratch, "grades.json"), JSON.stringify(results, null, 1));
}, 240_000);

const pct = (key: string) => {
  const g = grades.get(key)!;
  return (100 * g.total) / g.max;
};

describe("05-exercises: release and grade", () => {
  it("gives the two students different parameters", () => {
    const [a, b] = [params("s001"), params("s002")];
    const differing = Object.keys(a).filter((k) => a[k] !== b[k]);
    expect(differing.length).toBeGreaterThanOrEqual(5);
    expect(a.ex1Page).not.toBe(b.ex1Page);
  });

  it("has nine exercises worth 24 points", () => {
    const g = grades.get("own/s003")!;
    expect(g.exercises.map((e) => e.id)).toEqual([
      "pfn-lock",
      "einval",
      "pud-align",
      "pgtable-bytes",
      "race-bound",
      "safe-caller",
      "fix-misuse",
      "classify",
      "race-by-hand",
    ]);
    expect(g.max).toBe(24);
  });

  it("grades the instructor's solution notebook 100%", () => {
    expect(grades.get("own/s003")!.exercises.filter((e) => e.points < e.max)).toEqual([]);
    expect(pct("own/s003")).toBe(100);
  });

  it("grades the untouched student copy 0, and the copy holds no solution text", () => {
    expect(pct("own/s004")).toBe(0);
    const file = readFileSync(released("s004"), "utf8");
    const copyText = JSON.parse(file) as Notebook;
    const publicLines = new Set(
      copyText.cells.flatMap((c) =>
        text(c)
          .split("\n")
          .map((l) => l.trim()),
      ),
    );
    for (const cell of readNotebook(source).cells) {
      if (cell.cell_type !== "code") continue;
      const src = text(cell);
      if ((cell.metadata.tags as string[] | undefined)?.includes("hidden-check")) {
        expect(file).not.toContain(JSON.stringify(src).slice(1, -1));
        continue;
      }
      const { removed } = stripSolutions(src, "code", cell.id as string);
      if (removed.length === 0) continue;
      expect(file, `region of ${cell.id}`).not.toContain(JSON.stringify(removed.join("\n")).slice(1, -1));
      for (const line of removed.map((l) => l.trim()).filter((l) => l.length >= 12 && !publicLines.has(l))) {
        expect(file, `${cell.id}: ${line}`).not.toContain(JSON.stringify(line).slice(1, -1));
      }
    }
  });

  it("grades each student's copy 100% with its own answers and less with the other's", () => {
    expect(pct("own/s001")).toBe(100);
    expect(pct("own/s002")).toBe(100);
    expect(pct("cross/s001")).toBeLessThan(100);
    expect(pct("cross/s002")).toBeLessThan(100);
    // The function exercises do not depend on the variant; the value exercises do.
    const lost = grades
      .get("cross/s002")!
      .exercises.filter((e) => e.points < e.max)
      .map((e) => e.id);
    expect(lost).toContain("pfn-lock");
    expect(lost).not.toContain("safe-caller");
  });

  // How long grading took, for the log only: speed is measured in benchmarks, not asserted.
  afterAll(() => {
    const each = [...grades.values()].map((g) => g.seconds);
    process.stderr.write(
      `05-exercises grading: ${grades.size} submissions with 2 jobs; per submission ${each.map((s) => s.toFixed(1)).join(" ")} s\n`,
    );
  });
});
