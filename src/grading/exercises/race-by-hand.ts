/**
 * Exercise "race-by-hand": cause the v6.12 recheck bug (mm/memory.c follow_pfnmap_start,
 * fixed by ffef67b93aa3) yourself in the stepper, on the student's leaf level and BAR
 * release, until the device memory behind the stale pfn is gone: a use-after-free. The
 * answer is the replay string the stepper shows; the check replays it.
 */
import { getScenario } from "../../scenarios/registry";
import "../../scenarios/mm/index";
import { replay } from "../../sched/explore/explorer";
import { parseReplay } from "../../sched/explore/replay-string";
import { attempt, describeValue, fail, needChoice, pass, type Verdict } from "./verdict";

const EX = "race-by-hand";

export interface RaceByHandParams {
  /** "pmd" or "pud". */
  leaf: string;
  /** "reset-bar" or "move-bar". */
  release: string;
}

/** The stepper's bound: a schedule found there has at most this many preemptions. */
export const RACE_BY_HAND_BOUND = 2;

export function verifyRaceByHand(answerReplay: unknown, p: RaceByHandParams): Verdict {
  needChoice("verifyRaceByHand", "leaf", p.leaf, ["pmd", "pud"] as const);
  needChoice("verifyRaceByHand", "release", p.release, ["reset-bar", "move-bar"] as const);
  const want = `showStepper("follow-vs-zap", { params: { variant: "v6.12", leaf: "${p.leaf}", release: "${p.release}" } })`;
  if (typeof answerReplay !== "string" || answerReplay.trim() === "" || answerReplay.length > 200) {
    return fail(
      EX,
      `answerReplay ${describeValue(answerReplay)} should be the replay string the stepper shows when a run ends (e.g. "leaf=pud/a3b"); open ${want}.`,
    );
  }
  const text = answerReplay.trim();
  const scenario = getScenario("follow-vs-zap");
  const parsed = attempt(() => parseReplay(scenario, text));
  if (parsed.error !== null)
    return fail(EX, `answerReplay ${describeValue(text)} is not a replay string of follow-vs-zap: ${parsed.error}`);
  const got = parsed.value.params;
  const wrong = (["variant", "leaf", "release"] as const).filter(
    (k) => got[k] !== { variant: "v6.12", leaf: p.leaf, release: p.release }[k],
  );
  if (wrong.length || got.zap !== "unmap_mapping_range" || got.refault !== false || got.lookups !== 1) {
    return fail(
      EX,
      `answerReplay ${describeValue(text)} is a schedule of another race (${wrong.map((k) => `${k}=${String(got[k])}`).join(", ") || "other params"}): find yours in ${want}.`,
    );
  }
  const run = attempt(() => replay(scenario, text));
  if (run.error !== null) return fail(EX, `answerReplay ${describeValue(text)} does not replay: ${run.error}`);
  const r = run.value;
  if (r.preemptions > RACE_BY_HAND_BOUND) {
    return fail(
      EX,
      `that schedule takes ${r.preemptions} preemptions; the stepper allows ${RACE_BY_HAND_BOUND}: the race needs only one well-placed switch.`,
    );
  }
  if (!r.outcomes.includes("use-after-free")) {
    const seen = r.outcomes.join(", ");
    return fail(
      EX,
      `your schedule ends ${seen}, not use-after-free.` +
        (r.outcomes.includes("stale-pfn")
          ? " The lookup got a stale pfn: now let the zapper also release the BAR before the lookup uses the pfn."
          : " Switch to the zapper after the lookup's unlocked read of the entry and before it takes the lock, and let the zap and the release finish."),
    );
  }
  return pass(EX, `${text} replays to ${r.outcomes.join(", ")} with ${r.preemptions} preemption(s)`);
}
