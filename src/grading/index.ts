/**
 * pfnlab coursework: release student copies, grade submissions safely, re-run notebooks
 * with other parameters.
 *
 * # README-conventions: how to write an exercise notebook
 *
 * One instructor notebook (`course/05-exercises.ipynb`, say) holds everything; `pfnlab
 * release` derives the students' copies, `pfnlab grade` grades them. Instructor sources
 * never go in notebooks/ (what students open): `npm run course` writes their plain
 * student copies there (course.ts). Cells carry their
 * role in tags (`metadata.tags`) and their grading data in `metadata.pfnlab`.
 *
 * 1. Parameters (papermill's convention). One code cell tagged `parameters` with one
 *    declaration per line, `const name = literal;`, the type inferred from the literal
 *    (number - decimal, hex 0x.., `_` separators -, string in quotes, or boolean; an
 *    annotation `const n: number = 4;` must agree). Comments and blank lines are fine;
 *    anything else is an error. A trailing `// @variant SPEC` makes the value differ per
 *    student under `release --roster`:
 *      `// @variant int LO..HI [step S]`  an integer LO, LO+S, ... <= HI (safe integers)
 *      `// @variant pick V1, V2, ...`     one of the literals listed
 *      `// @variant bool`                 true or false
 *    Every later cell must compute from the parameters (never repeat their values), and
 *    hidden checks must compute expected answers from them: the grader re-declares the
 *    student's trusted values right before the hidden checks.
 *
 * 2. Solution regions, in code cells, on lines of their own:
 *      // BEGIN SOLUTION
 *      ...instructor's code...
 *      // END SOLUTION
 *    become `// YOUR CODE HERE` + `throw new Error("not implemented");` (same indent).
 *    For an answer that later cells must type-check against, give a typed stub:
 *      // BEGIN SOLUTION stub: const answerPfn: number = 0; // replace 0 with your answer
 *      const answerPfn: number = pfnOf(vmaStart);
 *      // END SOLUTION
 *    In markdown cells: `<!-- BEGIN SOLUTION -->` ... `<!-- END SOLUTION -->` become
 *    "*Your answer here.*". A whole cell tagged `solution` is dropped. Regions do not
 *    nest; an unbalanced marker is an error naming the cell and line. Release refuses
 *    to write a copy that still contains a solution line (12+ characters) that is not
 *    also written outside the solutions.
 *
 * 3. Exercises and points. Cells of an exercise carry `metadata.pfnlab.exercise` (an id:
 *    letters, digits, `-`, `_`). Points live on hidden checks only:
 *    `metadata.pfnlab = { "exercise": "pfn-of-address", "points": 2 }`; an exercise is
 *    worth the sum of its hidden checks, and each check earns its points or none.
 *
 * 4. Visible checks: a code cell tagged `check` (with the exercise id) that calls a
 *    `check...()` function printing `PASS: ...` or `FAIL: <a hint that teaches, never the
 *    answer>`. Students keep these; they do not count (students can edit them).
 *
 * 5. Hidden checks: code cells tagged `hidden-check` with exercise and points. Plain
 *    TypeScript that throws an Error whose message is the feedback when the student's
 *    work is wrong, and completes otherwise. They may use `await`; imports must be on
 *    one line each. Release removes them; the grader runs them after the student's last
 *    cell, in the same kernel, in notebook order. Write them defensively: student values
 *    may have any type (compare with `!==`, avoid relying on methods of student objects).
 *
 * 6. Everything else (markdown, ordinary code) is copied to students as is, without
 *    outputs. Cell ids are kept; give cells stable ids.
 *
 * Student copies carry `metadata.pfnlab = { released: true, source, student? }`; with a
 * roster, a cell tagged `injected-parameters` after the parameters cell holds their
 * variant. Submissions are collected as `<folder>/<student id>/<notebook>.ipynb` (what
 * release writes), or `<folder>/<student id>.ipynb` for a one-notebook course.
 *
 * See docs/instructors.md for the commands, the sandbox and the threat model.
 */
export { TAGS, hiddenChecks, exercisePoints, gradingMeta, tagsOf, hasTag, codeCell } from "./cells";
export type { CellGradingMeta, HiddenCheck } from "./cells";
export { stripSolutions, hasSolutionMarkers, STUB_COMMENT, DEFAULT_STUB, MARKDOWN_STUB } from "./solutions";
export {
  parseParameterSource,
  findParameters,
  parseLiteral,
  parseNumberLiteral,
  parseCliValue,
  formatValue,
  injectedCell,
  withInjected,
} from "./parameters";
export type { Parameter, CellValueType, ParamValue, VariantSpec, ParametersCell } from "./parameters";
export { parseRoster, readRoster, parseCsv, isValidStudentId } from "./roster";
export type { Student } from "./roster";
export { studentSeed, variantParameters, variantValue, courseSecret } from "./variants";
export { readManifest, writeManifest, pfnlabVersion } from "./manifest";
export type { Manifest, ManifestStudent } from "./manifest";
export { studentCopy, variantCopy, release, sourceNotebooks, assertNoLeak } from "./release";
export type { StudentCopy, ReleaseOptions, ReleaseReport } from "./release";
export { armChecks, wrapCheck, checkOutcome, signedResults } from "./hidden";
export type { ArmedCheck, CheckOutcome } from "./hidden";
export { preludeSource, RESULT_PREFIX } from "./prelude";
export { loadSource, gradeSubmission, gradeAll, trustedValues } from "./grade";
export type { GradingSource, GradeOptions, SubmissionGrade, ExerciseGrade } from "./grade";
export { GradeCache, cacheKey } from "./cache";
export { findSubmissions } from "./submissions";
export type { Submission } from "./submissions";
export { gradebook, gradebookCsv, summaryLine } from "./gradebook";
export type { Gradebook } from "./gradebook";
export { injectParameters, runNotebook, toHtml } from "./run";
export type { RunOptions, RunResult } from "./run";
export * as exercises from "./exercises/index";
export {
  COURSE_DIR,
  NOTEBOOKS_DIR,
  courseNotebooks,
  releasedCopy,
  hiddenCheckLines,
  leaksIn,
  leaksUnder,
} from "./course";
export type { Leak } from "./course";
export { exportNotebooks } from "./export";
export type { ExportedNotebook } from "./export";
