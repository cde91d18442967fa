/**
 * Running Debian's Spin on a Promela model from the benchmark, in the same process
 * tree: `spin -a model.pml` (generates pan.c), `gcc -O2 pan.c` (with or without
 * -DNOREDUCE, i.e. partial order reduction on or off), `./pan`, and the numbers pan
 * prints (states stored, transitions, depth, errors), each phase timed from here.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { nowMs } from "./harness";

/** First executable called `name` on PATH (or in /usr/bin), or null. */
export function findTool(name: string): string | null {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), "/usr/bin", "/usr/local/bin"];
  for (const d of dirs) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  return null;
}

export interface PanResult {
  statesStored: number;
  statesMatched: number;
  transitions: number;
  depth: number;
  errors: number;
  /** pan's own "elapsed time" line, seconds (coarse: 0 below ~5 ms). */
  panSeconds: number | null;
  /** The last lines of pan's output, for the notes. */
  summary: string;
}

/** Parses the report pan prints at the end of a search. */
export function parsePan(text: string): PanResult {
  const num = (re: RegExp): number => {
    const m = re.exec(text);
    if (!m) throw new Error(`spin: pan output lacks ${re}: ${text.slice(0, 400)}`);
    return Number(m[1]);
  };
  const elapsed = /pan: elapsed time ([\d.e+-]+) seconds/.exec(text);
  return {
    statesStored: num(/^\s*(\d+) states, stored/m),
    statesMatched: num(/^\s*(\d+) states, matched/m),
    transitions: num(/^\s*(\d+) transitions \(= stored\+matched\)/m),
    depth: num(/depth reached (\d+)/),
    errors: num(/errors: (\d+)/),
    panSeconds: elapsed ? Number(elapsed[1]) : null,
    summary: text
      .split("\n")
      .filter((l) => /states, stored|transitions|errors|elapsed/.test(l))
      .map((l) => l.trim())
      .join("; "),
  };
}

export interface SpinRun {
  pan: PanResult;
  /** Wall ms of `spin -a`, of gcc, and of each ./pan run (one per repetition). */
  spinMs: number;
  gccMs: number;
  panMs: number[];
}

export interface SpinBuild {
  /** -D defines for spin's preprocessor (model variants), e.g. ["FIXED=1"]. */
  modelDefines?: string[];
  /** Extra gcc flags, e.g. ["-DNOREDUCE"] or ["-DBFS"]. */
  ccFlags?: string[];
  /** Arguments to ./pan; default a small hash table (-w16) so allocating it does not dominate. */
  panArgs?: string[];
  reps?: number;
}

function run(cmd: string, args: string[], cwd: string): { ms: number; out: string } {
  const t0 = nowMs();
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 16 * 2 ** 20 });
  const ms = nowMs() - t0;
  if (r.error) throw new Error(`spin: ${cmd} ${args.join(" ")} failed to start: ${r.error.message}`);
  if (r.status !== 0 && !(cmd.endsWith("pan") && r.status === 1)) {
    throw new Error(`spin: ${cmd} ${args.join(" ")} exited ${r.status}: ${(r.stderr || r.stdout).slice(-800)}`);
  }
  return { ms, out: `${r.stdout}${r.stderr}` };
}

/** Generates, compiles and runs the verifier for `model` in a temporary folder. */
export function runSpin(model: string, spin: string, gcc: string, b: SpinBuild = {}): SpinRun {
  const dir = mkdtempSync(join(tmpdir(), "pfnlab-spin-"));
  try {
    copyFileSync(model, join(dir, "model.pml"));
    const s = run(spin, [...(b.modelDefines ?? []).map((d) => `-D${d}`), "-a", "model.pml"], dir);
    const g = run(gcc, ["-O2", ...(b.ccFlags ?? []), "-o", "pan", "pan.c"], dir);
    const panMs: number[] = [];
    let pan: PanResult | null = null;
    for (let i = 0; i < (b.reps ?? 1); i++) {
      const p = run(join(dir, "pan"), b.panArgs ?? ["-w16"], dir);
      panMs.push(p.ms);
      pan = parsePan(p.out);
    }
    return { pan: pan!, spinMs: s.ms, gccMs: g.ms, panMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
