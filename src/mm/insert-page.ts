/**
 * vm_insert_page() -> insert_page() -> insert_page_into_pte_locked() (mm/memory.c,
 * v6.12): a driver maps one of its own RAM pages (a page with a struct page) into a
 * user vma. Unlike vmf_insert_pfn() the pte is NOT special: the page is refcounted
 * (get_page) and counted as mapped (rmap), so vm_normal_page() finds it and GUP can
 * take a reference on it. A vma that is not VM_MIXEDMAP yet becomes one (the kernel
 * sets the flag on first use and BUG()s if the vma is VM_PFNMAP: the two kinds of
 * mapping cannot be mixed in one vma).
 *
 * Returns 0, -EFAULT (addr outside the vma), -EINVAL (a page the kernel refuses to map:
 * free, anonymous or a page-table page; validate_page_before_insert), -ENOMEM (a huge
 * leaf covers addr, so no PTE table can exist there) or -EBUSY (the pte is populated).
 */
import { plainForm } from "./plain-form";
import { acquire, current, release, step, type Steps } from "../sched/effect";
import { VM_MIXEDMAP, VM_PFNMAP, hex } from "./constants";
import { EBUSY, EFAULT, EINVAL, ENOMEM } from "./errors";
import { pteLockptr, tableIndex } from "./pagetable";
import type { Page } from "./physmem";
import { entryNone, mkEntry } from "./pte";
import { checkInteger, checkVma, kernelOf } from "./validate";
import { PfnlabError } from "./model-error";
import { refuseIfBusySteps } from "./plain-locks";
import type { Vma } from "./mm-types";
import { walkToPteTableSteps } from "./walk-alloc";

const FN = "vmInsertPage";

export function* vmInsertPageSteps(vma: Vma, addr: number, page: Page): Steps<number> {
  checkVma(FN, vma);
  checkInteger(FN, "addr", addr);
  if (!page || typeof page !== "object" || typeof page.pfn !== "number")
    throw new PfnlabError(FN, "page", page, "is not a struct page (kernel.allocPage())");
  const k = vma.mm.kernel;
  if (k.physmem.anyPageOf(page.pfn) !== page)
    throw new PfnlabError(FN, "page", page, "is not a RAM page of this kernel");
  const me = yield* current();
  const note = (reason: string, ret: number) => {
    k.note(FN, me, reason, { address: addr, ret });
    return ret;
  };
  if (addr < vma.vmStart || addr >= vma.vmEnd) return note(`addr outside ${vma}`, -EFAULT);
  if (page.refcount === 0 || page.use === "free")
    return note(`page pfn ${hex(page.pfn)} is free (page_count 0)`, -EINVAL);
  if ((vma.vmFlags & VM_MIXEDMAP) === 0) {
    if (vma.vmFlags & VM_PFNMAP)
      throw new PfnlabError(
        FN,
        "vma",
        vma,
        "is VM_PFNMAP; struct pages go into VM_MIXEDMAP vmas only (BUG_ON in vm_insert_page)",
      );
  }
  if (page.use === "anon" || page.use === "pagetable")
    return note(
      `page pfn ${hex(page.pfn)} is ${page.use === "anon" ? "anonymous" : "a page-table page"} (validate_page_before_insert)`,
      -EINVAL,
    );
  const a = Math.floor(addr / 4096) * 4096;
  yield* refuseIfBusySteps(FN, vma.mm, a, a + 4096);
  if ((vma.vmFlags & VM_MIXEDMAP) === 0) vma.vmFlags |= VM_MIXEDMAP;
  const table = yield* walkToPteTableSteps(FN, vma.mm, a);
  if (!table) return note("get_locked_pte() found a huge leaf where a PTE table would be", -ENOMEM);
  const lock = pteLockptr(vma.mm, table);
  yield* acquire(lock, "write", `${FN}: get_locked_pte`);
  const i = tableIndex(a, "pte");
  yield* step("ptRead", `${FN}: ptep_get`);
  let ret = 0;
  if (!entryNone(table.entries[i])) {
    ret = note("pte already populated", -EBUSY);
  } else {
    k.physmem.getPage(page);
    page.mapcount++;
    yield* step("ptWrite", `${FN}: set_pte_at(mk_pte(page pfn ${hex(page.pfn)})), not special`);
    table.entries[i] = mkEntry(page.pfn, vma.vmPageProt);
  }
  yield* release(lock, "write", `${FN}: pte_unmap_unlock`);
  return ret;
}

/** vm_insert_page(vma, addr, page): 0 or -errno (see the file comment). */
export const vmInsertPage = plainForm(FN, kernelOf, vmInsertPageSteps);
