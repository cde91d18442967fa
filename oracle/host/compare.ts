/**
 * Compare the model's results with the kernel's, step by step, and summarise: how many
 * steps and lookups agree, what the lookups covered (leaf levels, every -EINVAL cause),
 * VmPTE against the model's page-table bytes per leaf size, and the disagreements as a
 * side-by-side table.
 */
import { opLine, type Sequence } from "./cases";
import { diffStep, type StepResult } from "./results";

export interface Disagreement {
  seq: number;
  step: number;
  op: string;
  field: string;
  model: string;
  kernel: string;
}

export interface Comparison {
  sequences: number;
  steps: { compared: number; agree: number };
  /** byStop: lookups per outcome (a leaf, or EINVAL:cause); agreeByStop: how many of those agree. */
  lookups: {
    compared: number;
    agree: number;
    byStop: Record<string, number>;
    agreeByStop: Record<string, number>;
    /** The lock the kernel's start() held, per leaf level: lock class -> count. */
    lockByLeaf: Record<string, Record<string, number>>;
    /**
     * Lookups whose kernel pfn is not the linear one (vm_pgoff + page index): huge leaves the
     * v6.12 vfio rule put at a misaligned pfn, whose pmd_pfn()/pud_pfn() rounds down. Per leaf.
     */
    wrongPfnByLeaf: Record<string, number>;
  };
  /** VmPTE (kB over the sequence's start) vs the model's PUD+PMD+PTE table pages x 4 kB, at lookups that found each leaf. */
  vmpte: Record<"pte" | "pmd" | "pud", { compared: number; agree: number }>;
  disagreements: Disagreement[];
  missing: string[];
}

const show = (v: unknown) =>
  v === undefined ? "-" : typeof v === "number" && Math.abs(v) > 4096 ? `0x${v.toString(16)}` : String(v);

export function compare(
  seqs: Sequence[],
  model: Map<number, StepResult[]>,
  kernel: Map<number, StepResult[]>,
): Comparison {
  const c: Comparison = {
    sequences: seqs.length,
    steps: { compared: 0, agree: 0 },
    lookups: { compared: 0, agree: 0, byStop: {}, agreeByStop: {}, lockByLeaf: {}, wrongPfnByLeaf: {} },
    vmpte: { pte: { compared: 0, agree: 0 }, pmd: { compared: 0, agree: 0 }, pud: { compared: 0, agree: 0 } },
    disagreements: [],
    missing: [],
  };
  for (const s of seqs) {
    const m = model.get(s.id) ?? [];
    const k = kernel.get(s.id);
    if (!k) {
      c.missing.push(`sequence ${s.id}: no kernel results`);
      continue;
    }
    if (k.length !== s.ops.length)
      c.missing.push(`sequence ${s.id}: ${k.length} kernel results for ${s.ops.length} ops`);
    for (let i = 0; i < Math.min(k.length, m.length); i++) {
      const d = diffStep(m[i], k[i]);
      c.steps.compared++;
      if (d.length === 0) c.steps.agree++;
      if (k[i].op === "follow" && k[i].vma) {
        c.lookups.compared++;
        if (d.length === 0) c.lookups.agree++;
        const stop = k[i].rc === 0 ? k[i].stop! : `EINVAL:${k[i].stop}`;
        c.lookups.byStop[stop] = (c.lookups.byStop[stop] ?? 0) + 1;
        if (d.length === 0) c.lookups.agreeByStop[stop] = (c.lookups.agreeByStop[stop] ?? 0) + 1;
        if (k[i].rc === 0 && k[i].stop?.endsWith("-leaf")) {
          const leaf = k[i].stop!.slice(0, 3) as "pte" | "pmd" | "pud";
          c.vmpte[leaf].compared++;
          const locks = (c.lookups.lockByLeaf[leaf] ??= {});
          locks[k[i].lock!] = (locks[k[i].lock!] ?? 0) + 1;
          if (m[i].linearPfnOff !== undefined && k[i].pfnOff !== m[i].linearPfnOff) {
            c.lookups.wrongPfnByLeaf[leaf] = (c.lookups.wrongPfnByLeaf[leaf] ?? 0) + 1;
          }
          if (m[i].pte === k[i].pte) c.vmpte[leaf].agree++;
        }
      }
      for (const [field, mv, kv] of d) {
        c.disagreements.push({ seq: s.id, step: i, op: opLine(s.ops[i]), field, model: show(mv), kernel: show(kv) });
      }
    }
  }
  return c;
}

/** The side-by-side table of disagreements (at most `limit` rows). */
export function disagreementTable(c: Comparison, limit = 60): string {
  if (c.disagreements.length === 0) return "no disagreements";
  const rows = [
    ["seq", "step", "op", "field", "model", "kernel"],
    ...c.disagreements.slice(0, limit).map((d) => [String(d.seq), String(d.step), d.op, d.field, d.model, d.kernel]),
  ];
  const w = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  const lines = rows.map((r) => r.map((x, j) => x.padEnd(w[j])).join("  "));
  lines.splice(1, 0, w.map((n) => "-".repeat(n)).join("  "));
  if (c.disagreements.length > limit) lines.push(`... and ${c.disagreements.length - limit} more`);
  return lines.join("\n");
}
