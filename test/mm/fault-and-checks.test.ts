/** Faults with PUD -> PMD -> PTE fallback by alignment rule, checker rules, and bad input. */
import { describe, expect, it } from "vitest";
import {
  PMD_SIZE,
  PUD_SIZE,
  PAGE_SHARED,
  VM_FAULT_NOPAGE,
  VM_FAULT_SIGSEGV,
  VM_READ,
  VM_WRITE,
  VM_SHARED,
  VM_IO,
  VM_PFNMAP,
  createVfioPciBarDevice,
  doUserAddrFault,
  followPfnmapArgs,
  followPfnmapEnd,
  followPfnmapStart,
  lookupLeaf,
  mmapReadLock,
  mmapReadUnlock,
  remapPfnRange,
  PFNMAP_RULES,
  getUserPages,
  EFAULT,
  vmNormalPage,
  explainWalk,
  walkData,
  zapVmaPtes,
  munmap,
  followPte,
  pteUnmapUnlock,
  ptepGet,
  entryPfn,
  EINVAL,
  unmapMappingRange,
  type VfioAlignRule,
} from "../../src/mm/index";
import { mmuNotifierRegister } from "../../src/notifiers/index";
import { CheckerError } from "../../src/base/checker";
import { lockdep } from "../../src/sched/lockdep";
import { RW_SHARED, pudAlignedVma, world } from "./helpers";

function device(rule: VfioAlignRule, opts = {}, barAlign?: number) {
  const w = world(opts);
  if (barAlign) w.k.addIoRegion({ name: "filler", size: barAlign, align: barAlign });
  const bar = barAlign ? w.k.addIoRegion({ name: "odd", size: 2 * PUD_SIZE, align: barAlign }) : w.bar;
  const dev = createVfioPciBarDevice(w.k, { bar, alignRule: rule });
  const vma = dev.mmapBar(w.mm, { length: 2 * PUD_SIZE });
  return { ...w, bar, dev, vma };
}

describe("handle_mm_fault on a vfio-pci-like BAR", () => {
  it("a fault at a PUD-aligned address maps a 1 GiB leaf (v6.12)", () => {
    const d = device("v6.12");
    expect(doUserAddrFault(d.mm, d.vma.vmStart)).toBe(VM_FAULT_NOPAGE);
    expect(lookupLeaf(d.mm, d.vma.vmStart).level).toBe("pud");
  });
  it("v6.12: an unaligned fault address falls back to PTE even inside an aligned window", () => {
    const d = device("v6.12");
    doUserAddrFault(d.mm, d.vma.vmStart + 4096);
    expect(lookupLeaf(d.mm, d.vma.vmStart + 4096).level).toBe("pte");
    expect(d.dev.faultLog.map((f) => [f.order, f.ret])).toEqual([
      [18, 0x800],
      [9, 0x800],
      [0, VM_FAULT_NOPAGE],
    ]);
  });
  it("align-down: a fault anywhere in the aligned window gets the PUD leaf", () => {
    const d = device("align-down");
    doUserAddrFault(d.mm, d.vma.vmStart + 12345 * 4096);
    const hit = lookupLeaf(d.mm, d.vma.vmStart);
    expect(hit.level).toBe("pud");
    expect(entryPfn(hit.value)).toBe(d.bar.startPfn);
  });
  it("pfn rule: a BAR aligned only to 2 MiB gets PMD leaves, not PUD", () => {
    const d = device("pfn", {}, PMD_SIZE);
    expect(d.bar.startPfn % 262144).not.toBe(0);
    doUserAddrFault(d.mm, d.vma.vmStart);
    expect(lookupLeaf(d.mm, d.vma.vmStart).level).toBe("pmd");
  });
  it("v6.12 rule with that BAR maps a PUD leaf whose pfn reads back rounded down (wrong memory)", () => {
    const d = device("v6.12", {}, PMD_SIZE);
    doUserAddrFault(d.mm, d.vma.vmStart);
    expect(lookupLeaf(d.mm, d.vma.vmStart).level).toBe("pud");
    mmapReadLock(d.mm);
    const a = followPfnmapArgs(d.vma, d.vma.vmStart);
    expect(followPfnmapStart(a)).toBe(0);
    expect(a.pfn).not.toBe(d.bar.startPfn);
    followPfnmapEnd(a);
  });
  it("without PUD pfnmap support the fault falls back to a PMD leaf", () => {
    const d = device("align-down", { hugePfnmap: { pud: false } });
    doUserAddrFault(d.mm, d.vma.vmStart + 4096);
    expect(lookupLeaf(d.mm, d.vma.vmStart).level).toBe("pmd");
  });
  it("without any huge pfnmap support the fault maps a PTE", () => {
    const d = device("align-down", { hugePfnmap: { pud: false, pmd: false } });
    doUserAddrFault(d.mm, d.vma.vmStart + 4096);
    expect(lookupLeaf(d.mm, d.vma.vmStart + 4096).level).toBe("pte");
  });
  it("a fault outside any vma is SIGSEGV; reset zaps the BAR via unmap_mapping_range and refaults work", () => {
    const d = device("align-down");
    expect(doUserAddrFault(d.mm, 0x10000)).toBe(VM_FAULT_SIGSEGV);
    doUserAddrFault(d.mm, d.vma.vmStart);
    const gen = d.bar.generation;
    const stats = d.dev.reset();
    expect(stats.puds).toBe(1);
    expect(d.bar.generation).toBe(gen + 1);
    expect(lookupLeaf(d.mm, d.vma.vmStart).leaf).toBe(false);
    doUserAddrFault(d.mm, d.vma.vmStart);
    expect(lookupLeaf(d.mm, d.vma.vmStart).leaf).toBe(true);
  });
  it("a partial zap of a PUD leaf clears the whole leaf; a refault maps it again", () => {
    const d = device("align-down");
    doUserAddrFault(d.mm, d.vma.vmStart);
    const st = zapVmaPtes(d.vma, d.vma.vmStart + PMD_SIZE, 4096)!;
    expect(st.puds).toBe(1);
    expect(lookupLeaf(d.mm, d.vma.vmStart + PUD_SIZE - 4096).leaf).toBe(false);
  });
});

describe("checker rules", () => {
  const mapped = () => {
    const w = world();
    const vma = pudAlignedVma(w);
    remapPfnRange(vma, vma.vmStart, w.bar.startPfn, 16 * 4096, PAGE_SHARED);
    return { ...w, vma };
  };
  it("start() without mmap_lock", () => {
    const w = mapped();
    const a = followPfnmapArgs(w.vma, w.vma.vmStart);
    followPfnmapStart(a);
    followPfnmapEnd(a);
    expect(w.k.checker.list().map((v) => v.rule)).toEqual([PFNMAP_RULES.withoutLock]);
  });
  it("holding the file's i_mmap_rwsem instead of mmap_lock is accepted", () => {
    const w = world();
    const dev = createVfioPciBarDevice(w.k, { bar: w.bar, alignRule: "align-down" });
    const vma = dev.mmapBar(w.mm, { length: PUD_SIZE });
    doUserAddrFault(w.mm, vma.vmStart);
    w.k.run(
      (function* () {
        yield { kind: "acquire" as const, lock: dev.mapping.iMmapRwsem, mode: "read" as const, site: "t" };
      })(),
    );
    const a = followPfnmapArgs(vma, vma.vmStart);
    expect(followPfnmapStart(a)).toBe(0);
    followPfnmapEnd(a);
    expect(w.k.checker.list()).toEqual([]);
  });
  it("mmap_lock released between start and end", () => {
    const w = mapped();
    mmapReadLock(w.mm);
    const a = followPfnmapArgs(w.vma, w.vma.vmStart);
    followPfnmapStart(a);
    mmapReadUnlock(w.mm);
    followPfnmapEnd(a);
    expect(w.k.checker.list().map((v) => v.rule)).toEqual([PFNMAP_RULES.unlockDuringLookup]);
  });
  it("end() twice, and end() after a failed start()", () => {
    const w = mapped();
    mmapReadLock(w.mm);
    const a = followPfnmapArgs(w.vma, w.vma.vmStart);
    followPfnmapStart(a);
    followPfnmapEnd(a);
    followPfnmapEnd(a);
    const b = followPfnmapArgs(w.vma, w.vma.vmStart + 20 * 4096);
    expect(followPfnmapStart(b)).toBe(-EINVAL);
    followPfnmapEnd(b);
    expect(w.k.checker.list().map((v) => v.rule)).toEqual([PFNMAP_RULES.endTwice, PFNMAP_RULES.endWithoutStart]);
    expect(w.k.ctx.task.held.length).toBe(1);
  });
  it("reading outputs after end() is reported with the kernel-doc rule; the stale value is still returned", () => {
    const w = mapped();
    mmapReadLock(w.mm);
    const a = followPfnmapArgs(w.vma, w.vma.vmStart + 4096);
    followPfnmapStart(a);
    const pfn = a.pfn;
    followPfnmapEnd(a);
    expect(a.pfn).toBe(pfn);
    void a.writable;
    const v = w.k.checker.list(PFNMAP_RULES.useAfterEnd);
    expect(v.map((x) => x.site)).toEqual(["args.pfn", "args.writable"]);
    expect(v[0].message).toMatch(/security bug/);
  });
  it("lookup on a non VM_IO|VM_PFNMAP vma", () => {
    const w = world();
    const vma = w.mm.mmap({ length: 4096, vmFlags: RW_SHARED });
    mmapReadLock(w.mm);
    expect(followPfnmapStart({ vma, address: vma.vmStart })).toBe(-EINVAL);
    expect(w.k.checker.list().map((v) => v.rule)).toEqual([PFNMAP_RULES.nonPfnmapVma]);
  });
  it("sleeping while holding the PTE lock of a lookup", () => {
    const w = mapped();
    mmapReadLock(w.mm);
    const a = followPfnmapArgs(w.vma, w.vma.vmStart);
    followPfnmapStart(a);
    lockdep.mightSleep(w.k.checker, w.k.ctx.task, "ioremap_prot");
    followPfnmapEnd(a);
    expect(w.k.checker.list().map((v) => v.rule)).toEqual(["sleep-in-atomic"]);
  });
  it("checkerMode throw stops at the first report", () => {
    const w = world({ checkerMode: "throw" });
    const vma = pudAlignedVma(w);
    remapPfnRange(vma, vma.vmStart, w.bar.startPfn, 4096, PAGE_SHARED);
    expect(() => followPfnmapStart({ vma, address: vma.vmStart })).toThrow(CheckerError);
  });
});

describe("bad input throws naming function, field, value, rule and changes nothing", () => {
  const snapshot = (w: ReturnType<typeof world>) =>
    JSON.stringify({
      v: w.mm.vmas.map((v) => [v.vmStart, v.vmEnd, v.vmFlags]),
      c: w.mm.pgtableCounts,
      p: w.k.physmem.allocated,
    });
  it.each([
    [
      "overlapping mmap",
      (w: ReturnType<typeof world>, v: any) => w.mm.mmap({ length: 4096, vmFlags: RW_SHARED, addr: v.vmStart }),
      /mmap: addr 0x[0-9a-f]+ starts a range .* overlaps/,
    ],
    [
      "unaligned addr",
      (w: any) => w.mm.mmap({ length: 4096, vmFlags: RW_SHARED, addr: 0x100001 }),
      /mmap: addr 0x100001 is not page aligned/,
    ],
    [
      "negative length",
      (w: any) => w.mm.mmap({ length: -4096, vmFlags: RW_SHARED }),
      /mmap: length -0x1000 must be positive/,
    ],
    [
      "non-integer length",
      (w: any) => w.mm.mmap({ length: 4096.5, vmFlags: RW_SHARED }),
      /mmap: length 4096.5 must be an integer/,
    ],
    [
      "unknown flags",
      (w: any) => w.mm.mmap({ length: 4096, vmFlags: 0x800 }),
      /mmap: vmFlags 0x800 has unknown bits 0x800/,
    ],
    [
      "remap size not aligned",
      (w: any, v: any) => remapPfnRange(v, v.vmStart, w.bar.startPfn, 0x1001, PAGE_SHARED),
      /remapPfnRange: size 0x1001 is not page aligned/,
    ],
    [
      "remap pfn outside any region",
      (_w: any, v: any) => remapPfnRange(v, v.vmStart, 0x7fffffff, 4096, PAGE_SHARED),
      /outside any RAM or IO region/,
    ],
    [
      "remap over existing ptes",
      (w: any, v: any) => remapPfnRange(v, v.vmStart, w.bar.startPfn, 8192, PAGE_SHARED),
      /already populated/,
    ],
    ["munmap unaligned", (w: any) => munmap(w.mm, 0x1234, 4096), /munmap: addr 0x1234 is not page aligned/],
    [
      "io region bad size",
      (w: any) => w.k.addIoRegion({ name: "x", size: 100 }),
      /addIoRegion: size 0x64 is not page aligned/,
    ],
  ])("%s", (_name, f, msg) => {
    const w = world();
    const v = pudAlignedVma(w);
    remapPfnRange(v, v.vmStart, w.bar.startPfn, 4096, PAGE_SHARED);
    const before = snapshot(w);
    expect(() => f(w, v)).toThrow(msg as RegExp);
    expect(snapshot(w)).toBe(before);
  });
  it("freeing a referenced page throws; free + realloc bumps the generation", () => {
    const w = world();
    const p = w.k.allocPage();
    w.k.getPage(p);
    expect(() => w.k.freePage(p)).toThrow(/still referenced/);
    w.k.putPage(p);
    w.k.freePage(p);
    const q = w.k.allocPage();
    expect(q.pfn).toBe(p.pfn);
    expect(q.generation).toBe(2);
  });
});

describe("GUP, vm_normal_page, follow_pte, notifiers, explainWalk", () => {
  it("GUP refuses VM_IO|VM_PFNMAP with -EFAULT and pins anonymous pages", () => {
    const w = world();
    const io = pudAlignedVma(w);
    remapPfnRange(io, io.vmStart, w.bar.startPfn, 4096, PAGE_SHARED);
    const anon = w.mm.mmap({ length: 8192, vmFlags: VM_READ | VM_WRITE });
    mmapReadLock(w.mm);
    expect(getUserPages(w.mm, io.vmStart, 1).ret).toBe(-EFAULT);
    const r = getUserPages(w.mm, anon.vmStart, 2);
    expect(r.ret).toBe(2);
    expect(r.pages[0].refcount).toBe(2);
    expect(r.pages[0].mapcount).toBe(1);
    mmapReadUnlock(w.mm);
    const hit = lookupLeaf(w.mm, io.vmStart);
    expect(vmNormalPage(io, io.vmStart, hit.value)).toBeNull();
    expect(vmNormalPage(anon, anon.vmStart, lookupLeaf(w.mm, anon.vmStart).value)).toBe(r.pages[0]);
    // munmap drops the mapping's reference; the GUP reference keeps the page alive
    munmap(w.mm, anon.vmStart, 8192);
    expect(r.pages[0].refcount).toBe(1);
    expect(r.pages[0].use).toBe("anon");
  });
  it("legacy follow_pte finds ptes and refuses huge leaves", () => {
    const d = device("align-down");
    const io = pudAlignedVma(d, PUD_SIZE);
    remapPfnRange(io, io.vmStart, d.bar.startPfn, 4096, PAGE_SHARED);
    doUserAddrFault(d.mm, d.vma.vmStart);
    mmapReadLock(d.mm);
    const out = { ptep: null, ptl: null, reason: "" } as any;
    expect(followPte(io, io.vmStart, out)).toBe(0);
    expect(entryPfn(ptepGet(out.ptep))).toBe(d.bar.startPfn);
    pteUnmapUnlock(io, out.ptep, out.ptl);
    expect(followPte(d.vma, d.vma.vmStart, out)).toBe(-EINVAL);
    expect(out.reason).toMatch(/1 GiB leaf/);
    expect(d.k.ctx.task.held.length).toBe(1);
  });
  it("zap, unmap_mapping_range and munmap call invalidate_range_start/end around the change", () => {
    const d = device("align-down");
    const seen: string[] = [];
    mmuNotifierRegister(d.mm, {
      invalidateRangeStart: (_s, r) => {
        seen.push(`start ${r.site} mapped=${lookupLeaf(d.mm, d.vma.vmStart).leaf}`);
        return undefined;
      },
      invalidateRangeEnd: (_s, r) => {
        seen.push(`end ${r.site} mapped=${lookupLeaf(d.mm, d.vma.vmStart).leaf}`);
        return undefined;
      },
    });
    doUserAddrFault(d.mm, d.vma.vmStart);
    zapVmaPtes(d.vma, d.vma.vmStart, PUD_SIZE);
    doUserAddrFault(d.mm, d.vma.vmStart);
    unmapMappingRange(d.dev.mapping, 0, 0);
    doUserAddrFault(d.mm, d.vma.vmStart);
    munmap(d.mm, d.vma.vmStart, d.vma.size);
    expect(seen).toEqual([
      "start zap_vma_ptes mapped=true",
      "end zap_vma_ptes mapped=false",
      "start unmap_mapping_range mapped=true",
      "end unmap_mapping_range mapped=false",
      "start munmap mapped=true",
      "end munmap mapped=false",
    ]);
    expect(d.mm.notifierSubscriptions!.invalidateSeq % 2).toBe(0);
  });
  it("explainWalk names each level, the leaf, the lock and the failure reason", () => {
    const d = device("align-down");
    doUserAddrFault(d.mm, d.vma.vmStart);
    const t = explainWalk(d.mm, d.vma.vmStart + 4096);
    expect(t).toMatch(/pud\[\s*\d+\] = .*LEAF pfn/);
    expect(t).toMatch(/leaf: PUD \(1 GiB\)/);
    expect(t).toMatch(/page_table_lock/);
    const miss = walkData(d.mm, d.vma.vmStart + PUD_SIZE);
    expect(miss.lookup.ret).toBe(-22);
    expect(miss.levels.map((l) => l.level)).toEqual(["p4d", "pud"]);
    void VM_SHARED;
    void VM_IO;
    void VM_PFNMAP;
  });
});
