/**
 * get_user_pages() / pin_user_pages() (mm/gup.c __get_user_pages): for each page, find
 * the vma, check_vma_flags() (VM_IO|VM_PFNMAP -> -EFAULT: there is no struct page to
 * take a reference on), follow the page table (follow_page_mask), fault it in when
 * missing (faultin_page -> handle_mm_fault), then take a reference (FOLL_GET) or a pin
 * (FOLL_PIN: refcount + GUP_PIN_COUNTING_BIAS). The caller holds mmap_lock.
 * Returns the number of pages taken, or -errno when the first page fails.
 */
import { plainForm } from "./plain-form";
import { current, holds, type Steps } from "../sched/effect";
import {
  FAULT_FLAG_REMOTE,
  FAULT_FLAG_WRITE,
  FOLL_FORCE,
  FOLL_KNOWN,
  FOLL_PIN,
  FOLL_WRITE,
  GUP_PIN_COUNTING_BIAS,
  VM_IO,
  VM_PFNMAP,
  VM_WRITE,
  hex,
} from "./constants";
import { EFAULT, VM_FAULT_ERROR } from "./errors";
import { handleMmFaultSteps } from "./fault";
import type { Mm } from "./mm-types";
import { vmNormalPageWhy } from "./normal-page";
import { lookupLeaf } from "./pagetable";
import { PFNMAP_RULES, reportWithoutMmapLock } from "./pfnmap-checks";
import type { Page } from "./physmem";
import { entryWrite } from "./pte";
import { checkFlags, checkInteger, checkMm, checkPage, checkPageAligned, kernelOfMm } from "./validate";
import { PfnlabError } from "./model-error";
import { refuseIfBusySteps } from "./plain-locks";

export interface GupResult {
  /** Pages taken, or -errno if none could be. */
  ret: number;
  pages: Page[];
  /** Why it stopped early, if it did. */
  reason?: string;
}

const FN = "getUserPages";

export function* getUserPagesSteps(mm: Mm, start: number, nrPages: number, gupFlags = 0): Steps<GupResult> {
  checkMm(FN, mm);
  checkPageAligned(FN, "start", start);
  checkInteger(FN, "nrPages", nrPages);
  if (nrPages <= 0 || nrPages > 2 ** 31) throw new PfnlabError(FN, "nrPages", nrPages, "must be in [1, 2^31]");
  checkFlags(FN, "gupFlags", gupFlags, FOLL_KNOWN);
  const me = yield* current();
  yield* refuseIfBusySteps(FN, mm, start, start + nrPages * 4096);
  const k = mm.kernel;
  if (!holds(me, mm.mmapLock)) reportWithoutMmapLock(k, me, mm, PFNMAP_RULES.gupWithoutLock, "get_user_pages", FN);
  const pages: Page[] = [];
  const write = (gupFlags & FOLL_WRITE) !== 0;
  const stop = (ret: number, reason: string): GupResult => {
    k.note(FN, me, reason, { address: start + pages.length * 4096, ret });
    return pages.length ? { ret: pages.length, pages, reason } : { ret, pages, reason };
  };
  for (let i = 0; i < nrPages; i++) {
    const addr = start + i * 4096;
    const vma = mm.findVma(addr);
    if (!vma) return stop(-EFAULT, `no vma at ${hex(addr)}`);
    // check_vma_flags()
    if (vma.vmFlags & (VM_IO | VM_PFNMAP))
      return stop(-EFAULT, `${vma} is VM_IO|VM_PFNMAP: GUP refuses it (check_vma_flags)`);
    if (write && (vma.vmFlags & VM_WRITE) === 0 && (gupFlags & FOLL_FORCE) === 0)
      return stop(-EFAULT, `write GUP on read-only ${vma}`);
    let tries = 0;
    for (;;) {
      const hit = lookupLeaf(mm, addr);
      if (hit.leaf && (!write || entryWrite(hit.value))) {
        const why = vmNormalPageWhy(vma, addr, hit.value);
        if (!why.page || why.page.use === "free")
          return stop(-EFAULT, `no page to take at ${hex(addr)}: ${why.reason}`);
        const bias = gupFlags & FOLL_PIN ? GUP_PIN_COUNTING_BIAS : 1;
        k.physmem.getPage(why.page, bias);
        pages.push(why.page);
        break;
      }
      if (++tries > 2) return stop(-EFAULT, `fault at ${hex(addr)} did not map a usable page`);
      const ret = yield* handleMmFaultSteps(vma, addr, (write ? FAULT_FLAG_WRITE : 0) | FAULT_FLAG_REMOTE);
      if (ret & VM_FAULT_ERROR) return stop(-EFAULT, `faultin_page at ${hex(addr)} failed`);
    }
  }
  return { ret: pages.length, pages };
}

/** get_user_pages(): references (FOLL_GET) on nrPages pages from start. */
export const getUserPages = plainForm(FN, kernelOfMm, getUserPagesSteps);

/** pin_user_pages(): like getUserPages with FOLL_PIN. */
export const pinUserPages = plainForm(
  "pinUserPages",
  kernelOfMm,
  (mm: Mm, start: number, nrPages: number, gupFlags = 0): Steps<GupResult> => {
    checkFlags("pinUserPages", "gupFlags", gupFlags, FOLL_KNOWN);
    return getUserPagesSteps(mm, start, nrPages, gupFlags | FOLL_PIN);
  },
);

/** unpin_user_page(). */
export function unpinUserPage(mm: Mm, page: Page): void {
  checkMm("unpinUserPage", mm);
  checkPage("unpinUserPage", "page", mm.kernel, page);
  if (page.use === "free" || page.refcount < GUP_PIN_COUNTING_BIAS)
    throw new PfnlabError(
      "unpinUserPage",
      "page",
      page,
      `holds no pin (refcount ${page.refcount} < GUP_PIN_COUNTING_BIAS ${GUP_PIN_COUNTING_BIAS})`,
    );
  mm.kernel.physmem.putPage(page, GUP_PIN_COUNTING_BIAS);
}
