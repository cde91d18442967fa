/**
 * What every modelled caller of follow_pfnmap gets, and what it gives back: a task body
 * for the scheduler. Each caller file mirrors one kernel user of the API (cited in its
 * doc comment) and reports its lookups and pfn uses to the sanitizer.
 */
import { current, type Steps, type Task } from "../../sched/effect";
import type { LookupSite, Sanitizer } from "../../checks/sanitizer";
import type { Kernel } from "../../mm/kernel";
import type { Mm } from "../../mm/mm";
import type { Vma } from "../../mm/vma";
import { followPfnmapStartSteps } from "../../mm/follow";
import type { FollowPfnmapArgs } from "../../mm/follow-args";
import { EFAULT } from "../../mm/errors";

/** The world a caller runs in: one mm, the pfnmap vma, the address it looks up. */
export interface CallerEnv {
  kernel: Kernel;
  mm: Mm;
  vma: Vma;
  /** The user address the caller looks up (inside vma). */
  address: number;
  san: Sanitizer;
}

/** A caller, ready to be spawned as a task. */
export interface CallerInstance {
  /** Task name, e.g. "vfio". */
  name: string;
  /** The kernel code it mirrors (file, function, version). */
  source: string;
  body: (self: Task) => Steps<unknown>;
  /** One line about its state (for manual mode). */
  describe?(): string;
}

export function siteOf(env: CallerEnv): LookupSite {
  return { mm: env.mm, address: env.address };
}

/**
 * Whether the caller's vma is still mapped. Every caller looks its vma up under
 * mmap_lock (vma_lookup()/find_vma(), e.g. vaddr_get_pfns in
 * drivers/vfio/vfio_iommu_type1.c) and fails with -EFAULT when there is none: a munmap that
 * ran before the caller took mmap_lock leaves it nothing to look up.
 */
export function vmaStillMapped(env: CallerEnv): boolean {
  return !env.vma.detached && env.mm.findVma(env.address) === env.vma;
}

/** follow_pfnmap_start() followed by the sanitizer's verdict on the result (same scheduling step). */
export function* startAndClassify(env: CallerEnv, args: FollowPfnmapArgs, who: string): Steps<number> {
  if (!vmaStillMapped(env)) {
    const me = yield* current();
    env.san.lookup(me.name, who, { mm: env.mm, address: args.address }, -EFAULT);
    return -EFAULT;
  }
  const r = yield* followPfnmapStartSteps(args);
  const me = yield* current();
  env.san.lookup(me.name, who, { mm: env.mm, address: args.address }, r, r === 0 ? args.peek().pfn : undefined);
  return r;
}

export function checkAttempts(fn: string, n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 10)
    throw new Error(`${fn}: maxAttempts ${String(n)} must be an integer in 1..10`);
}
