/** The toy scenarios: small programs that exercise the scheduler and explorer. */
import { abba } from "./abba";
import { interleave } from "./interleave";
import { lockedCounter } from "./locked-counter";
import { lostUpdate } from "./lost-update";
import { spinWait } from "./spin-wait";

export { abba, interleave, lockedCounter, lostUpdate, spinWait };
export const toyScenarios = [lostUpdate, abba, lockedCounter, interleave, spinWait] as const;
