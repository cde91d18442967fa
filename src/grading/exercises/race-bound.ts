/**
 * Exercise "race-bound": the smallest preemption bound at which exhaustive exploration of
 * follow-vs-zap finds the v6.12 recheck bug (mm/memory.c follow_pfnmap_start, fixed by
 * ffef67b93aa3) for the student's leaf level and zap, how many schedules within two
 * preemptions end with a stale pfn, and why PTE leaves never show it.
 */
import { explore } from "../../sched/explore/explorer";
import "../../scenarios/mm/index";
import { describeValue, fail, needChoice, pass, type Verdict } from "./verdict";

const EX = "race-bound";

export interface RaceBoundParams {
  /** "pmd" or "pud". */
  leaf: string;
  /** "unmap_mapping_range" or "zap_vma_ptes". */
  zap: string;
}

export interface RaceBoundFacts {
  /** Smallest bound with a stale-pfn schedule (checked up to 3). */
  bound: number;
  /** Schedules with <= 2 preemptions that end stale-pfn. */
  staleAt2: number;
  /** Same search on PTE leaves: stale-pfn schedules (0). */
  pteStaleAt2: number;
}

function run(leaf: string, zap: string, preemptions: number) {
  return explore("follow-vs-zap", {
    strategy: "dfs",
    preemptions,
    params: { variant: "v6.12", leaf, zap, release: "none" },
  });
}

/** The model's answers (the check computes them; students find them with explore()). */
export function raceBoundFacts(p: RaceBoundParams): RaceBoundFacts {
  needChoice("raceBoundFacts", "leaf", p.leaf, ["pmd", "pud"] as const);
  needChoice("raceBoundFacts", "zap", p.zap, ["unmap_mapping_range", "zap_vma_ptes"] as const);
  let bound = -1;
  for (let b = 0; b <= 3 && bound < 0; b++) if ((run(p.leaf, p.zap, b).outcomes["stale-pfn"] ?? 0) > 0) bound = b;
  return {
    bound,
    staleAt2: run(p.leaf, p.zap, 2).outcomes["stale-pfn"] ?? 0,
    pteStaleAt2: run("pte", p.zap, 2).outcomes["stale-pfn"] ?? 0,
  };
}

/** Loose check of the explanation: it must talk about the PTE lock and when the entry is read. */
export function explainsPte(why: string): boolean {
  const w = why.toLowerCase();
  return (
    w.length >= 40 && /lock/.test(w) && /(under|holding|held|after|inside|while)/.test(w) && /(pte|entry|read)/.test(w)
  );
}

export function verifyRaceBound(
  answerBound: unknown,
  answerStale: unknown,
  answerWhy: unknown,
  p: RaceBoundParams,
): Verdict {
  const f = raceBoundFacts(p);
  const cfg = `v6.12, ${p.leaf} leaf, zap=${p.zap}`;
  if (answerBound !== f.bound) {
    return fail(
      EX,
      `answerBound ${describeValue(answerBound)} is not the smallest bound: run explore("follow-vs-zap", { preemptions: b, params: { variant: "v6.12", leaf, zap, release: "none" } }) ` +
        `for b = 0 and upwards (${cfg}) and look for the first b whose outcomes include "stale-pfn"; a bound b lets the scheduler switch tasks b times where no task blocks.`,
    );
  }
  if (answerStale !== f.staleAt2) {
    return fail(
      EX,
      `the bound is right; answerStaleAt2 ${describeValue(answerStale)} is not the number of schedules with at most 2 preemptions (${cfg}, release none) that end "stale-pfn": read result.outcomes of that exhaustive run.`,
    );
  }
  if (typeof answerWhy !== "string" || !explainsPte(answerWhy)) {
    return fail(
      EX,
      `bound and count are right; answerWhyPte should explain (in a sentence or two) why a PTE leaf never gives a stale pfn: where is the pte read relative to the PTE lock, and under which lock does the zap clear it?`,
    );
  }
  return pass(EX, `bound ${f.bound}, ${f.staleAt2} stale-pfn schedules at bound 2 (PTE leaves: ${f.pteStaleAt2})`);
}
