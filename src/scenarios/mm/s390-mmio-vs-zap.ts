/**
 * s390-mmio-vs-zap: the s390 PCI MMIO write system call copies into a BAR mapping while
 * holding the page-table lock from follow_pfnmap_start() to follow_pfnmap_end(), while
 * the device is zapped and reset. Safe with the fixed start(); with variant=v6.12 on a
 * PMD/PUD leaf it inherits the recheck bug.
 * Models arch/s390/pci/pci_mmio.c s390_pci_mmio_write (6.12; the read syscall, with its
 * VM_READ check, is s390MmioCaller's write=false).
 */
import { s390MmioCaller } from "../../notifiers/callers/s390-mmio";
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

export const s390MmioVsZap = defineScenario({
  name: "s390-mmio-vs-zap",
  summary: "s390_pci_mmio_write copies between follow_pfnmap_start and end vs a zap and device reset",
  models: "arch/s390/pci/pci_mmio.c s390_pci_mmio_write (v6.12)",
  params: [
    leafParam("pte"),
    variantParam("fixed"),
    zapParam,
    releaseParam("reset-bar"),
    refaultParam(false),
    callersParam("s390_pci_mmio_write"),
  ],
  failures: RACE_FAILURES,
  setup(p) {
    const w = raceWorldFromParams("s390-mmio-vs-zap", p);
    return raceRun(
      w,
      manyCallers(p.callers as number, "s390", (name) => s390MmioCaller(w, { name })),
    );
  },
});
