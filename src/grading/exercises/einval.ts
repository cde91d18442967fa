/**
 * Exercise "einval": make follow_pfnmap_start() fail for each reason it has (mm/memory.c,
 * v6.12 and after ffef67b93aa3). The student writes `failLookup(kernel, cause)`, which
 * builds whatever it needs in the given fresh kernel and returns the args of a lookup that
 * returned -EINVAL for that cause; the check reads `args.reason`.
 */
import { FOLLOW_REASONS } from "../../mm/follow-levels";
import { FollowPfnmapArgs } from "../../mm/follow-args";
import { createKernel, type Kernel } from "../../mm/kernel";
import { PFNMAP_RULES } from "../../mm/pfnmap-checks";
import { attempt, describeValue, fail, needChoice, pass, type Verdict } from "./verdict";

const EX = "einval";

/** The causes a kernel variant can produce from a fresh mm, in the order start() tests them. */
export const EINVAL_CAUSES: Readonly<Record<string, readonly EinvalCause[]>> = {
  fixed: ["outsideVma", "notPfnmap", "p4dNone", "pudNotPresent", "pmdNotPresent", "pteNotPresent"],
  "v6.12": ["outsideVma", "notPfnmap", "p4dNone", "pudNone", "pteMapNull", "pteNotPresent"],
};

export type EinvalCause =
  | "outsideVma"
  | "notPfnmap"
  | "p4dNone"
  | "pudNone"
  | "pudNotPresent"
  | "pmdNotPresent"
  | "pteMapNull"
  | "pteNotPresent";

export interface EinvalParams {
  /** "v6.12" or "fixed" (a string: notebook parameters are typed string). */
  variant: string;
}

export type FailLookup = (kernel: Kernel, cause: EinvalCause) => unknown;

const HINTS: Record<EinvalCause, string> = {
  outsideVma: "the first test in start() is whether the address lies in [vm_start, vm_end) of the vma you pass",
  notPfnmap: "start() only accepts vmas with VM_IO or VM_PFNMAP; what does an ordinary (anonymous) mmap lack?",
  p4dNone:
    "the walk stops at the top level when nothing at all is mapped in the 512 GiB the address falls in: a fresh mm has empty tables",
  pudNone:
    "the PUD table must exist (something mapped elsewhere in the same 512 GiB) while this address's 1 GiB slot holds nothing",
  pudNotPresent:
    "the PUD table must exist (something mapped elsewhere in the same 512 GiB) while this address's 1 GiB slot holds nothing",
  pmdNotPresent:
    "the PMD table must exist (something mapped in the same 1 GiB) while this address's 2 MiB slot holds nothing",
  pteMapNull:
    "in v6.12 an empty PMD slot is not tested before pte_offset_map_lock(): map something in the same 1 GiB but outside this address's 2 MiB",
  pteNotPresent:
    "the PTE table must exist (a page mapped in the same 2 MiB) while this address's own 4 KiB entry is empty",
};

function expectedReason(cause: EinvalCause, a: FollowPfnmapArgs): string {
  const r = FOLLOW_REASONS[cause];
  return typeof r === "function" ? r(a.vma, a.address) : r;
}

/** Which of FOLLOW_REASONS a reason text is (for hints). */
function causeOf(a: FollowPfnmapArgs): string | null {
  for (const [k, r] of Object.entries(FOLLOW_REASONS)) {
    const text = typeof r === "function" ? r(a.vma, a.address) : r;
    if (text === a.reason) return k;
  }
  return null;
}

/** One cause, in a fresh kernel of the student's variant. */
export function verifyEinvalCause(failLookup: FailLookup, cause: EinvalCause, p: EinvalParams): Verdict {
  const variant = needChoice("verifyEinval", "variant", p.variant, ["fixed", "v6.12"] as const);
  const k = createKernel({ followPfnmapVariant: variant });
  const r = attempt(() => failLookup(k, cause));
  if (r.error !== null) return fail(EX, `failLookup(kernel, "${cause}") threw: ${r.error}. Hint: ${HINTS[cause]}.`);
  const a = r.value;
  if (!(a instanceof FollowPfnmapArgs))
    return fail(
      EX,
      `failLookup(kernel, "${cause}") returned ${describeValue(a)}: return the follow_pfnmap_args you passed to followPfnmapStart().`,
    );
  if (a.vma.mm.kernel !== k)
    return fail(
      EX,
      `failLookup(kernel, "${cause}") looked up a vma of another kernel: build everything in the kernel it is given (its variant matters).`,
    );
  if (a.state !== "failed") {
    return fail(
      EX,
      `failLookup(kernel, "${cause}"): that lookup ${a.state === "new" ? "never ran: call followPfnmapStart(args)" : "succeeded (or was ended); it must return -EINVAL"}. Hint: ${HINTS[cause]}.`,
    );
  }
  const lockless = k.checker.violations.filter(
    (v) => v.rule === PFNMAP_RULES.withoutLock || v.rule === PFNMAP_RULES.endWithoutStart,
  );
  if (lockless.length > 0)
    return fail(
      EX,
      `failLookup(kernel, "${cause}") broke an API rule (${lockless[0]!.rule}): hold mmap_lock for read around the lookup, and never end() a failed start().`,
    );
  if (a.reason !== expectedReason(cause, a)) {
    const got = causeOf(a);
    return fail(
      EX,
      `failLookup(kernel, "${cause}") failed for another reason${got ? ` (${got})` : ""}: "${a.reason}". Hint: ${HINTS[cause]}.`,
    );
  }
  return pass(EX, cause);
}

/** Every cause of the student's variant (the first failure is returned). */
export function verifyEinval(failLookup: unknown, p: EinvalParams): Verdict {
  const variant = needChoice("verifyEinval", "variant", p.variant, ["fixed", "v6.12"] as const);
  if (typeof failLookup !== "function")
    return fail(EX, `failLookup is ${describeValue(failLookup)}: it must be a function (kernel, cause) => args.`);
  const causes = EINVAL_CAUSES[variant];
  for (const c of causes) {
    const v = verifyEinvalCause(failLookup as FailLookup, c, p);
    if (!v.ok) return v;
  }
  return pass(EX, `all ${causes.length} causes of the ${variant} follow_pfnmap_start: ${causes.join(", ")}`);
}
