/**
 * follow-vs-zap: one task looks an address up with follow_pfnmap_start(), reads the
 * memory while the page-table lock is held, and ends; another zaps the mapping. This is
 * where the v6.12 recheck bug lives (mm/memory.c follow_pfnmap_start, v6.12, fixed by
 * ffef67b93aa3): on a PMD or PUD leaf the "recheck" after taking the lock tests the
 * value read before it, so a zap between the unlocked read and the lock is missed and
 * start() returns 0 with a pfn the page table no longer maps (stale-pfn). One preemption
 * finds it; PTE leaves are not affected (the pte is read under the PTE lock), and the
 * fixed variant rereads the entry under the lock on every level.
 */
import { plainFollowCaller } from "../../notifiers/callers/plain-follow";
import { defineScenario } from "../scenario";
import { RACE_FAILURES, leafParam, refaultParam, releaseParam, variantParam, zapParam } from "./params";
import { raceRun, raceWorldFromParams } from "./world";

export const followVsZap = defineScenario({
  name: "follow-vs-zap",
  summary: "follow_pfnmap_start/use/end under mmap_lock vs a zap of the same leaf: the v6.12 PMD/PUD recheck bug",
  models:
    "mm/memory.c follow_pfnmap_start/follow_pfnmap_end (v6.12 and after ffef67b93aa3) vs unmap_mapping_range/zap_vma_ptes/munmap",
  params: [
    variantParam(
      "v6.12",
      "Default v6.12 here, while the caller scenarios default to fixed: this scenario is the v6.12 bug itself (-p variant=fixed shows the fix)",
    ),
    leafParam("pmd"),
    zapParam,
    releaseParam("none"),
    refaultParam(false),
    {
      name: "lookups",
      type: "int",
      default: 1,
      min: 1,
      max: 8,
      doc: "concurrent lookup tasks (CPUs) racing the one zapper; the whole space grows fast with each lookup: explore it with --reduce (dpor) beyond 1",
    },
  ],
  failures: RACE_FAILURES,
  setup(p) {
    const w = raceWorldFromParams("follow-vs-zap", p);
    const n = p.lookups as number;
    const callers = Array.from({ length: n }, (_, i) => plainFollowCaller(w, n === 1 ? "follow" : `follow${i}`));
    // The lookups are interchangeable: same code, same address, outcomes by class only.
    return raceRun(w, callers, "zap", "lookup");
  },
});
