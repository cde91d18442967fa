/**
 * The benchmark harness: repeat a measurement, keep the median, and compare against a
 * baseline measured in the same process (so machine speed and load cancel out of the
 * ratio). Wall-clock time is the point here, so this is the one folder that reads it;
 * nothing measured here feeds back into the simulator.
 */
import { performance } from "node:perf_hooks";

export interface BenchOptions {
  /** Tiny sizes and one repetition (the smoke test in `npm test`). */
  quick: boolean;
  /** Repetitions per case (median kept); 1 in quick mode. */
  reps: number;
  /** Progress lines go here (stderr by default; tests pass a no-op). */
  log: (line: string) => void;
}

/** One measured number, optionally against a baseline run in the same process. */
export interface BenchRow {
  bench: string;
  case: string;
  /** What `value` is, e.g. "pairs/s", "ms", "bytes". */
  unit: string;
  /** Median over the repetitions. */
  value: number;
  /** Every repetition, in the order run. */
  samples: number[];
  baseline?: { name: string; value: number; samples: number[] };
  /** value / baseline.value (or the ratio named in `ratioOf`). */
  ratio?: number;
  /** What the ratio compares, when it is not value/baseline (e.g. "bytes / floor"). */
  ratioOf?: string;
  /** The goal in words, e.g. ">= 0.5"; `met` says whether this run met it. */
  goal?: string;
  met?: boolean;
  /** Anything else worth keeping (counts, sizes). */
  extra?: Record<string, number | string | boolean>;
}

export interface BenchReport {
  name: string;
  description: string;
  rows: BenchRow[];
  notes: string[];
  /** Wall time of the whole benchmark, seconds. */
  seconds: number;
  /** Set when the benchmark could not run here (e.g. "spin not found"). */
  skipped?: string;
}

export interface Benchmark {
  name: string;
  description: string;
  run(opts: BenchOptions): Promise<BenchReport> | BenchReport;
}

export function nowMs(): number {
  return performance.now();
}

/** Milliseconds `fn` takes. */
export function timeMs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

export async function timeMsAsync(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `reps` samples of `fn`. */
export function repeat(reps: number, fn: (rep: number) => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < reps; i++) out.push(fn(i));
  return out;
}

/**
 * Samples of a measured case and of its baseline, run alternately (a, b, a, b, ...) so
 * that a burst of load from elsewhere hits both about equally.
 */
export function paired(
  reps: number,
  a: (rep: number) => number,
  b: (rep: number) => number,
): { a: number[]; b: number[] } {
  const sa: number[] = [];
  const sb: number[] = [];
  for (let i = 0; i < reps; i++) {
    sa.push(a(i));
    sb.push(b(i));
  }
  return { a: sa, b: sb };
}

/** A row with its median, and the ratio to the baseline's median when one is given. */
export function row(
  bench: string,
  kase: string,
  unit: string,
  samples: number[],
  more: Partial<Omit<BenchRow, "bench" | "case" | "unit" | "value" | "samples">> & {
    baselineSamples?: number[];
    baselineName?: string;
  } = {},
): BenchRow {
  const { baselineSamples, baselineName, ...rest } = more;
  const r: BenchRow = { bench, case: kase, unit, value: median(samples), samples, ...rest };
  if (baselineSamples) {
    const b = median(baselineSamples);
    r.baseline = { name: baselineName ?? "baseline", value: b, samples: baselineSamples };
    if (r.ratio === undefined) r.ratio = r.value / b;
  }
  return r;
}

/** Runs one benchmark, timing it and catching nothing: a broken benchmark must fail loudly. */
export async function runBenchmark(b: Benchmark, opts: BenchOptions): Promise<BenchReport> {
  const t0 = performance.now();
  const rep = await b.run(opts);
  rep.seconds = (performance.now() - t0) / 1000;
  return rep;
}

export function defaultOptions(
  quick: boolean,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): BenchOptions {
  return { quick, reps: quick ? 1 : 5, log };
}
