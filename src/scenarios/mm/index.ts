/**
 * The mm race scenarios (each file a short declarative description) and their
 * registration under the names `pfnlab explore` uses.
 */
import { registerScenario } from "../registry";
import type { Scenario } from "../scenario";
import { followVsZap } from "./follow-vs-zap";
import { genericAccessPhysVsZap } from "./generic-access-phys-vs-zap";
import { kvmVsZap } from "./kvm-vs-zap";
import { naiveFollowPteVsZap } from "./naive-follow-pte-vs-zap";
import { pudLockContention } from "./pud-lock-contention";
import { s390MmioVsZap } from "./s390-mmio-vs-zap";
import { vfioType1VsZap } from "./vfio-type1-vs-zap";
import { x86PatVsZap } from "./x86-pat-vs-zap";

export {
  followVsZap,
  genericAccessPhysVsZap,
  kvmVsZap,
  naiveFollowPteVsZap,
  pudLockContention,
  s390MmioVsZap,
  vfioType1VsZap,
  x86PatVsZap,
};
export const mmScenarios = [
  followVsZap,
  vfioType1VsZap,
  kvmVsZap,
  genericAccessPhysVsZap,
  s390MmioVsZap,
  naiveFollowPteVsZap,
  x86PatVsZap,
  pudLockContention,
] as const;
for (const s of mmScenarios) registerScenario(s as unknown as Scenario);

export { buildRaceWorld, raceRun, PTE_VMA_PAGES } from "./world";
export type { RaceWorld, RaceWorldOptions, Leaf, ZapKind, ReleaseKind } from "./world";
export { RACE_FAILURES } from "./params";
export { compareCallers, raceTrace, CALLER_CASES, COMPARE_DEFAULTS } from "./compare";
export { mirrorOfFrames, mirrorsOfTrace, MIRRORS } from "./mirrors";
export { SEVERITY, worstOutcomeOf, tallyOutcomes, worstOutcomes, paramGridCases } from "./tally";
export type { OutcomeTally, TallyOptions, WorstOutcomesOptions } from "./tally";
export type { CallerCase, CompareOptions, CallerOutcomes, MirrorLocation, RaceStep, RaceTrace } from "./compare";
