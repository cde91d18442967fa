/**
 * The last run of the Linux 6.12 oracle (oracle/, `npm run oracle`), as the notebooks show
 * it: test/oracle/last-run.json read from the project, and text tables of what was
 * compared. Returns a note instead when no run is recorded (e.g. an exported copy).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface OracleRecord {
  kernel: string;
  date: string;
  seed: number;
  variant: string;
  sequences: number;
  steps: { compared: number; agree: number };
  lookups: {
    compared: number;
    agree: number;
    byStop: Record<string, number>;
    agreeByStop: Record<string, number>;
    lockByLeaf: Record<string, Record<string, number>>;
    wrongPfnByLeaf?: Record<string, number>;
  };
  vmpte: Record<"pte" | "pmd" | "pud", { compared: number; agree: number }>;
  barTable: { leaf: string; barBytes: number; kernelVmPteKb: number; modelKb: number }[];
  disagreements: { seq: number; step: number; op: string; field: string; model: string; kernel: string }[];
  qemuSeconds: number;
}

/** test/oracle/last-run.json of this project (from src/ or dist/), or null. */
export function loadOracleRecord(
  path = join(__dirname, "..", "..", "test", "oracle", "last-run.json"),
): OracleRecord | null {
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, "utf8")) as OracleRecord;
}

const LEAF_NAME: Record<string, string> = {
  "pte-leaf": "PTE leaf (4 KiB)",
  "pmd-leaf": "PMD leaf (2 MiB)",
  "pud-leaf": "PUD leaf (1 GiB)",
};
const CAUSE_NAME: Record<string, string> = {
  outside: "address outside [vm_start, vm_end)",
  "not-pfnmap": "vma lacks VM_IO|VM_PFNMAP",
  "p4d-none": "p4d none (no PUD table)",
  "pud-none": "pud none / not present",
  "pmd-none": "pmd not present",
  "pte-none": "pte not present",
};
const LOCK_NAME: Record<string, string> = {
  page_table_lock: "&mm->page_table_lock",
  pmd_ptlock: "PMD ptlock",
  pte_ptlock: "PTE ptlock",
  other: "other",
  none: "none",
};

function table(rows: string[][]): string {
  const w = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((x, j) => (j === 0 ? x.padEnd(w[j]) : x.padStart(w[j]))).join("  ");
  return [line(rows[0]), w.map((n) => "-".repeat(n)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

/** "These lookups agree with Linux ... in qemu: N of N cases" and the run's facts. */
export function oracleHeadline(r: OracleRecord): string {
  return (
    `These lookups agree with Linux ${r.kernel} in qemu: ${r.lookups.agree} of ${r.lookups.compared} cases ` +
    `(${r.steps.agree} of ${r.steps.compared} steps in ${r.sequences} sequences; model variant "${r.variant}"; run ${r.date.slice(0, 10)}).`
  );
}

/**
 * What the notebooks print. "leaves": lookups that found a leaf, with the lock the kernel
 * held; "einval": every -EINVAL cause; "pagetables": VmPTE beside the model's bytes.
 */
export function oracleSummary(
  topic: "leaves" | "einval" | "pagetables",
  r: OracleRecord | null = loadOracleRecord(),
): string {
  if (!r) return "No oracle run is recorded here (test/oracle/last-run.json): run `npm run oracle` in the project.";
  const agree = (k: string) => `${r.lookups.agreeByStop[k] ?? 0} of ${r.lookups.byStop[k] ?? 0}`;
  if (topic === "leaves") {
    const rows = [["lookup found", "agree (rc, pfn, writable, special, lock)", "lock the kernel held"]];
    for (const k of ["pte-leaf", "pmd-leaf", "pud-leaf"]) {
      const locks = Object.entries(r.lookups.lockByLeaf[k.slice(0, 3)] ?? {})
        .map(([l, n]) => `${LOCK_NAME[l] ?? l} x${n}`)
        .join(", ");
      rows.push([LEAF_NAME[k], agree(k), locks || "-"]);
    }
    const wrong = Object.entries(r.lookups.wrongPfnByLeaf ?? {})
      .map(([l, n]) => `${n} of the ${l.toUpperCase()}`)
      .join(" and ");
    const note = wrong
      ? `\n\n${wrong} lookups gave a pfn that is not vm_pgoff + page index, in the kernel as in the model: huge leaves\nthe v6.12 vfio alignment rule put at a misaligned pfn, which pmd_pfn()/pud_pfn() round down (notebook 03).`
      : "";
    return `${oracleHeadline(r)}\n\n${table(rows)}${note}`;
  }
  if (topic === "einval") {
    const rows = [["start() returned -EINVAL because", "agree"]];
    for (const [k, name] of Object.entries(CAUSE_NAME)) rows.push([name, agree(`EINVAL:${k}`)]);
    return `${oracleHeadline(r)}\n\n${table(rows)}`;
  }
  const rows = [["1 GiB BAR, leaves", "kernel VmPTE delta (kB)", "model PUD+PMD+PTE tables (kB)"]];
  for (const b of r.barTable)
    rows.push([
      { pte: "4 KiB", pmd: "2 MiB", pud: "1 GiB" }[b.leaf] ?? b.leaf,
      String(b.kernelVmPteKb),
      String(b.modelKb),
    ]);
  const v = r.vmpte;
  return (
    `${oracleHeadline(r)}\n\n${table(rows)}\n\n` +
    `VmPTE = model bytes at every lookup of a leaf: 4 KiB ${v.pte.agree} of ${v.pte.compared}, 2 MiB ${v.pmd.agree} of ${v.pmd.compared}, 1 GiB ${v.pud.agree} of ${v.pud.compared}.`
  );
}
