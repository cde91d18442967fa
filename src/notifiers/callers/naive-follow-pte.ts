/**
 * A driver of the follow_pte() era (before v6.12) that looks a pfn up and uses it after
 * dropping the page-table lock, with no MMU notifier: the pattern of the old VFIO and
 * ACRN code and of the out-of-tree drivers the follow_pfnmap series warned about
 * (mm/memory.c follow_pte, v6.10; the kernel-doc said the pfn is only stable under the
 * lock).
 *
 * api "follow_pte": follow_pte(vma, addr, &ptep, &ptl), pte = ptep_get(ptep), pfn =
 * pte_pfn(pte), pte_unmap_unlock(ptep, ptl); it knows only 4 KiB ptes, so PMD and PUD
 * leaves fail with -EINVAL. api "follow_pfnmap": the same driver ported to
 * follow_pfnmap_start/end that reads args.pfn after end() - the checker reports it.
 * Either way the pfn is ioremapped and read after the locks are gone.
 */
import { current, step, type Steps } from "../../sched/effect";
import { ownedSite } from "../../sched/site";
import { followPfnmapEndSteps, followPfnmapStartSteps } from "../../mm/follow";
import { followPfnmapArgs } from "../../mm/follow-args";
import { followPteSteps, pteUnmapUnlockSteps, type FollowPteOut } from "../../mm/follow-pte";
import { mmapReadLockSteps, mmapReadUnlockSteps } from "../../mm/mmap-lock";
import { entryPfn } from "../../mm/pte";
import { siteOf, vmaStillMapped, type CallerEnv, type CallerInstance } from "./types";
import { EFAULT, EINVAL } from "../../mm/errors";

export type NaiveApi = "follow_pte" | "follow_pfnmap";

export function naiveFollowPteCaller(env: CallerEnv, api: NaiveApi = "follow_pte", name = "driver"): CallerInstance {
  if (api !== "follow_pte" && api !== "follow_pfnmap")
    throw new Error(`naiveFollowPteCaller: api ${String(api)} must be "follow_pte" or "follow_pfnmap"`);
  const who = `naive ${api} driver`;
  return {
    name,
    source:
      api === "follow_pte"
        ? "mm/memory.c follow_pte (v6.10) used after pte_unmap_unlock"
        : "mm/memory.c follow_pfnmap_start/end (v6.12) with args.pfn read after end()",
    body: function* (): Steps<number> {
      const me = yield* current();
      yield* mmapReadLockSteps(env.mm);
      let pfn = -1;
      if (!vmaStillMapped(env)) {
        env.san.lookup(me.name, who, siteOf(env), -EFAULT);
      } else if (api === "follow_pte") {
        const out: FollowPteOut = { ptep: null, ptl: null, reason: "" };
        const r = yield* followPteSteps(env.vma, env.address, out);
        if (r === 0) {
          yield* step("ptRead", ownedSite(name, "pte = ptep_get(ptep) under the PTE lock"));
          pfn = entryPfn(out.ptep!.table.entries[out.ptep!.index]);
          env.san.lookup(me.name, who, siteOf(env), 0, pfn);
          yield* pteUnmapUnlockSteps(out.ptep, out.ptl!);
        } else {
          env.san.lookup(me.name, who, siteOf(env), r);
        }
      } else {
        const args = followPfnmapArgs(env.vma, env.address);
        const r = yield* followPfnmapStartSteps(args);
        env.san.lookup(me.name, who, siteOf(env), r, r === 0 ? args.peek().pfn : undefined);
        if (r === 0) {
          yield* followPfnmapEndSteps(args);
          pfn = args.pfn; // read after end(): the checker's use-after-end rule
        }
      }
      yield* mmapReadUnlockSteps(env.mm);
      if (pfn < 0) return -EINVAL;
      const h = env.san.hold(me.name, `${who} ioremap`, pfn, siteOf(env));
      yield* step("ioremap", ownedSite(name, "ioremap(pfn) after the locks are gone"));
      yield* step("pfnUse", ownedSite(name, "readl() through the ioremap"));
      env.san.access(h, me.name, "cpu-read");
      env.san.release(h, me.name);
      return 0;
    },
  };
}
