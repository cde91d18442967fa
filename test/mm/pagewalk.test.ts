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
import type { PageTablePage as PageTable } from "../../src/mm/mm-types";
import { ENTRY_SPAN, findTable, lookupLeaf, tableIndex } from "../../src/mm/pagetable";
import { pXdAddrEnd, walkAddress, walkPageRange } from "../../src/mm/pagewalk";
import { entryHugeLeaf, entryPfn, entryPresent } from "../../src/mm/pte";
import { currentPfnAt } from "../../src/checks/pfn-identity";
import { walkData } from "../../src/mm/explain";
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

describe("walkAddress: the single-address lookups as one walkPageRange", () => {
  // The hand-written descent the lookups used before: one entry per level, top down,
  // stopping at a leaf, a none or non-present entry, or a missing child table.
  const descend = (pgd: PageTable, address: number) => {
    const path: { table: PageTable; index: number }[] = [];
    for (let t: PageTable | null = pgd; t; ) {
      const index = tableIndex(address, t.level);
      const v = t.entries[index];
      path.push({ table: t, index });
      if (t.level === "pte" || !entryPresent(v) || entryHugeLeaf(v)) break;
      t = t.children?.[index] ?? null;
    }
    return path;
  };

  const { mm, s } = (() => {
    const w = world();
    const vma = pudAlignedVma(w);
    vma.vmFlags |= VM_IO | VM_PFNMAP;
    const s = vma.vmStart;
    vmfInsertPfnPud({ vma, address: s }, w.bar.startPfn, false);
    vmfInsertPfnPmd({ vma, address: s + PUD_SIZE }, w.bar.startPfn + 512, false);
    remapPfnRange(vma, s + PUD_SIZE + PMD_SIZE, w.bar.startPfn + 7, 3 * 4096, PAGE_SHARED);
    return { mm: w.mm, s };
  })();
  // PUD, PMD and PTE leaves, a none pte after them, none pmds and puds, an empty pgd slot.
  const addresses = [
    s + 0x12345,
    s + PUD_SIZE + 0x1234,
    s + PUD_SIZE + PMD_SIZE + 4096 + 12,
    s + PUD_SIZE + PMD_SIZE + 3 * 4096,
    s + PUD_SIZE + 5 * PMD_SIZE,
    s + 3 * PUD_SIZE,
    0,
    2 ** 47 - 4096,
  ];

  it("visits the entries a direct descent reads, holes included, and stops where the visitor says", () => {
    for (const a of addresses) {
      const seen: { table: PageTable; index: number }[] = [];
      walkAddress(mm, a, (ref) => {
        seen.push(ref);
        return false;
      });
      expect(seen, a.toString(16)).toEqual(descend(mm.pgd, a));
      let calls = 0;
      walkAddress(mm, a, () => ++calls > 0);
      expect(calls).toBe(1);
    }
  });

  it("lookupLeaf, findTable, currentPfnAt and walkData answer as the direct descent does", () => {
    for (const a of addresses) {
      const path = descend(mm.pgd, a);
      const last = path[path.length - 1]!;
      const v = last.table.entries[last.index];
      const level = last.table.level;
      const leaf = entryPresent(v) && (level === "pte" || (level !== "pgd" && entryHugeLeaf(v)));
      expect(lookupLeaf(mm, a), a.toString(16)).toEqual({
        level,
        table: last.table,
        index: last.index,
        value: v,
        leaf,
      });
      for (const l of ["pgd", "pud", "pmd", "pte"] as const)
        expect(findTable(mm, a, l), `${a.toString(16)} ${l}`).toBe(
          path.find((p) => p.table.level === l)?.table ?? null,
        );
      const span = ENTRY_SPAN[level];
      const offsetPages = Math.floor((a % span) / 4096);
      const pages = span / 4096;
      expect(currentPfnAt(mm, a)).toBe(leaf ? entryPfn(v) - (entryPfn(v) % pages) + offsetPages : null);
      expect(walkData(mm, a).levels.map((x) => x.entry)).toEqual(path.map((p) => p.table.entries[p.index]));
    }
    expect(currentPfnAt(mm, s + PUD_SIZE + PMD_SIZE + 4096 + 12)).toBe(
      entryPfn(lookupLeaf(mm, s + PUD_SIZE + PMD_SIZE + 4096).value),
    );
  });
});
