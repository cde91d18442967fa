/** Model bugs the Linux 6.12 oracle (oracle/) found, each kept as a unit test. */
import { describe, expect, it } from "vitest";
import {
  PMD_SIZE,
  PUD_SIZE,
  VM_FAULT_NOPAGE,
  VM_IO,
  VM_MIXEDMAP,
  createKernel,
  followPfnmapArgs,
  followPfnmapEnd,
  followPfnmapStart,
  lookupLeaf,
  mmapReadLock,
  mmapReadUnlock,
  vmfInsertPfnPmd,
  vmfInsertPfnPud,
} from "../../src/mm/index";
import { RW_SHARED } from "./helpers";

describe("found by the oracle", () => {
  it("vmf_insert_pfn_pmd/pud map a special huge leaf in a VM_MIXEDMAP vma (mm/huge_memory.c BUGs only when neither VM_PFNMAP nor VM_MIXEDMAP)", () => {
    const k = createKernel();
    const bar = k.addIoRegion({ name: "bar", size: 2 * PUD_SIZE });
    const mm = k.createMm();
    const vma = mm.mmap({
      length: 2 * PUD_SIZE,
      vmFlags: RW_SHARED | VM_MIXEDMAP | VM_IO,
      align: PUD_SIZE,
      ops: { name: "mixed" },
    });
    expect(vmfInsertPfnPud({ vma, address: vma.vmStart }, bar.startPfn, false)).toBe(VM_FAULT_NOPAGE);
    expect(vmfInsertPfnPmd({ vma, address: vma.vmStart + PUD_SIZE }, bar.startPfn + PUD_SIZE / 4096, false)).toBe(
      VM_FAULT_NOPAGE,
    );
    expect(lookupLeaf(mm, vma.vmStart).level).toBe("pud");
    expect(lookupLeaf(mm, vma.vmStart + PUD_SIZE + PMD_SIZE - 1).level).toBe("pmd");
    mmapReadLock(mm);
    const args = followPfnmapArgs(vma, vma.vmStart + PUD_SIZE + 0x3000);
    expect(followPfnmapStart(args)).toBe(0);
    expect(args.out.pfn).toBe(bar.startPfn + PUD_SIZE / 4096 + 3);
    expect(args.out.special).toBe(true);
    followPfnmapEnd(args);
    mmapReadUnlock(mm);
  });
});
