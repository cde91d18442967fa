/**
 * Exercise "classify": given a scenario and the replay string of one schedule, predict the
 * sanitizer's worst outcome class for that run (ok, einval, retried, stale-pfn,
 * use-after-free) and say why in a sentence. The check replays the schedule.
 */
import { PFN_OUTCOMES } from "../../checks/sanitizer";
import { replay } from "../../sched/explore/explorer";
import "../../scenarios/mm/index";
import type { ParamValue } from "../../scenarios/scenario";
import { describeValue, fail, needInt, pass, type Verdict } from "./verdict";

const EX = "classify";

/** One race to classify. */
export interface ClassifyCase {
  scenario: string;
  params: Record<string, ParamValue>;
  replay: string;
  /** What the student is told about the setting. */
  story: string;
}

/** The cases a student may get (ex8Case indexes them); replay strings found with explore(). */
export const CLASSIFY_CASES: readonly ClassifyCase[] = [
  {
    scenario: "follow-vs-zap",
    params: { variant: "v6.12", leaf: "pmd", release: "none" },
    replay: "a4b",
    story: "the plain start/use/end caller on the v6.12 kernel, PMD leaf, the zap frees nothing",
  },
  {
    scenario: "vfio-type1-vs-zap",
    params: { notifier: "none" },
    replay: "a10b",
    story: "VFIO type1 without a notifier, PMD leaf, the zap is a device reset",
  },
  {
    scenario: "vfio-type1-vs-zap",
    params: { notifier: "interval" },
    replay: "notifier=interval/a10b",
    story: "VFIO type1 with an interval notifier, PMD leaf, device reset",
  },
  {
    scenario: "generic-access-phys-vs-zap",
    params: {},
    replay: "a12b",
    story: "ptrace through generic_access_phys (fixed kernel) while the BAR is zapped",
  },
  {
    scenario: "kvm-vs-zap",
    params: { check: "skip" },
    replay: "check=skip/b7a",
    story: "a KVM fault path that skips the mmu_invalidate_seq check",
  },
  {
    scenario: "follow-vs-zap",
    params: { variant: "v6.12", leaf: "pte", release: "none" },
    replay: "a4b",
    story: "the plain caller on the v6.12 kernel, but a PTE leaf",
  },
];

export const CLASSIFY_CLASSES = ["ok", "einval", "retried", "stale-pfn", "use-after-free"] as const;

export interface ClassifyParams {
  /** Index into CLASSIFY_CASES. */
  case: number;
}

export function classifyCase(p: ClassifyParams): ClassifyCase {
  return CLASSIFY_CASES[needInt("classifyCase", "case", p.case, 0, CLASSIFY_CASES.length - 1)]!;
}

/** The worst outcome class of the case's run (PFN_OUTCOMES order, misuse excluded). */
export function classifyTruth(p: ClassifyParams): string {
  const c = classifyCase(p);
  const r = replay(c.scenario, c.replay, { params: c.params });
  let worst = "ok";
  for (const o of r.outcomes)
    if (PFN_OUTCOMES.indexOf(o as never) > PFN_OUTCOMES.indexOf(worst as never) && o !== "misuse") worst = o;
  return worst;
}

/** Loose: a sentence that names something of the mechanism. */
export function explainsOutcome(why: string): boolean {
  const w = why.toLowerCase();
  return w.length >= 30 && /(zap|lock|notifier|seq|recheck|iommu|pfn|reset|retry|stale|tlb|spte|entry)/.test(w);
}

const CLASS_HINT: Record<string, string> = {
  ok: "nothing went wrong in this schedule",
  einval: "the lookup failed cleanly",
  retried: "the caller noticed the invalidation and looked up again",
  "stale-pfn": "a pfn was used or returned after the address stopped mapping it, but the memory is still the same",
  "use-after-free": "the memory behind a held pfn changed (reset, moved, freed) before it was used",
};

export function verifyClassify(answerOutcome: unknown, answerWhy: unknown, p: ClassifyParams): Verdict {
  const truth = classifyTruth(p);
  const c = classifyCase(p);
  if (typeof answerOutcome !== "string" || !(CLASSIFY_CLASSES as readonly string[]).includes(answerOutcome)) {
    return fail(
      EX,
      `answerOutcome is ${describeValue(answerOutcome)}: write one of ${CLASSIFY_CLASSES.map((x) => `"${x}"`).join(", ")}.`,
    );
  }
  if (answerOutcome !== truth) {
    return fail(
      EX,
      `"${answerOutcome}" means ${CLASS_HINT[answerOutcome]}; that is not the worst thing in this run. Walk the trace of ${c.scenario} ${c.replay}: ` +
        `where does the zap run relative to the lookup's lock, and is the pfn (or an IOMMU/spte entry holding it) used after the zap, and after the memory was released?`,
    );
  }
  if (typeof answerWhy !== "string" || !explainsOutcome(answerWhy)) {
    return fail(
      EX,
      `the class is right; answerWhy should say in a sentence which step of the trace makes it so (which task ran where, relative to the zap).`,
    );
  }
  return pass(EX, `${truth}`);
}
