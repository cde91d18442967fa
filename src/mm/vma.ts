/**
 * struct vm_area_struct, struct vm_operations_struct and struct vm_fault
 * (include/linux/mm_types.h, include/linux/mm.h), reduced to what the model uses.
 */
import { PfnlabError, checkNumber } from "./model-error";
import { VM_EXEC, VM_MAYWRITE, VM_READ, VM_SHARED, VM_WRITE, hex, vmFlagNames } from "./constants";
import type { Mm, VmFile, VmOps } from "./mm-types";
import { PAGE_COPY, PAGE_NONE, PAGE_READONLY, PAGE_SHARED } from "./pte";
export type { VmOps, VmFile, EntryRef, Vmf } from "./mm-types";
import type * as MmTypes from "./mm-types";

/** A callback may be a plain function or a stepwise generator (so it can take locks). */
export type { MaybeSteps } from "../sched/effect";

let nextVmaId = 1;

export class Vma implements MmTypes.Vma {
  readonly id = nextVmaId++;
  /** Set when the vma is unmapped: later use of it is a use-after-free of the vma. */
  detached = false;
  constructor(
    readonly mm: Mm,
    public vmStart: number,
    public vmEnd: number,
    public vmFlags: number,
    /** pgprot_t as a flag word (see pte.ts). */
    public vmPageProt: number,
    /** Offset into the file (or, after remap_pfn_range on a COW mapping, the base pfn), in pages. */
    public vmPgoff: number,
    public vmOps: VmOps | null,
    public vmFile: VmFile | null,
    public vmPrivateData: unknown = undefined,
    public name = "",
  ) {}

  get size(): number {
    return this.vmEnd - this.vmStart;
  }

  contains(addr: number): boolean {
    return addr >= this.vmStart && addr < this.vmEnd;
  }

  toString(): string {
    return `vma${this.id}${this.name ? ` "${this.name}"` : ""} [${hex(this.vmStart)}, ${hex(this.vmEnd)}) ${vmFlagNames(this.vmFlags)}`;
  }
}

/** is_cow_mapping(): private and may be written (include/linux/mm.h). */
export function isCowMapping(flags: number): boolean {
  if (typeof flags !== "number") checkNumber("isCowMapping", "flags", flags);
  return (flags & (VM_SHARED | VM_MAYWRITE)) === VM_MAYWRITE;
}

/** vm_get_page_prot() for x86 (mm/mmap.c protection_map): shared writable -> PAGE_SHARED, private writable -> PAGE_COPY. */
export function vmGetPageProt(flags: number): number {
  if (typeof flags !== "number") checkNumber("vmGetPageProt", "flags", flags);
  const r = (flags & VM_READ) !== 0,
    w = (flags & VM_WRITE) !== 0,
    x = (flags & VM_EXEC) !== 0;
  if (!r && !w && !x) return PAGE_NONE;
  if (w) return (flags & VM_SHARED) !== 0 ? PAGE_SHARED : PAGE_COPY;
  return PAGE_READONLY;
}

/** linear_page_index(): the file page (vm_pgoff units) at addr. */
export function linearPageIndex(vma: Vma, addr: number): number {
  if (!(vma instanceof Vma)) throw new PfnlabError("linearPageIndex", "vma", vma, "is not a vma");
  checkNumber("linearPageIndex", "addr", addr);
  return vma.vmPgoff + Math.floor((addr - vma.vmStart) / 4096);
}

/**
 * Link `vma` into the mm's address-ordered list and its file's i_mmap tree, as the
 * kernel's vma_link() does (mm/vma.c). Here, not in mmap.ts, because mmap and munmap's
 * split both need it and mmap.ts already imports munmap.ts.
 */
export function insertVma(mm: Mm, vma: Vma): void {
  let i = mm.vmas.length;
  while (i > 0 && mm.vmas[i - 1].vmStart > vma.vmStart) i--;
  mm.vmas.splice(i, 0, vma);
  vma.vmFile?.mapping.iMmap.add(vma);
}
