/**
 * x86 PAT memtype bookkeeping for pfnmaps (arch/x86/mm/pat/memtype.c, 6.12):
 * get_pat_info() (memtype.c:955) calls follow_phys() (:935), which looks up
 * **vma->vm_start**, the first page of the vma, whatever address faulted or was asked
 * about (:938): follow_pfnmap_start(), refuse a non-special entry (an anonymous page in a
 * COW mapping: -EINVAL, and get_pat_info then fails too when it needs the pgprot),
 * copy args.pgprot and the physical address, follow_pfnmap_end(); track_pfn_copy()
 * (fork, :987) then reserves the whole vma's memtype from that address with
 * reserve_pfn_range(), and untrack_pfn() frees it.
 *
 * No memory is touched: the risk of a stale pfn here is wrong bookkeeping (a memtype
 * reserved for a range the vma no longer maps), which the sanitizer reports as
 * stale-pfn, never as use-after-free.
 */
import { current, step, type Steps } from "../../sched/effect";
import { ownedSite } from "../../sched/site";
import { followPfnmapEndSteps } from "../../mm/follow";
import { followPfnmapArgs } from "../../mm/follow-args";
import { mmapReadLockSteps, mmapReadUnlockSteps } from "../../mm/mmap-lock";
import { EINVAL } from "../../mm/errors";
import { startAndClassify, type CallerEnv, type CallerInstance } from "./types";

export function x86PatCaller(env: CallerEnv, name = "pat"): CallerInstance {
  const who = "x86 get_pat_info";
  return {
    name,
    source: "arch/x86/mm/pat/memtype.c follow_phys (lookup of vma->vm_start) + get_pat_info + track_pfn_copy, 6.12",
    body: function* (): Steps<number> {
      const me = yield* current();
      // fork's dup_mmap holds the old mm's mmap_lock (for write); reading is enough for the lookup rule.
      yield* mmapReadLockSteps(env.mm);
      // follow_phys(): args.address = vma->vm_start (memtype.c:938), not env.address.
      const site = { mm: env.mm, address: env.vma.vmStart };
      const args = followPfnmapArgs(env.vma, site.address);
      let ret = -EINVAL;
      if ((yield* startAndClassify(env, args, who)) === 0) {
        const special = args.special;
        const pfn = args.pfn;
        yield* followPfnmapEndSteps(args);
        if (!special) {
          env.san.discard(me.name, who, "follow_phys: not a special entry (anon folio in a COW mapping): -EINVAL");
        } else {
          const h = env.san.hold(me.name, `${who} paddr`, pfn, site);
          yield* step("work", ownedSite(name, "track_pfn_copy: reserve_pfn_range(paddr, size, pgprot)"));
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
