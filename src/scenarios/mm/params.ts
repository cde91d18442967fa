/** Parameter declarations shared by the race scenarios (so every one documents them the same way). */
import type { ParamSpec } from "../scenario";
import type { ReleaseKind } from "./world";

export function leafParam(dflt: "pte" | "pmd" | "pud" = "pmd"): ParamSpec {
  return {
    name: "leaf",
    type: "string",
    default: dflt,
    choices: ["pte", "pmd", "pud"],
    doc: "level of the leaf the lookup meets: pte (4 KiB, split PTE ptlock), pmd (2 MiB, split PMD ptlock), pud (1 GiB, mm->page_table_lock)",
  };
}

/**
 * The kernel's follow_pfnmap_start variant. Race scenarios default to "fixed" (the kernel
 * a caller runs on today); a scenario that defaults to "v6.12" says why in `why`, which
 * `pfnlab explore --list` prints.
 */
export function variantParam(dflt: "v6.12" | "fixed" = "fixed", why?: string): ParamSpec {
  return {
    name: "variant",
    type: "string",
    default: dflt,
    choices: ["v6.12", "fixed"],
    doc:
      "follow_pfnmap_start as merged in v6.12 (PMD/PUD recheck looks at the value read before the lock) or fixed (ffef67b93aa3 rereads under the lock)" +
      (why ? `. ${why}` : ""),
  };
}

export const zapParam: ParamSpec = {
  name: "zap",
  type: "string",
  default: "unmap_mapping_range",
  choices: ["unmap_mapping_range", "zap_vma_ptes", "munmap"],
  doc: "how the mapping goes away: unmap_mapping_range (vfio-pci reset/disable; i_mmap_rwsem, races with lookups), zap_vma_ptes (a driver), munmap (mmap_lock for write: waits for lookups)",
};

export function releaseParam(dflt: ReleaseKind = "none"): ParamSpec {
  return {
    name: "release",
    type: "string",
    default: dflt,
    choices: ["none", "reset-bar", "move-bar", "free-ram"],
    doc: "what happens to the memory after the zap: none, reset-bar (device reset), move-bar (BAR reassigned), free-ram (RAM-backed driver buffer freed and reused; leaf=pte only; VFIO type1 and generic_access_phys refuse RAM pfns)",
  };
}

export function refaultParam(dflt = false): ParamSpec {
  return {
    name: "refault",
    type: "bool",
    default: dflt,
    doc: "after the zap (and release) the process touches the page again, so the fault handler maps it anew",
  };
}

/** Concurrent instances of the scenario's caller (one task each, one CPU each) racing the one zapper. */
export function callersParam(what: string, max = 4): ParamSpec {
  return {
    name: "callers",
    type: "int",
    default: 1,
    min: 1,
    max,
    doc: `concurrent ${what} tasks racing the one zapper; beyond 1 explore the whole space with --reduce (dpor)`,
  };
}

/** n callers made by `make(name)`: the base name alone for one, name0..name(n-1) for more. */
export function manyCallers<T>(n: number, base: string, make: (name: string) => T): T[] {
  return Array.from({ length: n }, (_, i) => make(n === 1 ? base : `${base}${i}`));
}

/** Failure classes of every race scenario: the worst first, so it is the one reported. */
export const RACE_FAILURES = ["use-after-free", "stale-pfn", "misuse", "deadlock", "livelock", "crash"] as const;
