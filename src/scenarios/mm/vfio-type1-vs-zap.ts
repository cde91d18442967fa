/**
 * vfio-type1-vs-zap: VFIO type1 maps a pfnmap page into the IOMMU (lookup, end, then
 * iommu_map, no notifier) and the device DMAs through it, while the BAR's owner resets
 * the device, which zaps the user mapping first. Without a notifier the IOMMU entry
 * survives the zap and the reset: DMA reaches memory that is no longer what was mapped
 * (use-after-free through the IOMMU). With `notifier=interval` the driver follows the
 * mmu_interval_notifier protocol and the invalidate callback unmaps the IOMMU entry
 * before the page table is cleared. With release=free-ram VFIO maps nothing: vaddr_get_pfns
 * refuses RAM pfns (-EFAULT unless is_invalid_reserved_pfn), so the story is about BARs.
 * Models drivers/vfio/vfio_iommu_type1.c vaddr_get_pfns/follow_fault_pfn (v6.12) and
 * mm/mmu_notifier.c interval notifiers.
 */
import { Iommu } from "../../notifiers/iommu";
import { vfioType1Caller } from "../../notifiers/callers/vfio-type1";
import { defineScenario } from "../scenario";
import {
  RACE_FAILURES,
  callersParam,
  leafParam,
  manyCallers,
  refaultParam,
  releaseParam,
  variantParam,
  zapParam,
} from "./params";
import { raceRun, raceWorldFromParams } from "./world";

export const vfioType1VsZap = defineScenario({
  name: "vfio-type1-vs-zap",
  summary: "VFIO type1 programs a looked-up pfn into the IOMMU and DMAs through it while the BAR is zapped and reset",
  models:
    "drivers/vfio/vfio_iommu_type1.c vaddr_get_pfns/follow_fault_pfn/vfio_iommu_map (v6.12); mm/mmu_notifier.c mmu_interval_read_begin/read_retry/set_seq for notifier=interval",
  params: [
    {
      name: "notifier",
      type: "string",
      default: "none",
      choices: ["none", "interval"],
      doc: "none: what VFIO type1 does; interval: an mmu_interval_notifier whose callback unmaps the IOMMU entry",
    },
    leafParam("pmd"),
    variantParam("fixed"),
    zapParam,
    releaseParam("reset-bar"),
    refaultParam(false),
    callersParam("VFIO DMA-map (each maps the page at its own iova)"),
  ],
  failures: RACE_FAILURES,
  setup(p) {
    const w = raceWorldFromParams("vfio-type1-vs-zap", p);
    const iommu = new Iommu("iommu", w.san);
    // Several VFIO_IOMMU_MAP_DMA calls pin the same user page, each at its own iova of one IOMMU.
    let i = 0;
    return raceRun(
      w,
      manyCallers(p.callers as number, "vfio", (name) =>
        vfioType1Caller(w, {
          iommu,
          iova: 0x100000 + 0x1000 * i++,
          name,
          withIntervalNotifier: p.notifier === "interval",
        }),
      ),
    );
  },
});
