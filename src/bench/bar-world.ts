/**
 * A BAR mapped into one mm with leaves of one size, as the lookup and scale benchmarks
 * need it: 4 KiB leaves the way a driver's mmap does it (remap_pfn_range), 2 MiB and
 * 1 GiB leaves the way a huge_fault handler installs them (vmf_insert_pfn_pmd/pud, one
 * call per leaf, as a full prefault would).
 */
import {
  createKernel,
  remapPfnRange,
  vmfInsertPfnPmd,
  vmfInsertPfnPud,
  PAGE_SIZE,
  PMD_SIZE,
  PUD_SIZE,
  PAGE_SHARED,
  VM_IO,
  VM_PFNMAP,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  type IoRegion,
  type Kernel,
  type Mm,
  type Vma,
} from "../mm/index";

export type LeafKind = "pte" | "pmd" | "pud";
export const LEAF_KINDS: readonly LeafKind[] = ["pte", "pmd", "pud"];
export const LEAF_BYTES: Record<LeafKind, number> = { pte: PAGE_SIZE, pmd: PMD_SIZE, pud: PUD_SIZE };
export const LEAF_LABEL: Record<LeafKind, string> = { pte: "4 KiB", pmd: "2 MiB", pud: "1 GiB" };

export interface BarWorld {
  k: Kernel;
  mm: Mm;
  vma: Vma;
  bar: IoRegion;
  leaf: LeafKind;
  /** Leaves installed. */
  leaves: number;
}

/** Creates a kernel with a `bytes` BAR mapped whole with `leaf` leaves (bytes: a multiple of the leaf size). */
export function mapBar(leaf: LeafKind, bytes: number): BarWorld {
  const w = emptyBar(leaf, bytes);
  mapLeaves(w);
  return w;
}

/** Installs the leaves of `w` (split out so the scale benchmark can time it alone). */
export function mapLeaves(w: BarWorld): void {
  const { vma, bar, leaf } = w;
  const bytes = vma.vmEnd - vma.vmStart;
  if (leaf === "pte") {
    const ret = remapPfnRange(vma, vma.vmStart, bar.startPfn, bytes, PAGE_SHARED);
    if (ret !== 0) throw new Error(`mapBar: remapPfnRange returned ${ret}`);
    return;
  }
  const size = LEAF_BYTES[leaf];
  const insert = leaf === "pmd" ? vmfInsertPfnPmd : vmfInsertPfnPud;
  for (let off = 0; off < bytes; off += size) {
    insert({ vma, address: vma.vmStart + off }, bar.startPfn + off / PAGE_SIZE, true);
  }
}

/** A world whose vma exists but has no leaves yet. */
export function emptyBar(leaf: LeafKind, bytes: number): BarWorld {
  const size = LEAF_BYTES[leaf];
  if (!(bytes > 0 && bytes % size === 0))
    throw new Error(`mapBar: bytes ${bytes} must be a positive multiple of the ${leaf} leaf size ${size}`);
  const k = createKernel({ traceLimit: 0 });
  const bar = k.addIoRegion({ name: "bar0", size: Math.max(bytes, PUD_SIZE) });
  const mm = k.createMm("bench");
  const vma = mm.mmap({
    length: bytes,
    vmFlags: VM_READ | VM_WRITE | VM_SHARED | VM_IO | VM_PFNMAP,
    align: PUD_SIZE,
    name: "bar0",
  });
  return { k, mm, vma, bar, leaf, leaves: bytes / size };
}
