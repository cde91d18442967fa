/**
 * kvm-vs-zap: a vCPU faults in a guest page backed by a pfnmap (hva_to_pfn_remapped
 * under the mmu_invalidate_seq protocol) and then touches it, while the host zaps the
 * mapping and resets the device. KVM's MMU notifier zaps the spte under mmu_lock before
 * the page table changes, and the fault path retries when the seq moved or an
 * invalidation of the gfn is in progress: `retried` happens, use-after-free never.
 * `check=skip` drops the mmu_invalidate_retry_gfn() test to show why it is there.
 * Models virt/kvm/kvm_main.c hva_to_pfn_remapped, kvm_mmu_notifier_invalidate_range_start/end,
 * include/linux/kvm_host.h mmu_invalidate_retry_gfn (v6.12).
 */
import { KvmMmu } from "../../notifiers/kvm-mmu";
import { kvmCaller } from "../../notifiers/callers/kvm";
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

export const kvmVsZap = defineScenario({
  name: "kvm-vs-zap",
  summary:
    "a KVM page fault on a pfnmap-backed memslot (mmu_invalidate_seq + retry under mmu_lock) vs a zap and device reset",
  models:
    "virt/kvm/kvm_main.c hva_to_pfn_remapped, kvm_mmu_notifier_invalidate_range_start/end; include/linux/kvm_host.h mmu_invalidate_retry_gfn; arch/x86/kvm/mmu/mmu.c is_page_fault_stale (v6.12)",
  params: [
    leafParam("pmd"),
    variantParam("fixed"),
    zapParam,
    releaseParam("reset-bar"),
    refaultParam(false),
    {
      name: "check",
      type: "string",
      default: "retry",
      choices: ["retry", "skip"],
      doc: "retry: mmu_invalidate_retry_gfn under mmu_lock (KVM); skip: install the spte without it (broken, for contrast)",
    },
    callersParam("vCPU (each faults the same gfn)"),
  ],
  failures: RACE_FAILURES,
  setup(p) {
    const w = raceWorldFromParams("kvm-vs-zap", p);
    const baseGfn = 0x100;
    const kvm = new KvmMmu(w.mm, { baseGfn, npages: w.size / 4096, userspaceAddr: w.vma.vmStart }, w.san);
    const gfn = baseGfn + (w.address - w.vma.vmStart) / 4096;
    // Several vCPUs fault the same gfn of one VM (one mmu_lock, one mmu_invalidate_seq).
    return raceRun(
      w,
      manyCallers(p.callers as number, "kvm", (name) =>
        kvmCaller(w, { kvm, gfn, skipRetryCheck: p.check === "skip", name }),
      ),
    );
  },
});
