/** The table printed by `npm run bench`, and the JSON file it writes. */
import { writeFileSync } from "node:fs";
import type { BenchReport, BenchRow } from "./harness";

/** A number with 3 significant digits and a k/M/G suffix for big ones. */
export function fmt(v: number | undefined): string {
  if (v === undefined) return "";
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  if (a === 0) return "0";
  return a >= 100 ? v.toFixed(0) : v.toPrecision(3);
}

function ratioText(r: BenchRow): string {
  if (r.ratio === undefined) return "";
  const mark = r.met === undefined ? "" : r.met ? " ok" : " MISSED";
  const x = r.ratio;
  const text = x >= 100 ? x.toFixed(0) : x >= 0.01 || x === 0 ? x.toFixed(2) : x.toPrecision(2);
  return `${text}x${mark}`;
}

export function formatTable(reports: readonly BenchReport[]): string {
  const head = ["benchmark", "case", "median", "unit", "baseline", "ratio", "goal"];
  const lines: string[][] = [head];
  for (const rep of reports) {
    if (rep.skipped) lines.push([rep.name, `skipped: ${rep.skipped}`, "", "", "", "", ""]);
    for (const r of rep.rows) {
      const base = r.baseline ? `${fmt(r.baseline.value)} (${r.baseline.name})` : "";
      lines.push([
        r.bench,
        r.case,
        fmt(r.value),
        r.unit,
        base,
        ratioText(r) + (r.ratioOf ? ` ${r.ratioOf}` : ""),
        r.goal ?? "",
      ]);
    }
  }
  const widths = head.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  const out = lines.map((l) =>
    l
      .map((x, c) => (c === 2 ? x.padStart(widths[c]!) : x.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd(),
  );
  out.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  const notes = reports.flatMap((r) => r.notes.map((n) => `- ${r.name}: ${n}`));
  return [...out, ...(notes.length ? ["", "notes:", ...notes] : [])].join("\n");
}

export interface BenchFile {
  /** Node version, platform and cpu count: enough to tell runs apart, no host names. */
  machine: { node: string; platform: string; arch: string; cpus: number };
  quick: boolean;
  reps: number;
  totalSeconds: number;
  benchmarks: BenchReport[];
}

export function writeResults(path: string, file: BenchFile): void {
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
}
