/**
 * Which kernel function each step of a replayed race is in, read from the step's call
 * stack (sched/call-site.ts), not from its site text: the innermost frame that runs in a
 * file of the table below (and, where a file mirrors several kernel functions, in one of
 * the listed functions) names the mirror. The file is the frame's own, so it cannot point
 * at the wrong file; test/scenarios/mirrors.test.ts checks that each listed function is
 * defined in its file. Frames in no entry (page-table helpers, pte_offset_map_lock) fall
 * through to the function that called them, as the kernel's helpers belong to their caller.
 */
import type { CallFrame } from "../../sched/call-site";

/** Where a trace step is in our mirror: the mirrored kernel function and the file of the model. */
export interface MirrorLocation {
  /** Kernel function (or step) the step belongs to. */
  fn: string;
  /** Source file of our model, relative to the repository. */
  file: string;
}

export interface MirrorEntry extends MirrorLocation {
  /** Our functions in `file` that mirror `fn` (V8's names, without a class prefix); absent: all of the file. */
  functions?: readonly string[];
}

export const MIRRORS: readonly MirrorEntry[] = [
  { fn: "follow_pfnmap user", file: "src/notifiers/callers/plain-follow.ts" },
  { fn: "vaddr_get_pfns / follow_fault_pfn", file: "src/notifiers/callers/vfio-type1.ts" },
  { fn: "hva_to_pfn_remapped / kvm_faultin_pfn", file: "src/notifiers/callers/kvm.ts" },
  { fn: "generic_access_phys", file: "src/notifiers/callers/generic-access-phys.ts" },
  { fn: "s390_pci_mmio_write", file: "src/notifiers/callers/s390-mmio.ts" },
  { fn: "get_pat_info / track_pfn_copy", file: "src/notifiers/callers/x86-pat.ts" },
  { fn: "follow_pte driver", file: "src/notifiers/callers/naive-follow-pte.ts" },
  { fn: "follow_pfnmap_start", file: "src/mm/follow.ts", functions: ["followPfnmapStartSteps"] },
  { fn: "follow_pfnmap_end", file: "src/mm/follow.ts", functions: ["followPfnmapEndSteps"] },
  { fn: "follow_pte", file: "src/mm/follow-pte.ts" },
  { fn: "mmap_lock", file: "src/mm/mmap-lock.ts" },
  { fn: "i_mmap_rwsem", file: "src/mm/mapping.ts" },
  { fn: "mmu_notifier_invalidate_range_*", file: "src/mm/mmu-notifier.ts" },
  { fn: "mmu_interval_notifier", file: "src/mm/interval-notifier.ts" },
  { fn: "munmap", file: "src/mm/munmap.ts" },
  { fn: "zap_page_range_single / unmap_page_range", file: "src/mm/zap.ts" },
  { fn: "vfio_pci_core reset / huge_fault", file: "src/mm/vfio-device.ts" },
  { fn: "KVM MMU notifier / EPT", file: "src/notifiers/kvm-mmu.ts" },
  { fn: "IOMMU", file: "src/notifiers/iommu.ts" },
  { fn: "vmf_insert_pfn{,_pmd,_pud}", file: "src/mm/insert.ts" },
  { fn: "remap_pfn_range", file: "src/mm/remap.ts" },
  { fn: "handle_mm_fault", file: "src/mm/fault.ts" },
  { fn: "the zapper's release", file: "src/scenarios/mm/world.ts", functions: ["zapperSteps"] },
];

const byFile = new Map<string, MirrorEntry[]>();
for (const m of MIRRORS) byFile.set(m.file, [...(byFile.get(m.file) ?? []), m]);

/** V8 names a method "Class.method" and a property function "Object.body": the last part is ours. */
function ownName(fn: string): string {
  return fn.slice(fn.lastIndexOf(".") + 1);
}

/** The mirror a call stack (innermost first) is in, or null when no frame is in the table. */
export function mirrorOfFrames(frames: readonly CallFrame[] | undefined): MirrorLocation | null {
  for (const f of frames ?? []) {
    const m = byFile.get(f.file)?.find((e) => !e.functions || e.functions.includes(ownName(f.fn)));
    if (m) return { fn: m.fn, file: m.file };
  }
  return null;
}

/**
 * The mirror of every record of a trace, by index. A wake has no stack of its own (the
 * scheduler hands the lock to a blocked task): it is the contended acquire resuming, so it
 * takes that task's last stack.
 */
export function mirrorsOfTrace(
  trace: readonly { task: string; kind: string; frames?: readonly CallFrame[] }[],
): (MirrorLocation | null)[] {
  const last = new Map<string, readonly CallFrame[]>();
  return trace.map((r) => {
    if (r.frames) last.set(r.task, r.frames);
    return mirrorOfFrames(r.frames ?? (r.kind === "wake" ? last.get(r.task) : undefined));
  });
}
