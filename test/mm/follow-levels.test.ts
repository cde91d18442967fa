/**
 * The per-level verdicts of follow_pfnmap_start() (src/mm/follow-levels.ts), one by one,
 * and a property: on random page tables (every kind of entry at every level, including
 * ones the model's own calls never write) the stepwise form, the plain form and
 * explainWalk's prediction give the same answer, for both variants.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  VM_IO,
  VM_PFNMAP,
  followPfnmapArgs,
  followPfnmapEnd,
  followPfnmapEndSteps,
  followPfnmapStart,
  followPfnmapStartSteps,
  mmapReadLock,
  walkData,
  type FollowPfnmapVariant,
} from "../../src/mm/index";
import {
  lockedLeafVerdict,
  p4dVerdict,
  pmdVerdict,
  pteOffsetMapVerdict,
  pteVerdict,
  pudVerdict,
} from "../../src/mm/follow-levels";
import type { PageTablePage } from "../../src/mm/mm-types";
import { allocTable, populate, type TableLevel } from "../../src/mm/pagetable";
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_PRESENT,
  _PAGE_PSE,
  _PAGE_RW,
  _PAGE_SPECIAL,
  _PAGE_TABLE,
  _PAGE_USER,
  leafPfn,
  mkEntry,
} from "../../src/mm/pte";
import { pudAlignedVma, world } from "./helpers";

const PFN = 0x123456789; // above 2^32 once shifted: entries well past 2^31
const HUGE = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_PSE | _PAGE_SPECIAL;
const PTE = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_SPECIAL;
const table = {} as PageTablePage; // the verdicts only ask whether a table is there
const tableEntry = mkEntry(PFN, _PAGE_TABLE);
const notPresent = mkEntry(PFN, _PAGE_RW | _PAGE_PSE); // non-zero, present bit clear

describe("p4dVerdict", () => {
  it("fails with p4dNone on an empty entry", () => expect(p4dVerdict(0, null)).toBe("p4dNone"));
  it("fails with p4dBad when the entry is not a table's (PSE set, or RW missing)", () => {
    expect(p4dVerdict(mkEntry(PFN, _PAGE_TABLE | _PAGE_PSE), table)).toBe("p4dBad");
    expect(p4dVerdict(mkEntry(PFN, _PAGE_PRESENT), table)).toBe("p4dBad");
  });
  it("fails with p4dBad when a table entry has no PUD table behind it", () =>
    expect(p4dVerdict(tableEntry, null)).toBe("p4dBad"));
  it("descends through a table entry", () => expect(p4dVerdict(tableEntry, table)).toBe("table"));
});

describe("pudVerdict", () => {
  it("v6.12 fails only on pud_none; the fix on !pud_present", () => {
    expect(pudVerdict(0, false, null)).toBe("pudNone");
    expect(pudVerdict(0, true, null)).toBe("pudNotPresent");
    expect(pudVerdict(notPresent, true, table)).toBe("pudNotPresent");
    // v6.12 lets a non-present entry through: its PSE bit makes it a leaf
    expect(pudVerdict(notPresent, false, table)).toBe("leaf");
  });
  it("a PSE entry is a leaf in both variants", () => {
    expect(pudVerdict(mkEntry(PFN, HUGE), false, null)).toBe("leaf");
    expect(pudVerdict(mkEntry(PFN, HUGE), true, null)).toBe("leaf");
  });
  it("descends through a table entry, or fails with pteMapNull when no PMD table is behind it", () => {
    expect(pudVerdict(tableEntry, true, table)).toBe("table");
    expect(pudVerdict(tableEntry, false, null)).toBe("pteMapNull");
  });
});

describe("pmdVerdict and pteOffsetMapVerdict", () => {
  it("the fix fails on !pmd_present; v6.12 leaves that to pte_offset_map_lock()", () => {
    expect(pmdVerdict(0, true)).toBe("pmdNotPresent");
    expect(pmdVerdict(0, false)).toBe("table");
    expect(pteOffsetMapVerdict(0, null)).toBe("pteMapNull");
  });
  it("a PSE pmd is a leaf", () => expect(pmdVerdict(mkEntry(PFN, HUGE), false)).toBe("leaf"));
  it("pte_offset_map_lock() returns NULL for a leaf, a bad entry or a missing table", () => {
    expect(pteOffsetMapVerdict(mkEntry(PFN, HUGE), table)).toBe("pteMapNull");
    expect(pteOffsetMapVerdict(mkEntry(PFN, _PAGE_PRESENT | _PAGE_USER), table)).toBe("pteMapNull");
    expect(pteOffsetMapVerdict(tableEntry, null)).toBe("pteMapNull");
    expect(pteOffsetMapVerdict(tableEntry, table)).toBe("table");
  });
});

describe("pteVerdict and lockedLeafVerdict", () => {
  it("a present pte is the leaf, a non-present one fails with pteNotPresent", () => {
    expect(pteVerdict(mkEntry(PFN, PTE))).toBe("leaf");
    expect(pteVerdict(mkEntry(PFN, _PAGE_RW))).toBe("pteNotPresent");
    expect(pteVerdict(0)).toBe("pteNotPresent");
  });
  it("the fix's reread under the lock: gone, no longer a leaf (retry), or still the leaf", () => {
    expect(lockedLeafVerdict(0)).toBe("gone");
    expect(lockedLeafVerdict(tableEntry)).toBe("retry");
    expect(lockedLeafVerdict(mkEntry(PFN, HUGE))).toBe("leaf");
  });
});

describe("leafPfn", () => {
  it("adds the page offset inside the leaf to the leaf's first pfn, masking pfn bits below the leaf size", () => {
    const a = 0x7f0000000000 + 3 * 2 ** 30 + 5 * 2 ** 21 + 7 * 4096 + 0x123;
    expect(leafPfn(PFN, "pte", a)).toBe(PFN);
    expect(leafPfn(0x40000 * 9 + 3, "pud", a)).toBe(0x40000 * 9 + 5 * 512 + 7);
    expect(leafPfn(512 * 11 + 1, "pmd", a)).toBe(512 * 11 + 7);
  });
});

// ---------------------------------------------------------------------------------
// Random page tables: one address, each level's entry one of these kinds.

type Kind = "none" | "table" | "tableNoChild" | "bad" | "notPresent" | "leaf";
const kinds: Kind[] = ["none", "table", "tableNoChild", "bad", "notPresent", "leaf"];
const LEVEL_OF: Record<TableLevel, TableLevel> = { pgd: "pud", pud: "pmd", pmd: "pte", pte: "pte" }; // pte: unused

/** Write entry `i` of `t` as `kind`; returns the child table when the walk can go on. */
function plant(t: PageTablePage, i: number, kind: Kind, pfn: number, base: number): PageTablePage | null {
  const child = () => allocTable(t.mm, LEVEL_OF[t.level], base);
  const leafFlags = t.level === "pte" ? PTE : HUGE;
  if (t.level === "pte" && (kind === "table" || kind === "bad")) {
    // A PTE table has nothing below: these are just flag words here (present: a leaf).
    t.entries[i] = mkEntry(pfn, kind === "table" ? _PAGE_TABLE : _PAGE_PRESENT | _PAGE_USER);
    return null;
  }
  switch (kind) {
    case "none":
      t.entries[i] = 0;
      return null;
    case "table": {
      const c = child();
      populate(t, i, c);
      return c;
    }
    case "tableNoChild":
      t.entries[i] = mkEntry(pfn, _PAGE_TABLE);
      return null;
    case "bad": {
      const c = child();
      populate(t, i, c);
      t.entries[i] = mkEntry(c.pfn, _PAGE_PRESENT | _PAGE_USER); // RW missing: *_bad()
      return c;
    }
    case "notPresent":
      t.entries[i] = mkEntry(pfn, _PAGE_RW | (t.level === "pte" ? 0 : _PAGE_PSE));
      return null;
    case "leaf":
      t.entries[i] = mkEntry(pfn, leafFlags);
      return null;
  }
}

describe("stepwise follow, plain follow and explain's prediction agree on random page tables", () => {
  for (const variant of ["v6.12", "fixed"] as FollowPfnmapVariant[]) {
    it(`same return, reason code, pfn and lock for every entry kind at every level (${variant})`, () => {
      fc.assert(
        fc.property(
          fc.tuple(...[0, 1, 2, 3].map(() => fc.constantFrom(...kinds))),
          fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          fc.integer({ min: 0, max: 2 * 2 ** 30 - 1 }),
          ([k4, ku, km, kt], pfnSeed, offset) => {
            const w = world({ followPfnmapVariant: variant });
            const vma = pudAlignedVma(w);
            vma.vmFlags |= VM_IO | VM_PFNMAP;
            const address = vma.vmStart + offset;
            const idx = (shift: number) => Math.floor(address / 2 ** shift) % 512;
            const base = (shift: number) => Math.floor(address / 2 ** shift) * 2 ** shift;
            const pfn = pfnSeed * 8 + 0x100000000;
            // The pgd slot: plant whatever is asked, then walk down while there are tables.
            expect(w.mm.pgd.children![idx(39)]).toBeNull(); // mmap allocates no tables
            const pudT = plant(w.mm.pgd, idx(39), k4, pfn, base(39));
            const pmdT = pudT ? plant(pudT, idx(30), ku, pfn, base(30)) : null;
            const pteT = pmdT ? plant(pmdT, idx(21), km, pfn, base(21)) : null;
            if (pteT) plant(pteT, idx(12), kt, pfn, base(12));

            mmapReadLock(w.mm);
            const x = followPfnmapArgs(vma, address);
            const rx = followPfnmapStart(x);
            const lockX = x.lock;
            if (rx === 0) followPfnmapEnd(x);
            const y = followPfnmapArgs(vma, address);
            const ry = w.k.run(followPfnmapStartSteps(y));
            const lockY = y.lock;
            if (ry === 0) w.k.run(followPfnmapEndSteps(y));
            const z = walkData(w.mm, address).lookup;

            expect(ry).toBe(rx);
            expect(y.failure).toBe(x.failure);
            expect(y.reason).toBe(x.reason);
            expect(lockY).toBe(lockX);
            expect(y.leaf).toBe(x.leaf);
            expect(y.peek()).toEqual(x.peek());
            expect(z.ret).toBe(rx);
            expect(z.failure).toBe(x.failure);
            expect(z.reason).toBe(x.reason);
          },
        ),
        { numRuns: 400, seed: 1717 },
      );
    });
  }
});
