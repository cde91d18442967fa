/**
 * One oracle run: cases (seeded random sequences plus the BAR-size sequences), the model's
 * results, the guest's results from a single qemu boot, the comparison, and the record
 * written under test/oracle/ (a summary JSON for the notebooks, plus the case file and the
 * kernel's raw lines, which test/oracle/replay.test.ts replays through the model without qemu).
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { caseFile, type Sequence } from "./cases";
import { compare, disagreementTable, type Comparison } from "./compare";
import { BAR_SEQUENCES, barSequences, generate } from "./generate";
import { PROJECT_ROOT, bootGuest, buildGuest, buildInitramfs, findGuestTools } from "./guest";
import { runModel } from "./model-run";
import { parseGuestOutput, type StepResult } from "./results";
import type { OracleRecord } from "../../src/oracle/record";

export interface OracleRun {
  kernel: string;
  date: string;
  seed: number;
  seqs: Sequence[];
  cases: string;
  guestLines: string[];
  model: Map<number, StepResult[]>;
  kernelResults: Map<number, StepResult[]>;
  comparison: Comparison;
  qemuSeconds: number;
}

export const RECORD_DIR = join(PROJECT_ROOT, "test", "oracle");

/** The sequences of a run: `count` seeded ones, then the BAR-size ones. */
export function oracleSequences(seed: number, count: number): Sequence[] {
  return [...generate(seed, count), ...barSequences()];
}

export async function runOracle(o: {
  seed: number;
  count: number;
  log?: (s: string) => void;
}): Promise<OracleRun | null> {
  const log = o.log ?? (() => {});
  const { tools, missing } = findGuestTools();
  if (!tools) {
    log(`oracle skipped: missing ${missing.join("; ")}`);
    return null;
  }
  const seqs = oracleSequences(o.seed, o.count);
  const cases = caseFile(seqs);
  const model = runModel(seqs);
  log(
    `oracle: ${seqs.length} sequences, ${seqs.reduce((n, s) => n + s.ops.length, 0)} steps; building the module and the guest for ${tools.kver}`,
  );
  const built = buildGuest(tools);
  const initrd = buildInitramfs(tools, built, cases);
  log(`oracle: booting ${tools.vmlinuz} in qemu (TCG)`);
  const boot = await bootGuest(tools, initrd);
  const guest = parseGuestOutput(boot.text);
  if (guest.errors.length) throw new Error(`oracle: the guest reported errors:\n${guest.errors.join("\n")}`);
  const comparison = compare(seqs, model, guest.seqs);
  const c = comparison;
  log(`oracle: Linux ${guest.uname} in qemu, ${boot.seconds.toFixed(1)} s`);
  log(`  steps   ${c.steps.agree} of ${c.steps.compared} agree`);
  log(
    `  lookups ${c.lookups.agree} of ${c.lookups.compared} agree (rc, pfn, writable, special, lock class, where the walk stops)`,
  );
  log(
    `  lookups by outcome: ${Object.entries(c.lookups.byStop)
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  );
  log(
    `  huge leaves at a misaligned pfn (v6.12 rule; pfn rounded down), in both: ${JSON.stringify(c.lookups.wrongPfnByLeaf)}`,
  );
  log(
    `  VmPTE = model page-table bytes at lookups of 4K/2M/1G leaves: ${c.vmpte.pte.agree}/${c.vmpte.pte.compared}, ${c.vmpte.pmd.agree}/${c.vmpte.pmd.compared}, ${c.vmpte.pud.agree}/${c.vmpte.pud.compared}`,
  );
  for (const m of c.missing) log(`  MISSING ${m}`);
  log(disagreementTable(c, Infinity));
  return {
    kernel: guest.uname,
    date: new Date().toISOString(),
    seed: o.seed,
    seqs,
    cases,
    guestLines: boot.text
      .split("\n")
      .filter((l) => l.includes("@o {"))
      .map((l) => l.slice(l.indexOf("@o {")).trimEnd()),
    model,
    kernelResults: guest.seqs,
    comparison,
    qemuSeconds: boot.seconds,
  };
}

export function summarise(run: OracleRun): OracleRecord {
  const c = run.comparison;
  const barTable = BAR_SEQUENCES.map((b) => {
    const k = run.kernelResults.get(b.id) ?? [];
    const m = run.model.get(b.id) ?? [];
    return {
      leaf: b.leaf,
      barBytes: b.barBytes,
      kernelVmPteKb: k[k.length - 1]?.pte ?? -1,
      modelKb: m[m.length - 1]?.pte ?? -1,
    };
  });
  return {
    kernel: run.kernel,
    date: run.date,
    seed: run.seed,
    variant: "fixed",
    sequences: c.sequences,
    steps: c.steps,
    lookups: c.lookups,
    vmpte: c.vmpte,
    barTable,
    disagreements: c.disagreements.slice(0, 100),
    qemuSeconds: Math.round(run.qemuSeconds),
  };
}

/**
 * Write test/oracle/last-run.json, last-run.cases.txt and last-run.guest.txt, and append
 * one line per run to runs.jsonl (kernel, date, counts, agreements).
 */
export function recordRun(run: OracleRun): string[] {
  mkdirSync(RECORD_DIR, { recursive: true });
  const summary = summarise(run);
  const c = run.comparison;
  const line = {
    kernel: summary.kernel,
    date: summary.date,
    seed: summary.seed,
    sequences: summary.sequences,
    steps: `${c.steps.agree}/${c.steps.compared}`,
    lookups: `${c.lookups.agree}/${c.lookups.compared}`,
    vmpte: `${c.vmpte.pte.agree + c.vmpte.pmd.agree + c.vmpte.pud.agree}/${c.vmpte.pte.compared + c.vmpte.pmd.compared + c.vmpte.pud.compared}`,
    disagreements: c.disagreements.length,
    qemuSeconds: summary.qemuSeconds,
  };
  appendFileSync(join(RECORD_DIR, "runs.jsonl"), JSON.stringify(line) + "\n");
  const files = {
    "last-run.json": JSON.stringify(summary, null, 1) + "\n",
    "last-run.cases.txt": run.cases,
    "last-run.guest.txt": run.guestLines.join("\n") + "\n",
  };
  for (const [f, text] of Object.entries(files)) writeFileSync(join(RECORD_DIR, f), text);
  return [...Object.keys(files), "runs.jsonl"].map((f) => join("test", "oracle", f));
}
