/** Every benchmark, in the order `npm run bench` runs them. */
import type { Benchmark } from "./harness";
import { lookupsBenchmark } from "./lookups";
import { scaleBenchmark } from "./scale";
import { explorationBenchmark } from "./exploration";
import { raceScalingBenchmark } from "./race-scaling";
import { figuresBenchmark } from "./figures";
import { notebooksBenchmark } from "./notebooks";

export const BENCHMARKS: readonly Benchmark[] = [
  lookupsBenchmark,
  scaleBenchmark,
  explorationBenchmark,
  raceScalingBenchmark,
  figuresBenchmark,
  notebooksBenchmark,
];

/** The benchmarks named in `only` (all when empty); an unknown name is an error listing the known ones. */
export function selectBenchmarks(only: readonly string[]): Benchmark[] {
  if (only.length === 0) return [...BENCHMARKS];
  const known = BENCHMARKS.map((b) => b.name);
  for (const n of only)
    if (!known.includes(n)) throw new Error(`bench: unknown benchmark '${n}' (known: ${known.join(", ")})`);
  return BENCHMARKS.filter((b) => only.includes(b.name));
}
