import type { FollowFailure, FollowPteFailure } from "../mm/follow-args";

/** Short names of why a lookup ended the way it did, in the order the kernel checks. */
export const LOOKUP_CAUSES = [
  "ok",
  "outside vma",
  "no VM_IO|VM_PFNMAP",
  "p4d none",
  "p4d bad",
  "pud none",
  "pmd none",
  "pte_offset_map_lock NULL",
  "pte none",
  "zapped under lock",
  "PUD leaf (follow_pte)",
  "PMD leaf (follow_pte)",
] as const;
export type LookupCause = (typeof LOOKUP_CAUSES)[number];

/** One colour per cause: green for ok, muted tones for clean refusals, red for the legacy API's blind spot. */
export const LOOKUP_CAUSE_COLORS: Readonly<Record<LookupCause, string>> = {
  ok: "#2ca02c",
  "outside vma": "#c7c7c7",
  "no VM_IO|VM_PFNMAP": "#9467bd",
  "p4d none": "#8c564b",
  "p4d bad": "#e377c2",
  "pud none": "#7f7f7f",
  "pmd none": "#bcbd22",
  "pte_offset_map_lock NULL": "#17becf",
  "pte none": "#ff7f0e",
  "zapped under lock": "#1f77b4",
  "PUD leaf (follow_pte)": "#d62728",
  "PMD leaf (follow_pte)": "#ff9896",
};

const CAUSE_OF: Readonly<Record<FollowFailure | FollowPteFailure, LookupCause>> = {
  outsideVma: "outside vma",
  notPfnmap: "no VM_IO|VM_PFNMAP",
  p4dNone: "p4d none",
  p4dBad: "p4d bad",
  pudNone: "pud none",
  pudNotPresent: "pud none",
  pudGoneUnderLock: "zapped under lock",
  pmdNotPresent: "pmd none",
  pmdGoneUnderLock: "zapped under lock",
  pteMapNull: "pte_offset_map_lock NULL",
  pteNotPresent: "pte none",
  // follow_pte's own exits
  pudLeaf: "PUD leaf (follow_pte)",
  pmdLeaf: "PMD leaf (follow_pte)",
  // follow_pte found the pmd empty when pte_offset_map_lock() returned NULL: same situation as "pmd none"
  pmdNone: "pmd none",
};

/**
 * The cause of a lookup from the failure code the model recorded (args.failure of
 * followPfnmapStart, out.failure of followPte); null or undefined (a success) is "ok".
 */
export function lookupCause(failure: FollowFailure | FollowPteFailure | null | undefined): LookupCause {
  if (failure === null || failure === undefined) return "ok";
  const c = CAUSE_OF[failure];
  if (!c) throw new Error(`lookupCause: failure code "${String(failure)}" has no cause name; add it to LOOKUP_CAUSES`);
  return c;
}
