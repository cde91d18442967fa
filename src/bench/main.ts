#!/usr/bin/env node
/**
 * `npm run bench`: run every benchmark (or `--only name[,name]`), print a table of
 * medians and ratios against baselines measured in the same process, and write
 * bench-results.json at the project root. `--quick`: tiny sizes, one repetition.
 * `--out file`: write the JSON elsewhere. `--reps N`: repetitions per case.
 */
import { cpus } from "node:os";
import { join } from "node:path";
import { BENCHMARKS, selectBenchmarks } from "./registry";
import { defaultOptions, nowMs, runBenchmark, type BenchReport } from "./harness";
import { formatTable, writeResults } from "./report";
import { projectRoot } from "../runner/execute";

interface Cli {
  quick: boolean;
  only: string[];
  out: string;
  reps: number | null;
}

export function parseArgs(argv: readonly string[]): Cli {
  const cli: Cli = { quick: false, only: [], out: join(projectRoot, "bench-results.json"), reps: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench: ${a} needs a value`);
      return v;
    };
    if (a === "--quick") cli.quick = true;
    else if (a === "--only") cli.only.push(...value().split(",").filter(Boolean));
    else if (a.startsWith("--only=")) cli.only.push(...a.slice(7).split(",").filter(Boolean));
    else if (a === "--out") cli.out = value();
    else if (a === "--reps") {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error(`bench: --reps ${n} must be an integer >= 1`);
      cli.reps = n;
    } else if (a === "--help" || a === "-h") {
      process.stdout.write(
        `usage: node dist/bench/main.js [--quick] [--only ${BENCHMARKS.map((b) => b.name).join("|")}] [--reps N] [--out file]\n`,
      );
      process.exit(0);
    } else throw new Error(`bench: unknown argument '${a}' (known: --quick, --only name, --reps N, --out file)`);
  }
  return cli;
}

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  const opts = defaultOptions(cli.quick);
  if (cli.reps !== null) opts.reps = cli.reps;
  const t0 = nowMs();
  const reports: BenchReport[] = [];
  for (const b of selectBenchmarks(cli.only)) {
    opts.log(`== ${b.name}: ${b.description}`);
    reports.push(await runBenchmark(b, opts));
  }
  const totalSeconds = (nowMs() - t0) / 1000;
  process.stdout.write(`${formatTable(reports)}\n\ntotal ${totalSeconds.toFixed(1)} s; results in ${cli.out}\n`);
  writeResults(cli.out, {
    machine: { node: process.version, platform: process.platform, arch: process.arch, cpus: cpus().length },
    quick: cli.quick,
    reps: opts.reps,
    totalSeconds,
    benchmarks: reports,
  });
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
