/**
 * Shrinking a failing schedule before it is reported: fewer preemptions first, then a
 * shorter replay prefix, keeping the same failure class. Candidates are made from the
 * schedule's blocks (maximal runs of one task): cut the tail (the default continues),
 * drop a whole block, or shorten a block. Each candidate is replayed leniently
 * (a step whose task cannot run takes the default), and the executed schedule, not the
 * candidate, becomes the new current one. Stops at a fixed point or after `budget` runs.
 */
import type { ParamValues, Scenario } from "../scenario";
import { prefixChooser, runControlled } from "./runner";
import type { RunOptions, RunReport } from "./runner";

export interface ShrinkResult {
  report: RunReport;
  /** Runs spent shrinking. */
  runs: number;
}

function blocksOf(s: readonly number[]): [id: number, n: number][] {
  const out: [number, number][] = [];
  for (const id of s) {
    const last = out[out.length - 1];
    if (last && last[0] === id) last[1]++;
    else out.push([id, 1]);
  }
  return out;
}

function flatten(blocks: readonly [number, number][]): number[] {
  const out: number[] = [];
  for (const [id, n] of blocks) for (let i = 0; i < n; i++) out.push(id);
  return out;
}

function* candidates(schedule: readonly number[]): Generator<number[]> {
  const blocks = blocksOf(schedule);
  for (let k = 1; k < blocks.length; k++) yield flatten(blocks.slice(0, k));
  for (let i = 1; i < blocks.length; i++) yield flatten([...blocks.slice(0, i), ...blocks.slice(i + 1)]);
  // Shorten one block to every smaller length, shortest first (moves a switch earlier).
  for (let i = 0; i < blocks.length; i++) {
    for (let len = 1; len < blocks[i]![1]; len++) {
      const b = blocks.map((x) => [x[0], x[1]] as [number, number]);
      b[i]![1] = len;
      yield flatten(b);
    }
  }
}

function better(a: RunReport, b: RunReport): boolean {
  if (a.preemptions !== b.preemptions) return a.preemptions < b.preemptions;
  return a.prefixSteps < b.prefixSteps;
}

export function shrinkFailure(
  scenario: Scenario,
  params: ParamValues,
  failing: RunReport,
  keep: string,
  opts: RunOptions = {},
  budget = 400,
): ShrinkResult {
  let current = failing;
  let runs = 0;
  let improved = true;
  const tried = new Set<string>();
  while (improved && runs < budget) {
    improved = false;
    for (const cand of candidates(current.schedule)) {
      const key = cand.join(",");
      if (tried.has(key)) continue;
      tried.add(key);
      if (runs >= budget) break;
      runs++;
      const r = runControlled(scenario, params, prefixChooser(cand, false), { ...opts, trace: false });
      if (r.outcomes.includes(keep) && better(r, current)) {
        current = r;
        improved = true;
        break;
      }
    }
  }
  return { report: current, runs };
}
