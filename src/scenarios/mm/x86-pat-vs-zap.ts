/**
 * x86-pat-vs-zap: fork's track_pfn_copy() reads the pfnmap's first page (vma->vm_start,
 * whatever the scenario's address) with get_pat_info() and reserves its memtype after
 * follow_pfnmap_end(), while the mapping
 * is zapped and the BAR moved. No memory is touched, so the worst outcome is a memtype
 * reserved for a stale range (stale-pfn).
 * Models arch/x86/mm/pat/memtype.c get_pat_info/track_pfn_copy (v6.12).
 */
import { x86PatCaller } from "../../notifiers/callers/x86-pat";
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

export const x86PatVsZap = defineScenario({
  name: "x86-pat-vs-zap",
  summary: "x86 PAT get_pat_info + memtype reservation after end() vs a zap and BAR move (bookkeeping only)",
  models: "arch/x86/mm/pat/memtype.c get_pat_info/track_pfn_copy (v6.12)",
  params: [
    leafParam("pte"),
    variantParam("fixed"),
    zapParam,
    releaseParam("move-bar"),
    refaultParam(false),
    callersParam("get_pat_info"),
  ],
  failures: RACE_FAILURES,
  setup(p) {
    const w = raceWorldFromParams("x86-pat-vs-zap", p);
    return raceRun(
      w,
      manyCallers(p.callers as number, "pat", (name) => x86PatCaller(w, name)),
    );
  },
});
