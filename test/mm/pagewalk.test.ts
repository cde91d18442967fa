/**
 * walkPageRange (mm/pagewalk.c walk_page_range, as the novma walk) and pXdAddrEnd
 * (include/linux/pgtable.h pgd/pud/pmd_addr_end), checked on a page table built with
 * leaves of all three sizes.
 */
import { describe, expect, it } from "vitest";
import {
  PAGE_SHARED,
  PMD_SIZE,
  PUD_SIZE,
  VM_IO,
  VM_PFNMAP,
  remapPfnRange,
  vmfInsertPfnPmd,
  vmfInsertPfnPud,
} from "../../src/mm/index";
import { pXdAddrEnd, walkPageRange } from "../../src/mm/pagewalk";
import { pudAlignedVma, world } from "./helpers";

describe("pXdAddrEnd", () => {
  it("is the next boundary of the level's entry size, or end when that comes first", () => {
    expect(pXdAddrEnd(PMD_SIZE + 4096, 10 * PMD_SIZE, "pmd")).toBe(2 * PMD_SIZE);
    expect(pXdAddrEnd(PMD_SIZE, 10 * PMD_SIZE, "pmd")).toBe(2 * PMD_SIZE);
    expect(pXdAddrEnd(PMD_SIZE, PMD_SIZE + 8192, "pmd")).toBe(PMD_SIZE + 8192);
    expect(pXdAddrEnd(5 * PUD_SIZE + 1, 2 ** 48, "pud")).toBe(6 * PUD_SIZE);
    expect(pXdAddrEnd(0, 2 ** 48, "pgd")).toBe(2 ** 39);
  });
});

describe("walkPageRange", () => {
  const build = () => {
    const w = world();
    const vma = pudAlignedVma(w); // two PUDs
    vma.vmFlags |= VM_IO | VM_PFNMAP;
    const s = vma.vmStart;
    vmfInsertPfnPud({ vma, address: s }, w.bar.startPfn, false);
    vmfInsertPfnPmd({ vma, address: s + PUD_SIZE }, w.bar.startPfn, false);
    remapPfnRange(vma, s + PUD_SIZE + PMD_SIZE, w.bar.startPfn, 3 * 4096, PAGE_SHARED);
    return { ...w, vma, s };
  };

  it("calls the entry callbacks in address order and never descends below a huge leaf", () => {
    const { mm, vma, s } = build();
    const seen: string[] = [];
    const note = (what: string) => (ref: { table: { entries: Float64Array }; index: number }, addr: number) => {
      if (ref.table.entries[ref.index] !== 0) seen.push(`${what}@${(addr - s).toString(16)}`);
      return 0;
    };
    walkPageRange(mm, vma.vmStart, vma.vmEnd, { pudEntry: note("pud"), pmdEntry: note("pmd"), pteEntry: note("pte") });
    expect(seen).toEqual([
      "pud@0",
      "pud@40000000",
      "pmd@40000000",
      "pmd@40200000",
      "pte@40200000",
      "pte@40201000",
      "pte@40202000",
    ]);
  });

  it("reports each none pud/pmd entry as a hole covering its part of the range", () => {
    const { mm, s } = build();
    const holes: string[] = [];
    walkPageRange(mm, s + PUD_SIZE + 2 * PMD_SIZE, s + PUD_SIZE + 4 * PMD_SIZE + 4096, {
      pteHole: (addr, next, level) => {
        holes.push(`${level} ${(addr - s).toString(16)}-${(next - s).toString(16)}`);
        return 0;
      },
    });
    expect(holes).toEqual(["pmd 40400000-40600000", "pmd 40600000-40800000", "pmd 40800000-40801000"]);
  });

  it("skips an entry's subtree when the callback sets action continue, and stops on a non-zero return", () => {
    const { mm, vma } = build();
    let ptes = 0;
    walkPageRange(mm, vma.vmStart, vma.vmEnd, {
      pmdEntry: (_ref, _addr, _next, walk) => {
        walk.action = "continue";
        return 0;
      },
      pteEntry: () => {
        ptes++;
        return 0;
      },
    });
    expect(ptes).toBe(0);
    let calls = 0;
    const ret = walkPageRange(mm, vma.vmStart, vma.vmEnd, {
      pudEntry: () => {
        calls++;
        return -22;
      },
    });
    expect({ ret, calls }).toEqual({ ret: -22, calls: 1 });
  });
});
