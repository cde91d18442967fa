/** vm_insert_page: a RAM page in a VM_MIXEDMAP vma is a normal (refcounted) pte, unlike vmf_insert_pfn's special ones. */
import { describe, expect, it } from "vitest";
import {
  EBUSY,
  EFAULT,
  VM_MIXEDMAP,
  VM_PFNMAP,
  PAGE_SHARED,
  createKernel,
  entrySpecial,
  getUserPages,
  lookupLeaf,
  mmapReadLock,
  mmapReadUnlock,
  remapPfnRange,
  vmInsertPage,
  vmNormalPage,
  vmfInsertPfn,
  zapVmaPtes,
} from "../../src/mm/index";
import { RW_SHARED } from "./helpers";

function setup() {
  const k = createKernel();
  const bar = k.addIoRegion({ name: "bar0", size: 1 << 20 });
  const mm = k.createMm();
  const vma = mm.mmap({ length: 4 * 4096, vmFlags: RW_SHARED | VM_MIXEDMAP, ops: { name: "mixed" } });
  return { k, bar, mm, vma };
}

describe("vm_insert_page", () => {
  it("maps a RAM page with a normal pte that vm_normal_page returns, and takes a reference", () => {
    const { k, mm, vma } = setup();
    const page = k.allocPage();
    expect(vmInsertPage(vma, vma.vmStart, page)).toBe(0);
    const hit = lookupLeaf(mm, vma.vmStart);
    expect(hit.leaf).toBe(true);
    expect(entrySpecial(hit.value)).toBe(false);
    expect(vmNormalPage(vma, vma.vmStart, hit.value)).toBe(page);
    expect(page.refcount).toBe(2);
    expect(page.mapcount).toBe(1);
  });

  it("leaves vm_normal_page NULL for a BAR pfn in the same VM_MIXEDMAP vma (special pte)", () => {
    const { bar, mm, vma } = setup();
    vmfInsertPfn(vma, vma.vmStart + 4096, bar.startPfn);
    const hit = lookupLeaf(mm, vma.vmStart + 4096);
    expect(entrySpecial(hit.value)).toBe(true);
    expect(vmNormalPage(vma, vma.vmStart + 4096, hit.value)).toBeNull();
  });

  it("lets GUP take the RAM page of a VM_MIXEDMAP vma, and zap drops the pte's reference", () => {
    const { k, mm, vma } = setup();
    const page = k.allocPage();
    vmInsertPage(vma, vma.vmStart, page);
    mmapReadLock(mm);
    const r = getUserPages(mm, vma.vmStart, 1);
    mmapReadUnlock(mm);
    expect(r.ret).toBe(1);
    expect(r.pages[0]).toBe(page);
    expect(page.refcount).toBe(3);
    zapVmaPtes(vma, vma.vmStart, 4096); // not VM_PFNMAP: zap_vma_ptes does nothing
    expect(page.refcount).toBe(3);
  });

  it("returns -EFAULT outside the vma and -EBUSY on a populated pte, leaving refcounts alone", () => {
    const { k, vma } = setup();
    const page = k.allocPage();
    expect(vmInsertPage(vma, vma.vmEnd, page)).toBe(-EFAULT);
    expect(vmInsertPage(vma, vma.vmStart, page)).toBe(0);
    expect(vmInsertPage(vma, vma.vmStart, page)).toBe(-EBUSY);
    expect(page.refcount).toBe(2);
  });

  it("turns a plain vma into VM_MIXEDMAP and refuses a VM_PFNMAP vma", () => {
    const k = createKernel();
    const bar = k.addIoRegion({ name: "bar0", size: 1 << 20 });
    const mm = k.createMm();
    const plain = mm.mmap({ length: 4096, vmFlags: RW_SHARED, ops: { name: "drv" } });
    expect(vmInsertPage(plain, plain.vmStart, k.allocPage())).toBe(0);
    expect(plain.vmFlags & VM_MIXEDMAP).toBe(VM_MIXEDMAP);
    const pfnmap = mm.mmap({ length: 4096, vmFlags: RW_SHARED });
    remapPfnRange(pfnmap, pfnmap.vmStart, bar.startPfn, 4096, PAGE_SHARED);
    expect(pfnmap.vmFlags & VM_PFNMAP).toBe(VM_PFNMAP);
    expect(() => vmInsertPage(pfnmap, pfnmap.vmStart, k.allocPage())).toThrow(/VM_PFNMAP/);
  });
});
