/**
 * Exercise "fix-misuse": a lookup helper breaks the rules of the follow_pfnmap API
 * (kernel-doc of follow_pfnmap_start, mm/memory.c): it drops mmap_lock before end(),
 * reads args.pfn after end(), and ends a lookup whose start() failed. The student
 * rewrites it so that the checker records nothing and the result is still right: the pfn
 * when the address is mapped, -EINVAL when it is not.
 */
import { EINVAL } from "../../mm/errors";
import { walkData } from "../../mm/explain";
import type { CallerEnv } from "../../notifiers/callers/types";
import { buildRaceWorld, type Leaf, type RaceWorld } from "../../scenarios/mm/world";
import { unmapMappingRange } from "../../mm/zap";
import { attempt, describeValue, fail, needChoice, pass, type Verdict } from "./verdict";

const EX = "fix-misuse";

export type ReadPfn = (env: CallerEnv) => unknown;

export interface FixMisuseParams {
  /** "pte", "pmd" or "pud". */
  leaf: string;
}

/** A fresh world: one pfnmap vma with a leaf of the given level at env.address (plain calls run in task "main"). */
export function misuseWorld(p: FixMisuseParams): RaceWorld {
  const leaf: Leaf = needChoice("misuseWorld", "leaf", p.leaf, ["pte", "pmd", "pud"] as const);
  return buildRaceWorld({
    scenario: "fix-misuse",
    leaf,
    variant: "fixed",
    zap: "unmap_mapping_range",
    release: "none",
    refault: false,
  });
}

function runOnce(readPfn: ReadPfn, p: FixMisuseParams, zapFirst: boolean): string | null {
  const w = misuseWorld(p);
  if (zapFirst) unmapMappingRange(w.mapping, 0, 0);
  const want = zapFirst ? -EINVAL : walkData(w.mm, w.address).pfn;
  const r = attempt(() => readPfn(w));
  const when = zapFirst ? "on an address whose mapping was zapped" : `on a mapped address (${p.leaf} leaf)`;
  if (r.error !== null) return `readPfn ${when} threw: ${r.error}`;
  const v = w.kernel.checker.violations;
  if (v.length > 0) {
    const rules = [...new Set(v.map((x) => x.rule))].join(", ");
    return `readPfn ${when}: the checker recorded ${rules}. ${v[0]!.message}`;
  }
  if (w.mm.mmapLock.holders.size > 0)
    return `readPfn ${when} returned still holding mmap_lock: unlock it on every path.`;
  if (w.mm.activeLookups.length > 0)
    return `readPfn ${when} returned with its lookup still started (its page-table lock held): every start() that returned 0 needs one end().`;
  if (r.value !== want) {
    return zapFirst
      ? `readPfn ${when} returned ${describeValue(r.value)}: when start() fails, return its error code (and do not end() it).`
      : `readPfn ${when} returned ${describeValue(r.value)}, not the pfn the address maps: copy args.pfn while the lookup is still started, then end() it.`;
  }
  return null;
}

export function verifyFixMisuse(readPfn: unknown, p: FixMisuseParams): Verdict {
  needChoice("verifyFixMisuse", "leaf", p.leaf, ["pte", "pmd", "pud"] as const);
  if (typeof readPfn !== "function")
    return fail(EX, `fixedReadPfn is ${describeValue(readPfn)}: it must be a function (env) => pfn or -EINVAL.`);
  for (const zapFirst of [false, true]) {
    const hint = runOnce(readPfn as ReadPfn, p, zapFirst);
    if (hint) return fail(EX, hint);
  }
  return pass(EX, "no checker report; the right pfn when mapped, -EINVAL when not");
}
