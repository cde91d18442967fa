/**
 * x86 PAT memtype bookkeeping for pfnmaps (arch/x86/mm/pat/memtype.c, v6.12):
 * get_pat_info() looks up the first page of the vma with follow_pfnmap_start(), refuses
 * a non-special entry (an anonymous page in a COW mapping), copies args.pgprot and the
 * physical address, follow_pfnmap_end(); track_pfn_copy() (fork) then reserves that
 * range's memtype with reserve_pfn_range(), and untrack_pfn() frees it.
 *
 * No memory is touched: the risk of a stale pfn here is wrong bookkeeping (a memtype
 * reserved for a range the vma no longer maps), which the sanitizer reports as
 * stale-pfn, never as use-after-free.
 */
import { current, step, type Steps } from "../../sched/effect";
import { followPfnmapEndSteps } from "../../mm/follow";
import { followPfnmapArgs } from "../../mm/follow-args";
import { mmapReadLockSteps, mmapReadUnlockSteps } from "../../mm/mmap-lock";
import { EINVAL } from "../../mm/errors";
import { siteOf, startAndClassify, type CallerEnv, type CallerInstance } from "./types";

export function x86PatCaller(env: CallerEnv, name = "pat"): CallerInstance {
  const who = "x86 get_pat_info";
  return {
    name,
    source: "arch/x86/mm/pat/memtype.c get_pat_info + track_pfn_copy, v6.12",
    body: function* (): Steps<number> {
      const me = yield* current();
      // fork's dup_mmap holds the old mm's mmap_lock (for write); reading is enough for the lookup rule.
      yield* mmapReadLockSteps(env.mm);
      const args = followPfnmapArgs(env.vma, env.address);
      let ret = -EINVAL;
      if ((yield* startAndClassify(env, args, who)) === 0) {
        const special = args.special;
        const pfn = args.pfn;
        yield* followPfnmapEndSteps(args);
        if (special) {
          const h = env.san.hold(me.name, `${who} paddr`, pfn, siteOf(env));
          yield* step("work", `${name}: track_pfn_copy: reserve_pfn_range(paddr, size, pgprot)`);
          env.san.access(h, me.name, "bookkeeping");
          env.san.release(h, me.name);
          ret = 0;
        }
      }
      yield* mmapReadUnlockSteps(env.mm);
      return ret;
    },
  };
}
