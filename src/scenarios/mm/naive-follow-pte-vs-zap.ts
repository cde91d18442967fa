/**
 * naive-follow-pte-vs-zap: a follow_pte-era driver looks up the pfn, drops the lock and
 * mmap_lock, then ioremaps and reads it, with no notifier, while the mapping is zapped
 * and the memory released. One preemption between the unlock and the use gives a stale
 * pfn, and with a release a use-after-free. `api=follow_pfnmap` is the same driver on
 * the new API reading args.pfn after end() (the checker reports misuse).
 * Models mm/memory.c follow_pte (v6.10) as used by pre-v6.12 drivers.
 */
import { naiveFollowPteCaller, type NaiveApi } from "../../notifiers/callers/naive-follow-pte";
import { defineScenario } from "../scenario";
import {
  RACE_FAILURES,
  callersParam,
  manyCallers,
  leafParam,
  refaultParam,
  releaseParam,
  variantParam,
  zapParam,
} from "./params";
import { raceRun, raceWorldFromParams } from "./world";

export const naiveFollowPteVsZap = defineScenario({
  name: "naive-follow-pte-vs-zap",
  summary: "a driver uses a pfn from follow_pte after unlocking, with no notifier, vs a zap that releases the memory",
  models: "mm/memory.c follow_pte (v6.10) + pte_unmap_unlock, the pattern follow_pfnmap_start's kernel-doc forbids",
  params: [
    {
      name: "api",
      type: "string",
      default: "follow_pte",
      choices: ["follow_pte", "follow_pfnmap"],
      doc: "follow_pte (PTE leaves only) or follow_pfnmap_start/end with args.pfn read after end()",
    },
    leafParam("pte"),
    variantParam("fixed"),
    zapParam,
    releaseParam("free-ram"),
    refaultParam(false),
    callersParam("driver"),
  ],
  failures: RACE_FAILURES,
  setup(p) {
    const w = raceWorldFromParams("naive-follow-pte-vs-zap", p);
    return raceRun(
      w,
      manyCallers(p.callers as number, "driver", (name) => naiveFollowPteCaller(w, p.api as NaiveApi, name)),
    );
  },
});
