/**
 * `npm run oracle`: generate seeded sequences, run them through the model (variant
 * "fixed") and once through Linux 6.12 in qemu, print a side-by-side table of every
 * disagreement and record the run under test/oracle/.
 *
 *   node .dist-oracle/oracle/host/main.js [--seed N] [--count N] [--no-record]
 */
import { runOracle, recordRun } from "./oracle";

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, d: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : d;
  };
  const res = await runOracle({ seed: opt("--seed", 14), count: opt("--count", 70), log: (s) => console.log(s) });
  if (!res) {
    process.exitCode = 0;
    return;
  }
  if (!argv.includes("--no-record")) console.log(`recorded: ${recordRun(res).join(", ")}`);
  if (res.comparison.disagreements.length || res.comparison.missing.length) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exitCode = 1;
});
