/**
 * Rules of the 6.12 mm code that a source audit found mirrored wrongly (Debian's
 * linux-source-6.12, 6.12.118); each test is named after the kernel rule it checks.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  PMD_SIZE,
  PMD_ORDER,
  PUD_SIZE,
  VM_FAULT_FALLBACK,
  VM_FAULT_NOPAGE,
  VM_IO,
  VM_MIXEDMAP,
  VM_PFNMAP,
  createVfioPciBarDevice,
  highestMemmapPfn,
  lookupLeaf,
  mkEntry,
  mmapReadLock,
  mmapReadUnlock,
  vmNormalPageWhy,
  vmfInsertPfn,
  vmfInsertPfnPmd,
  vmfInsertPfnPud,
  _PAGE_PRESENT,
  _PAGE_RW,
  _PAGE_SPECIAL,
} from "../../src/mm/index";
import fc from "fast-check";
import { allTables, pudLockptr } from "../../src/mm/pagetable";
import { doUserAddrFault, entryPresent, zapVmaPtes } from "../../src/mm/index";
import { RW_SHARED, pudAlignedVma, world } from "./helpers";

const root = path.resolve(__dirname, "../..");

/** Every text file of the given folders (recursively) with its path relative to the repo. */
function textFiles(dirs: string[], ext: RegExp): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (ext.test(e.name)) out.push({ file: path.relative(root, p), text: fs.readFileSync(p, "utf8") });
    }
  };
  for (const d of dirs) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
  return out;
}

const SOURCES = () =>
  [
    ...textFiles(["src", "notebooks", "docs", "test"], /\.(ts|txt|ipynb|md)$/),
    { file: "README.md", text: fs.readFileSync(path.join(root, "README.md"), "utf8") },
  ].filter((f) => f.file !== path.join("test", "mm", "kernel-rules.test.ts"));

describe("vmf_insert_pfn_pmd/pud BUG only when the vma has neither VM_PFNMAP nor VM_MIXEDMAP (mm/huge_memory.c:1460, :1548)", () => {
  for (const level of ["pmd", "pud"] as const) {
    it(`vmf_insert_pfn_${level} maps a special leaf in a VM_MIXEDMAP vma, RAM pfn included (no pfn_valid BUG_ON at this level)`, () => {
      const w = world();
      const vma = pudAlignedVma(w, 2 * PUD_SIZE, RW_SHARED | VM_MIXEDMAP);
      mmapReadLock(w.mm);
      const insert = level === "pmd" ? vmfInsertPfnPmd : vmfInsertPfnPud;
      expect(insert({ vma, address: vma.vmStart }, w.bar.startPfn, false)).toBe(VM_FAULT_NOPAGE);
      expect(lookupLeaf(w.mm, vma.vmStart).level).toBe(level);
      if (level === "pmd") {
        // A 2 MiB-aligned RAM pfn: vmf_insert_pfn_prot would BUG on it in a VM_MIXEDMAP vma, the PMD insert does not.
        const ram = 512;
        expect(w.k.physmem.isRamPfn(ram)).toBe(true);
        expect(vmfInsertPfnPmd({ vma, address: vma.vmStart + PUD_SIZE }, ram, false)).toBe(VM_FAULT_NOPAGE);
      }
      mmapReadUnlock(w.mm);
    });
  }

  it("vmf_insert_pfn_pmd still refuses a vma with neither flag, and one with both", () => {
    const w = world();
    const plain = pudAlignedVma(w, PUD_SIZE, RW_SHARED);
    expect(() => vmfInsertPfnPmd({ vma: plain, address: plain.vmStart }, w.bar.startPfn, false)).toThrow(
      /neither VM_PFNMAP nor VM_MIXEDMAP \(BUG_ON in mm\/huge_memory.c vmf_insert_pfn_pmd\)/,
    );
    const both = pudAlignedVma(w, PUD_SIZE, RW_SHARED | VM_MIXEDMAP | VM_PFNMAP | VM_IO);
    expect(() => vmfInsertPfnPmd({ vma: both, address: both.vmStart }, w.bar.startPfn, false)).toThrow(
      /both VM_PFNMAP and VM_MIXEDMAP/,
    );
    expect(lookupLeaf(w.mm, plain.vmStart).leaf).toBeFalsy();
  });

  it("the pfn_valid BUG_ON is vmf_insert_pfn_prot's (mm/memory.c:2415): a RAM pfn in a VM_MIXEDMAP vma throws at PTE level", () => {
    const w = world();
    const vma = w.mm.mmap({ length: 4 * 4096, vmFlags: RW_SHARED | VM_MIXEDMAP });
    mmapReadLock(w.mm);
    expect(() => vmfInsertPfn(vma, vma.vmStart, 512)).toThrow(
      /BUG_ON\(pfn_valid\) in mm\/memory.c vmf_insert_pfn_prot/,
    );
    mmapReadUnlock(w.mm);
  });
});

describe("a missing CONFIG_ARCH_SUPPORTS_PMD/PUD_PFNMAP falls back in the driver's huge_fault (drivers/vfio/pci/vfio_pci_core.c:1714-1727), not in vmf_insert_pfn_pmd", () => {
  it("vmf_insert_pfn_pmd maps the leaf whatever the config; vfio_pci_mmap_huge_fault returns VM_FAULT_FALLBACK for the compiled-out order", () => {
    const w = world({ hugePfnmap: { pmd: false, pud: false } });
    const vma = pudAlignedVma(w, PUD_SIZE, RW_SHARED | VM_PFNMAP | VM_IO);
    mmapReadLock(w.mm);
    expect(vmfInsertPfnPmd({ vma, address: vma.vmStart }, w.bar.startPfn, false)).toBe(VM_FAULT_NOPAGE);
    mmapReadUnlock(w.mm);
    expect(lookupLeaf(w.mm, vma.vmStart).level).toBe("pmd");

    const w2 = world({ hugePfnmap: { pmd: false, pud: false } });
    const dev = createVfioPciBarDevice(w2.k, { bar: w2.bar, alignRule: "align-down" });
    const bar = dev.mmapBar(w2.mm, { length: PUD_SIZE });
    mmapReadLock(w2.mm);
    const ret = w2.k.run(dev.hugeFaultSteps({ vma: bar, address: bar.vmStart }, PMD_ORDER));
    mmapReadUnlock(w2.mm);
    expect(ret).toBe(VM_FAULT_FALLBACK);
    expect(lookupLeaf(w2.mm, bar.vmStart).leaf).toBeFalsy();
  });
});

describe("the split ptlock configs are CONFIG_SPLIT_PTE_PTLOCKS / CONFIG_SPLIT_PMD_PTLOCKS (mm/Kconfig:638, :650)", () => {
  it("no code, notebook, doc or test names the non-existent USE_SPLIT_PTE_PTLOCKS / USE_SPLIT_PMD_PTLOCKS", () => {
    const bad = SOURCES()
      .filter((f) => /USE_SPLIT_P[TM][ED]_PTLOCKS/.test(f.text))
      .map((f) => f.file);
    expect(bad).toEqual([]);
    const kernelTs = fs.readFileSync(path.join(root, "src/mm/kernel.ts"), "utf8");
    expect(kernelTs).toMatch(/CONFIG_SPLIT_PTE_PTLOCKS \/ CONFIG_SPLIT_PMD_PTLOCKS/);
  });
});

describe("pud_lockptr() is &mm->page_table_lock on every architecture (include/linux/mm.h:3187)", () => {
  it("the PUD lock is page_table_lock with split ptlocks on or off", () => {
    for (const split of [true, false]) {
      const w = world({ splitPtlocks: { pte: split, pmd: split } });
      expect(pudLockptr(w.mm)).toBe(w.mm.pageTableLock);
    }
  });

  it("no text says the PUD lock is page_table_lock only on x86", () => {
    const bad = SOURCES()
      .filter((f) =>
        /x86 has no split PUD|pud_lock(\(\))?`?,? which on x86|at the PUD level x86 has no split|pud_lock on x86|pud_lock\(\) \(= mm->page_table_lock on x86\)/.test(
          f.text,
        ),
      )
      .map((f) => f.file);
    expect(bad).toEqual([]);
  });
});

describe('vfio-pci\'s pfn alignment rule is "vfio/pci: Fallback huge faults for unaligned pfn" (Jan 2025, Fixes: f9e54c3a2f5b)', () => {
  it("alignRule pfn falls back for an unaligned pfn, and the mirror names that patch", () => {
    const w = world();
    w.k.addIoRegion({ name: "filler", size: PMD_SIZE, align: PMD_SIZE });
    const odd = w.k.addIoRegion({ name: "odd", size: 2 * PMD_SIZE, align: PMD_SIZE });
    expect(odd.startPfn % 512).toBe(0);
    const dev = createVfioPciBarDevice(w.k, { bar: odd, alignRule: "pfn" });
    const vma = dev.mmapBar(w.mm, { length: 2 * PMD_SIZE, offset: 4096 * 0, align: PMD_SIZE });
    // Offset the vma's pfn by one page: an aligned address with an unaligned pfn.
    const shifted = createVfioPciBarDevice(w.k, { bar: odd, alignRule: "pfn" }).mmapBar(w.mm, {
      length: PMD_SIZE,
      offset: 4096,
      align: PMD_SIZE,
    });
    mmapReadLock(w.mm);
    expect(w.k.run(dev.hugeFaultSteps({ vma, address: vma.vmStart }, PMD_ORDER))).toBe(VM_FAULT_NOPAGE);
    expect(w.k.run(dev.hugeFaultSteps({ vma: shifted, address: shifted.vmStart }, PMD_ORDER))).toBe(VM_FAULT_FALLBACK);
    mmapReadUnlock(w.mm);
    const text = fs.readFileSync(path.join(root, "src/mm/vfio-device.ts"), "utf8");
    expect(text).toMatch(
      /"pfn" \("vfio\/pci: Fallback huge faults for unaligned pfn", Jan 2025, Fixes:\s+\*?\s*f9e54c3a2f5b/,
    );
    expect(text).not.toMatch(/"Align huge faults to order" era/);
  });
});

describe("vm_normal_page() returns NULL for a non-special pte only above highest_memmap_pfn (mm/memory.c:646)", () => {
  it("a BAR pfn above highest_memmap_pfn: NULL with print_bad_pte; below it the model says it simplifies", () => {
    const w = world();
    const vma = w.mm.mmap({ length: 4096, vmFlags: RW_SHARED });
    const highest = highestMemmapPfn(vma);
    expect(highest).toBe(w.k.physmem.ramEndPfn - 1);
    expect(w.bar.startPfn).toBeGreaterThan(highest);
    const io = vmNormalPageWhy(vma, vma.vmStart, mkEntry(w.bar.startPfn, _PAGE_PRESENT | _PAGE_RW));
    expect(io.page).toBeNull();
    expect(io.reason).toMatch(/above highest_memmap_pfn .*print_bad_pte/);
    const low = vmNormalPageWhy(vma, vma.vmStart, mkEntry(0x10, _PAGE_PRESENT | _PAGE_RW));
    expect(low.page).toBeNull();
    expect(low.reason).toMatch(
      /below highest_memmap_pfn: the kernel returns its reserved struct page; the model has none \(simplification\)/,
    );
    const page = w.k.allocPage();
    expect(vmNormalPageWhy(vma, vma.vmStart, mkEntry(page.pfn, _PAGE_PRESENT | _PAGE_RW)).page).toBe(page);
    // A special pte stays NULL in a pfnmap whatever its pfn.
    const pfnmap = w.mm.mmap({ length: 4096, vmFlags: RW_SHARED | VM_PFNMAP | VM_IO });
    expect(vmNormalPageWhy(pfnmap, pfnmap.vmStart, mkEntry(page.pfn, _PAGE_PRESENT | _PAGE_SPECIAL)).page).toBeNull();
  });
});

describe("follow_pfnmap_start tests pmd_present/pud_present before pmd_leaf/pud_leaf (mm/memory.c:6479-6481, :6500-6502)", () => {
  it("the model never holds a non-present, non-empty PUD or PMD entry, so that half of the fix cannot show here (faults, zaps, resets; fixed seed)", () => {
    const op = fc.oneof(
      fc.record({
        t: fc.constant("fault" as const),
        at: fc.integer({ min: 0, max: 2 * 512 - 1 }),
        page: fc.integer({ min: 0, max: 511 }),
      }),
      fc.record({
        t: fc.constant("zap" as const),
        at: fc.integer({ min: 0, max: 2 * 512 - 1 }),
        pmds: fc.integer({ min: 1, max: 64 }),
      }),
      fc.record({ t: fc.constant("reset" as const) }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom("v6.12", "pfn", "align-down"),
        fc.array(op, { minLength: 1, maxLength: 25 }),
        (rule, ops) => {
          const w = world({}, 2 * PUD_SIZE);
          const dev = createVfioPciBarDevice(w.k, { bar: w.bar, alignRule: rule as "v6.12" | "pfn" | "align-down" });
          const vma = dev.mmapBar(w.mm, { length: 2 * PUD_SIZE });
          for (const o of ops) {
            if (o.t === "fault") doUserAddrFault(w.mm, vma.vmStart + o.at * PMD_SIZE + o.page * 4096);
            else if (o.t === "zap") {
              const start = vma.vmStart + o.at * PMD_SIZE;
              zapVmaPtes(vma, start, Math.min(o.pmds * PMD_SIZE, vma.vmEnd - start));
            } else dev.reset();
          }
          for (const t of allTables(w.mm)) {
            if (t.level !== "pud" && t.level !== "pmd") continue;
            for (const e of t.entries) expect(e === 0 || entryPresent(e)).toBe(true);
          }
        },
      ),
      { numRuns: 60, seed: 1313 },
    );
  });
});
