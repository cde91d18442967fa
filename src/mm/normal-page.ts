/**
 * vm_normal_page() (mm/memory.c:594, 6.12, the CONFIG_ARCH_HAS_PTE_SPECIAL branch x86
 * takes): the struct page behind a mapping entry, or null for "special" mappings that
 * must not be refcounted. A special pte (pte_special, x86 bit 9) gives null: quietly in a
 * VM_PFNMAP/VM_MIXEDMAP vma, with print_bad_pte() in any other vma (:599-621). A
 * non-special pte gives null only when its pfn is above highest_memmap_pfn
 * (print_bad_pte, :646-649); below that the kernel returns pfn_to_page(pfn), even for a
 * pfn that is not RAM (its struct page is a reserved one in the memmap). This is why GUP
 * cannot pin BAR memory mapped with special entries and why callers of follow_pfnmap get
 * no page reference to hold on to.
 *
 * In the model highest_memmap_pfn is the last RAM pfn (physmem.ramEndPfn - 1), since IO
 * regions sit above RAM. Simplification: the model has Page objects only for RAM it
 * allocated, so a non-special pte of a pfn below highest_memmap_pfn that is not RAM (the
 * first MiB) or RAM never allocated gives null with a reason saying so, where the kernel
 * would return a (reserved or free) struct page.
 */
import { VM_MIXEDMAP, VM_PFNMAP, hex } from "./constants";
import type { Page } from "./physmem";
import { entryPfn, entryPresent, entrySpecial } from "./pte";
import type { Vma } from "./mm-types";
import { checkNumber } from "./model-error";
import { checkVma } from "./validate";

export interface NormalPageResult {
  page: Page | null;
  reason: string;
}

/** highest_memmap_pfn: the last pfn the memmap covers (the model's last RAM pfn). */
export function highestMemmapPfn(vma: Vma): number {
  checkVma("highestMemmapPfn", vma);
  return vma.mm.kernel.physmem.ramEndPfn - 1;
}

export function vmNormalPageWhy(vma: Vma, addr: number, pte: number): NormalPageResult {
  checkVma("vmNormalPage", vma);
  checkNumber("vmNormalPage", "addr", addr);
  checkNumber("vmNormalPage", "pte", pte);
  if (!entryPresent(pte)) return { page: null, reason: "entry not present" };
  const pfn = entryPfn(pte);
  const physmem = vma.mm.kernel.physmem;
  if (entrySpecial(pte)) {
    if (vma.vmFlags & (VM_PFNMAP | VM_MIXEDMAP))
      return {
        page: null,
        reason: `special entry in a ${vma.vmFlags & VM_PFNMAP ? "VM_PFNMAP" : "VM_MIXEDMAP"} vma: no struct page to use`,
      };
    return { page: null, reason: `special entry at ${hex(addr)} in a normal vma (print_bad_pte)` };
  }
  const highest = highestMemmapPfn(vma);
  if (pfn > highest)
    return {
      page: null,
      reason: `pfn ${hex(pfn)} is above highest_memmap_pfn ${hex(highest)}: no struct page (print_bad_pte)`,
    };
  if (!physmem.isRamPfn(pfn)) {
    return {
      page: null,
      reason: `pfn ${hex(pfn)} is not RAM but below highest_memmap_pfn: the kernel returns its reserved struct page; the model has none (simplification)`,
    };
  }
  const page = physmem.anyPageOf(pfn) ?? null;
  return {
    page,
    reason: page
      ? "normal page"
      : `pfn ${hex(pfn)} is RAM but was never allocated: the kernel returns its free struct page; the model has none (simplification)`,
  };
}

/** vm_normal_page(vma, addr, pte): the struct page, or null. */
export function vmNormalPage(vma: Vma, addr: number, pte: number): Page | null {
  return vmNormalPageWhy(vma, addr, pte).page;
}
