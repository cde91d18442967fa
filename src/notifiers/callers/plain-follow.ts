/**
 * The bare pattern the follow_pfnmap_start() kernel-doc asks for (mm/memory.c, v6.12):
 * hold mmap_lock for read, start(), use the outputs while the page-table lock is held,
 * end(), unlock. No caller in the tree is exactly this; it is the reference the other
 * callers are compared to, and what `follow-vs-zap` runs.
 */
import { current, step, type Steps } from "../../sched/effect";
import { ownedSite } from "../../sched/site";
import { followPfnmapEndSteps } from "../../mm/follow";
import { followPfnmapArgs } from "../../mm/follow-args";
import { mmapReadLockSteps, mmapReadUnlockSteps } from "../../mm/mmap-lock";
import { siteOf, startAndClassify, type CallerEnv, type CallerInstance } from "./types";

export function plainFollowCaller(env: CallerEnv, name = "follow"): CallerInstance {
  const who = "follow_pfnmap user";
  return {
    name,
    source: "mm/memory.c follow_pfnmap_start/follow_pfnmap_end kernel-doc usage, v6.12",
    body: function* (): Steps<number> {
      yield* mmapReadLockSteps(env.mm);
      const args = followPfnmapArgs(env.vma, env.address);
      const r = yield* startAndClassify(env, args, who);
      if (r === 0) {
        const me = yield* current();
        const h = env.san.hold(me.name, who, args.pfn, siteOf(env));
        yield* step("pfnUse", ownedSite(name, `read the memory at pfn while holding ${args.lock}`));
        env.san.access(h, me.name, "cpu-read");
        env.san.release(h, me.name);
        yield* followPfnmapEndSteps(args);
      }
      yield* mmapReadUnlockSteps(env.mm);
      return r;
    },
  };
}
