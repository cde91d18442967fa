/**
 * The gradebook: points per exercise, total and feedback per submission, as JSON (all
 * details) or CSV (one row per submission, one column per exercise; for spreadsheets
 * and LMS imports). Rows are sorted by student and notebook so reruns diff cleanly.
 */
import type { GradingSource, SubmissionGrade } from "./grade";
import { exercisePoints } from "./cells";

export interface Gradebook {
  kind: "pfnlab-gradebook";
  pfnlabVersion: string;
  notebooks: { name: string; exercises: { id: string; points: number }[] }[];
  results: Omit<SubmissionGrade, "seconds" | "cached">[];
}

export function gradebook(sources: GradingSource[], grades: SubmissionGrade[], version: string): Gradebook {
  const results = [...grades]
    .sort((a, b) => a.student.localeCompare(b.student) || a.notebook.localeCompare(b.notebook))
    .map(({ seconds: _s, cached: _c, ...rest }) => rest);
  return {
    kind: "pfnlab-gradebook",
    pfnlabVersion: version,
    notebooks: sources.map((s) => ({ name: s.name, exercises: exercisePoints(s.checks) })),
    results,
  };
}

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function gradebookCsv(book: Gradebook): string {
  const many = book.notebooks.length > 1;
  const columns = book.notebooks.flatMap((n) =>
    n.exercises.map((e) => ({ notebook: n.name, id: e.id, label: many ? `${n.name}:${e.id}` : e.id })),
  );
  const header = ["student", "notebook", ...columns.map((c) => c.label), "total", "max", "status", "feedback"];
  const rows = book.results.map((r) => {
    const cells = columns.map((c) =>
      c.notebook === r.notebook ? (r.exercises.find((e) => e.id === c.id)?.points ?? "") : "",
    );
    const feedback = [
      ...r.exercises.filter((e) => e.feedback).map((e) => `${e.id}: ${e.feedback}`),
      ...r.problems,
    ].join(" | ");
    return [r.student, r.notebook, ...cells, r.total, r.max, r.status, feedback];
  });
  return [header, ...rows].map((row) => row.map(csvField).join(",")).join("\n") + "\n";
}

/** One line per submission for the terminal. */
export function summaryLine(g: SubmissionGrade): string {
  const parts = g.exercises.map((e) => `${e.id} ${e.points}/${e.max}`).join(", ");
  const extra = g.cached ? " (cached)" : ` (${g.seconds.toFixed(1)} s)`;
  const flag =
    g.status === "error"
      ? " ERROR"
      : g.status === "infrastructure-error"
        ? " NOT GRADED (grading machine failure)"
        : "";
  return `${g.student} ${g.notebook}: ${g.total}/${g.max} [${parts}]${flag}${extra}`;
}
