/**
 * generic-access-phys-vs-zap: ptrace or /proc/pid/mem reads a VM_IO mapping through
 * generic_access_phys() while the BAR is zapped, moved and faulted in again at its new
 * address. The second lookup under the lock and the comparison of pfn, pgprot and
 * writable catch the change (retried) or the missing mapping (einval); the copy never
 * reads a stale pfn. `ioremap=under-lock` is a broken variant that sleeps in
 * ioremap_prot() with the page-table lock held (misuse).
 * Models mm/memory.c generic_access_phys (6.12.118 stable text: one page, RAM refused)
 * under __access_remote_vm.
 */
import { genericAccessPhysCaller } from "../../notifiers/callers/generic-access-phys";
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

export const genericAccessPhysVsZap = defineScenario({
  name: "generic-access-phys-vs-zap",
  summary:
    "generic_access_phys (lookup, end, ioremap, lookup again, recheck, copy under the lock) vs a zap, BAR move and refault",
  models: "mm/memory.c generic_access_phys via mm/memory.c __access_remote_vm (6.12.118 stable text)",
  params: [
    leafParam("pmd"),
    variantParam("fixed"),
    zapParam,
    releaseParam("move-bar"),
    refaultParam(true),
    {
      name: "ioremap",
      type: "string",
      default: "unlocked",
      choices: ["unlocked", "under-lock"],
      doc: "unlocked: ioremap_prot between end() and the second start() (the kernel); under-lock: while the PTL is held (sleeping in atomic context)",
    },
    callersParam("generic_access_phys (ptrace)"),
  ],
  failures: RACE_FAILURES,
  setup(p) {
    const w = raceWorldFromParams("generic-access-phys-vs-zap", p);
    return raceRun(
      w,
      manyCallers(p.callers as number, "ptrace", (name) =>
        genericAccessPhysCaller(w, { ioremapUnderLock: p.ioremap === "under-lock", name }),
      ),
    );
  },
});
