/** Checks: the checker (API misuse, lockdep) and the pfn sanitizer (stale pfn, use-after-free). */
export { Checker, CheckerError } from "../base/checker";
export type { Violation, CheckerMode } from "../base/checker";
export { Sanitizer, PFN_OUTCOMES, currentPfnAt } from "./sanitizer";
export type { PfnOutcome, AccessKind, BackingIdentity, LookupSite, PfnHold, SanitizerEvent } from "./sanitizer";
