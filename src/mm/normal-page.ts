/**
 * vm_normal_page() / vm_normal_page_pmd() (mm/memory.c): the struct page behind a
 * mapping entry, or null for "special" mappings that must not be refcounted: a special
 * pte (pte_special, x86 bit 9) in a VM_PFNMAP/VM_MIXEDMAP vma, and any pfn without a
 * struct page (an IO BAR). This is why GUP cannot pin BAR memory and why callers of
 * follow_pfnmap get no page reference to hold on to.
 */
import { VM_MIXEDMAP, VM_PFNMAP, hex } from "./constants";
import type { Page } from "./physmem";
import { entryPfn, entryPresent, entrySpecial } from "./pte";
import type { Vma } from "./vma";
import { checkNumber } from "./model-error";
import { checkVma } from "./validate";

export interface NormalPageResult {
  page: Page | null;
  reason: string;
}

export function vmNormalPageWhy(vma: Vma, addr: number, pte: number): NormalPageResult {
  checkVma("vmNormalPage", vma);
  checkNumber("vmNormalPage", "addr", addr);
  checkNumber("vmNormalPage", "pte", pte);
  if (!entryPresent(pte)) return { page: null, reason: "entry not present" };
  const pfn = entryPfn(pte);
  const physmem = vma.mm.kernel.physmem;
  if (entrySpecial(pte)) {
    if (vma.vmFlags & (VM_PFNMAP | VM_MIXEDMAP)) return { page: null, reason: `special entry in a ${vma.vmFlags & VM_PFNMAP ? "VM_PFNMAP" : "VM_MIXEDMAP"} vma: no struct page to use` };
    return { page: null, reason: `special entry at ${hex(addr)} in a normal vma (print_bad_pte)` };
  }
  if (!physmem.isRamPfn(pfn)) return { page: null, reason: `pfn ${hex(pfn)} has no struct page (beyond highest_memmap_pfn: print_bad_pte)` };
  const page = physmem.anyPageOf(pfn) ?? null;
  return { page, reason: page ? "normal page" : `pfn ${hex(pfn)} is RAM but was never allocated` };
}

/** vm_normal_page(vma, addr, pte): the struct page, or null. */
export function vmNormalPage(vma: Vma, addr: number, pte: number): Page | null {
  return vmNormalPageWhy(vma, addr, pte).page;
}
