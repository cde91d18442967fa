/**
 * Checks of course/05-exercises: for each exercise a `verify...` (returns a Verdict),
 * a `check...` for the visible check cell (prints PASS or FAIL with a hint) and a
 * `require...` for the hidden check cell (throws the hint; stricter where it can be).
 * Hints teach (what the model saw, which rule to read); they never print the answer.
 */
import { verifyClassify, type ClassifyParams } from "./classify";
import { verifyEinval, type EinvalParams } from "./einval";
import { verifyFixMisuse, type FixMisuseParams } from "./fix-misuse";
import { verifyPfnLock, type PfnLockParams } from "./pfn-lock";
import { verifyPgtableBytes, type PgtableBytesParams } from "./pgtable-bytes";
import { verifyPudAlign, type PudAlignParams } from "./pud-align";
import { verifyRaceBound, type RaceBoundParams } from "./race-bound";
import { verifyRaceByHand, type RaceByHandParams } from "./race-by-hand";
import { verifySafeCaller, type SafeCallerParams } from "./safe-caller";
import { enforce, report } from "./verdict";

export * from "./verdict";
export * from "./pfn-lock";
export * from "./einval";
export * from "./pud-align";
export * from "./pgtable-bytes";
export * from "./race-bound";
export * from "./safe-caller";
export * from "./fix-misuse";
export * from "./classify";
export * from "./race-by-hand";

// 1. pfn and lock of one address in a PMD-leaf BAR mapping
export const checkPfnLock = (pfn: unknown, lock: unknown, p: PfnLockParams): void =>
  void report(verifyPfnLock(pfn, lock, p));
export const requirePfnLock = (pfn: unknown, lock: unknown, p: PfnLockParams): void =>
  enforce(verifyPfnLock(pfn, lock, p));

// 2. every -EINVAL of follow_pfnmap_start
export const checkEinval = (failLookup: unknown, p: EinvalParams): void => void report(verifyEinval(failLookup, p));
export const requireEinval = (failLookup: unknown, p: EinvalParams): void => enforce(verifyEinval(failLookup, p));

// 3. an address that gets PUD leaves
export const checkPudAlign = (addr: unknown, p: PudAlignParams): void => void report(verifyPudAlign(addr, p));
export const requirePudAlign = (addr: unknown, p: PudAlignParams): void => enforce(verifyPudAlign(addr, p));

// 4. page-table bytes with 4 KiB and 2 MiB leaves
export const checkPgtableBytes = (b4k: unknown, b2m: unknown, p: PgtableBytesParams): void =>
  void report(verifyPgtableBytes(b4k, b2m, p));
export const requirePgtableBytes = (b4k: unknown, b2m: unknown, p: PgtableBytesParams): void =>
  enforce(verifyPgtableBytes(b4k, b2m, p));

// 5. smallest preemption bound of the v6.12 race
export const checkRaceBound = (bound: unknown, stale: unknown, why: unknown, p: RaceBoundParams): void =>
  void report(verifyRaceBound(bound, stale, why, p));
export const requireRaceBound = (bound: unknown, stale: unknown, why: unknown, p: RaceBoundParams): void =>
  enforce(verifyRaceBound(bound, stale, why, p));

// 6. a caller that is safe (interval notifier + retry), proven at bound 2
export const checkSafeCaller = (make: unknown, p: SafeCallerParams): void => void report(verifySafeCaller(make, p));
export const requireSafeCaller = (make: unknown, p: SafeCallerParams): void =>
  enforce(verifySafeCaller(make, p, { strict: true }));

// 7. fix a misuse the checker reports
export const checkFixMisuse = (readPfn: unknown, p: FixMisuseParams): void => void report(verifyFixMisuse(readPfn, p));
export const requireFixMisuse = (readPfn: unknown, p: FixMisuseParams): void => enforce(verifyFixMisuse(readPfn, p));

// 8. classify the outcome of a replayed race
export const checkClassify = (outcome: unknown, why: unknown, p: ClassifyParams): void =>
  void report(verifyClassify(outcome, why, p));
export const requireClassify = (outcome: unknown, why: unknown, p: ClassifyParams): void =>
  enforce(verifyClassify(outcome, why, p));

// 9. cause the race by hand in the stepper: the replay string of a use-after-free
export const checkRaceByHand = (replayString: unknown, p: RaceByHandParams): void =>
  void report(verifyRaceByHand(replayString, p));
export const requireRaceByHand = (replayString: unknown, p: RaceByHandParams): void =>
  enforce(verifyRaceByHand(replayString, p));
