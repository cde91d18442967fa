/**
 * Figures straight from the model: each reads a kernel or mm and feeds a builder in
 * figures/. Notebooks call these; the builders stay usable with any data.
 */
import { PAGE_SIZE, VM_IO, VM_MIXEDMAP, VM_PFNMAP, VM_SHARED, vmFlagList } from "../mm/constants";
import { walkData } from "../mm/explain";
import { FOLLOW_REASONS } from "../mm/follow-levels";
import type { Kernel, Mm } from "../mm/mm-types";
import { mappedLeaves } from "../mm/leaves";
import type { PlotlyFigure } from "./types";
import { pageTableWalkDiagram, type WalkDiagramInput, type WalkLevelStep } from "./figures/page-table-walk-diagram";
import { physMemoryMap, type PhysRegion } from "./figures/phys-memory-map";
import { virtToPhysLayout, type VirtPhysMapping } from "./figures/virt-to-phys-layout";

/** The page-table walk of `address` (what explainWalk prints), as a diagram. */
export function walkDiagram(mm: Mm, address: number, title?: string): PlotlyFigure {
  return pageTableWalkDiagram(walkDiagramInput(mm, address, title));
}

/** The data walkDiagram draws: the walk's levels and the lookup's result. */
export function walkDiagramInput(mm: Mm, address: number, title?: string): WalkDiagramInput {
  const w = walkData(mm, address);
  const steps: WalkLevelStep[] = w.levels.map((l) => ({
    level: l.level,
    index: l.index,
    entry: l.entry,
    present: l.present,
    leaf: l.leaf,
    special: l.flags.includes("special"),
    // The lock class (what colours it), and only when the lookup would succeed and hold it.
    lock: l.leaf && w.lookup.ret === 0 ? (w.lockClass ?? undefined) : undefined,
    // The builder already labels tables and leaves; say only what is missing.
    note: l.none ? "none" : l.present ? undefined : "not present",
  }));
  const result =
    w.lookup.ret === 0
      ? { pfn: w.pfn ?? undefined, outcome: "ok", text: "start() = 0" }
      : // The vma's full description is printed elsewhere; in the box it is "the vma".
        {
          outcome: "einval",
          text: `-EINVAL: ${w.lookup.failure === "notPfnmap" ? FOLLOW_REASONS.notPfnmap("the vma") : w.lookup.reason}`,
        };
  return { address, steps, result, title };
}

/** Physical regions of a kernel: RAM (struct pages) and active IO regions (none). */
export function physRegions(kernel: Kernel): PhysRegion[] {
  const pm = kernel.physmem;
  const regions: PhysRegion[] = [
    {
      name: "System RAM",
      startPa: pm.ramStartPfn * PAGE_SIZE,
      sizeBytes: pm.ramPages * PAGE_SIZE,
      kind: "ram",
      hasStructPage: true,
    },
  ];
  for (const r of pm.regions) {
    if (r.state !== "active") continue;
    regions.push({
      name: r.name,
      startPa: r.startPfn * PAGE_SIZE,
      sizeBytes: r.size,
      kind: "bar",
      hasStructPage: false,
    });
  }
  return regions.sort((a, b) => a.startPa - b.startPa);
}

/** The physical memory map of a kernel. */
export function physMemoryFigure(kernel: Kernel, title?: string): PlotlyFigure {
  return physMemoryMap({ regions: physRegions(kernel), title });
}

/** Flags worth a label in a layout figure: the ones this course is about. */
export const LAYOUT_FLAGS = VM_SHARED | VM_IO | VM_PFNMAP | VM_MIXEDMAP;

/**
 * Every vma of `mm` and the physical ranges its leaves map, by leaf level. Each vma is
 * labelled with the flags in `showFlags` only (VM_MAY* and friends would crowd the
 * boxes); a vma with none of them reads "file/driver" or "anonymous".
 */
export function layoutFigure(mm: Mm, title?: string, showFlags = LAYOUT_FLAGS): PlotlyFigure {
  const vmas = mm.vmas.map((v) => {
    const f = v.vmFlags & showFlags;
    return {
      name: v.name || `vma${v.id}`,
      startVa: v.vmStart,
      endVa: v.vmEnd,
      flags: f ? vmFlagList(f) : [v.vmOps || v.vmFile ? "file/driver" : "anonymous"],
    };
  });
  const mappings: VirtPhysMapping[] = [];
  for (const v of mm.vmas) {
    for (const leaf of mappedLeaves(mm, v.vmStart, v.vmEnd)) {
      mappings.push({ startVa: leaf.start, sizeBytes: leaf.size, startPa: leaf.pfn * PAGE_SIZE, leaf: leaf.level });
    }
  }
  const phys = physRegions(mm.kernel).map((r) => ({
    name: r.name,
    startPa: r.startPa,
    sizeBytes: r.sizeBytes,
    kind: r.kind,
  }));
  return virtToPhysLayout({ vmas, phys, mappings, title });
}
