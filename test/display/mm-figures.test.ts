/** The experiments and figures behind notebooks 01 and 02 (src/display/mm-figures.ts). */
import { describe, expect, it } from "vitest";
import {
  EINVAL,
  FOLLOW_REASONS,
  PAGE_SHARED,
  PAGE_SIZE,
  PMD_SIZE,
  PUD_SIZE,
  TASK_SIZE,
  VM_DONTDUMP,
  VM_DONTEXPAND,
  VM_IO,
  VM_PFNMAP,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  createKernel,
  mmapReadLock,
  mmapReadUnlock,
  remapPfnRange,
  vmfInsertPfnPmd,
  vmfInsertPfnPud,
  vmfInsertPfnSteps,
  zapVmaPtes,
  followPfnmapArgs,
  followPfnmapStart,
  followPfnmapEnd,
  type Vmf,
} from "../../src/mm/index";
import {
  LOOKUP_CAUSES,
  addressSpaceFigure,
  countByCause,
  leafSegments,
  lockScope,
  lockScopeFigure,
  lookupCause,
  lookupOutcomeBars,
  lookupSegments,
  lookupStripFigure,
  sweepAddresses,
  sweepLookups,
  touchFigure,
  touchSeries,
  vmaLeafStrip,
  walkFigure,
} from "../../src/display/mm-figures";

const RW = VM_READ | VM_WRITE | VM_SHARED;
const PFNMAP = RW | VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;

/** A 2 GiB pfnmap: PUD leaf, then a PMD leaf, 512 ptes with 16 zapped, empty pmds; the 2nd GiB's pud is empty. */
function lab() {
  const k = createKernel();
  const bar = k.addIoRegion({ name: "bar", size: 4 * PUD_SIZE });
  const mm = k.createMm();
  const vma = mm.mmap({ length: 3 * PUD_SIZE, vmFlags: PFNMAP, align: PUD_SIZE, ops: { name: "t" } });
  const s = vma.vmStart;
  vmfInsertPfnPud({ vma, address: s }, bar.startPfn, false);
  vmfInsertPfnPmd({ vma, address: s + PUD_SIZE }, bar.startPfn + PUD_SIZE / PAGE_SIZE, false);
  const pteBase = s + PUD_SIZE + PMD_SIZE;
  remapPfnRange(vma, pteBase, bar.startPfn + 1000, PMD_SIZE, PAGE_SHARED);
  zapVmaPtes(vma, pteBase + 64 * PAGE_SIZE, 16 * PAGE_SIZE);
  return { k, bar, mm, vma, pteBase };
}

describe("lookupCause", () => {
  it("names every follow_pfnmap_start exit code and the legacy follow_pte ones", () => {
    expect(lookupCause("pteNotPresent")).toBe("pte none");
    expect(lookupCause("pudNone")).toBe("pud none");
    expect(lookupCause("pudNotPresent")).toBe("pud none");
    expect(lookupCause("pmdNotPresent")).toBe("pmd none");
    expect(lookupCause("pteMapNull")).toBe("pte_offset_map_lock NULL");
    expect(lookupCause("p4dNone")).toBe("p4d none");
    expect(lookupCause("p4dBad")).toBe("p4d bad");
    expect(lookupCause("pmdGoneUnderLock")).toBe("zapped under lock");
    expect(lookupCause("outsideVma")).toBe("outside vma");
    expect(lookupCause("pudLeaf")).toBe("PUD leaf (follow_pte)");
    expect(lookupCause("pmdNone")).toBe("pmd none");
    expect(lookupCause(null)).toBe("ok");
  });
  it("every exit of follow_pfnmap_start has a cause name (one per FOLLOW_REASONS key)", () => {
    for (const code of Object.keys(FOLLOW_REASONS))
      expect(LOOKUP_CAUSES).toContain(lookupCause(code as keyof typeof FOLLOW_REASONS));
  });
  it("a failed start() records the code of its exit next to its text, and success clears it", () => {
    const { vma } = lab();
    const mm = vma.mm;
    mmapReadLock(mm);
    const args = followPfnmapArgs(vma, vma.vmStart - PAGE_SIZE);
    expect(followPfnmapStart(args)).toBe(-EINVAL);
    expect(args.failure).toBe("outsideVma");
    expect(args.reason).toBe(FOLLOW_REASONS.outsideVma(vma, vma.vmStart - PAGE_SIZE));
    const ok = followPfnmapArgs(vma, vma.vmStart);
    expect(followPfnmapStart(ok)).toBe(0);
    expect(ok.failure).toBeNull();
    followPfnmapEnd(ok);
    mmapReadUnlock(mm);
  });
  it("throws on a code it does not know, so a new failure path cannot go unnamed", () => {
    expect(() => lookupCause("somethingNew" as never)).toThrow(/no cause name/);
  });
});

describe("sweepLookups", () => {
  it("counts every cause a sweep across holes and leaves must give, and takes mmap_lock itself", () => {
    const { k, vma, pteBase } = lab();
    const pts = sweepLookups(vma, { start: vma.vmStart + PUD_SIZE - PMD_SIZE, end: pteBase + 2 * PMD_SIZE });
    // 512 PUD-leaf pages + 512 PMD-leaf pages + (512 - 16) ptes ok; 16 zapped; 512 in the empty pmd
    expect(countByCause(pts)).toEqual({ ok: 512 + 512 + 496, "pmd none": 512, "pte none": 16 });
    expect(k.checker.list()).toEqual([]);
    expect(k.ctx.task.held).toEqual([]);
  });
  it("returns the pfn, leaf level and lock of each success (pfn = leaf base + page offset)", () => {
    const { bar, vma } = lab();
    const a = vma.vmStart + PUD_SIZE + 0x1234ab;
    const [p] = sweepLookups(vma, { addresses: [a] });
    expect(p).toMatchObject({ ret: 0, cause: "ok", leaf: "pmd", lock: "ptlock (PMD)" });
    expect(p.pfn).toBe(bar.startPfn + PUD_SIZE / PAGE_SIZE + 0x123);
    const [q] = sweepLookups(vma, { addresses: [vma.vmStart + 5 * PAGE_SIZE] });
    expect(q).toMatchObject({ leaf: "pud", lock: "&mm->page_table_lock", pfn: bar.startPfn + 5 });
  });
  it("with follow_pte fails on PMD and PUD leaves and agrees on ptes", () => {
    const { vma, pteBase } = lab();
    const opts = { addresses: [vma.vmStart, vma.vmStart + PUD_SIZE, pteBase, pteBase + 64 * PAGE_SIZE] };
    const legacy = sweepLookups(vma, { ...opts, api: "follow_pte" });
    const now = sweepLookups(vma, opts);
    expect(legacy.map((p) => p.cause)).toEqual(["PUD leaf (follow_pte)", "PMD leaf (follow_pte)", "ok", "pte none"]);
    expect(now.map((p) => p.cause)).toEqual(["ok", "ok", "ok", "pte none"]);
    expect(legacy[2].pfn).toBe(now[2].pfn);
    expect(legacy[0].ret).toBe(-EINVAL);
  });
  it("keeps a caller's mmap_lock as it was", () => {
    const { k, mm, vma } = lab();
    mmapReadLock(mm);
    sweepLookups(vma, { addresses: [vma.vmStart] });
    expect(k.ctx.task.held.map((h) => h.lock.className)).toEqual(["&mm->mmap_lock"]);
    mmapReadUnlock(mm);
  });
  it("rejects bad sweeps before looking anything up", () => {
    const { vma } = lab();
    expect(() => sweepAddresses(vma, { step: 0 })).toThrow(/step 0/);
    expect(() => sweepAddresses(vma, { start: 10, end: 5 })).toThrow(/must be above/);
    expect(() => sweepAddresses(vma, { step: PAGE_SIZE })).toThrow(/too many/);
    expect(() => sweepLookups(vma, { addresses: [vma.vmStart], api: "nope" as never })).toThrow(/api nope/);
  });
});

describe("segments and strips", () => {
  it("merges consecutive lookups of one cause into a segment", () => {
    const { vma, pteBase } = lab();
    const pts = sweepLookups(vma, { start: pteBase + 60 * PAGE_SIZE, end: pteBase + 84 * PAGE_SIZE });
    expect(lookupSegments(pts).map((s) => [s.cls, (s.end - s.start) / PAGE_SIZE])).toEqual([
      ["ok", 4],
      ["pte none", 16],
      ["ok", 4],
    ]);
  });
  it("leafSegments covers the range exactly, by level, with 'none' between", () => {
    const { vma } = lab();
    const segs = leafSegments(vma.mm, vma.vmStart, vma.vmEnd);
    expect(segs[0]).toMatchObject({ cls: "pud", start: vma.vmStart, end: vma.vmStart + PUD_SIZE });
    expect(segs.map((s) => s.cls)).toEqual(["pud", "pmd", "pte", "none", "pte", "none"]);
    expect(segs.reduce((n, s) => n + s.end - s.start, 0)).toBe(vma.size);
  });
  it("lookupStripFigure draws one trace per cause whose widths add up to the swept bytes", () => {
    const { vma, pteBase } = lab();
    const pts = sweepLookups(vma, { start: pteBase, end: pteBase + PMD_SIZE });
    const fig = lookupStripFigure([{ name: "row", vma, points: pts, origin: pteBase }]);
    const width = (name: string) => (fig.data.find((t) => t.name === name)!.x as number[]).reduce((a, b) => a + b, 0);
    expect(width("ok")).toBe(496 * 4); // KiB: a 2 MiB span reads in KiB
    expect(width("pte none")).toBe(16 * 4);
    expect((fig.data[0].base as number[])[0]).toBe(0);
  });
  it("vmaLeafStrip shows populated and empty pages of a fault-time vma", () => {
    const k = createKernel();
    const bar = k.addIoRegion({ name: "bar", size: 1 << 20 });
    const mm = k.createMm();
    const vma = mm.mmap({
      length: 8 * PAGE_SIZE,
      vmFlags: PFNMAP,
      ops: { fault: (vmf: Vmf) => vmfInsertPfnSteps(vmf.vma, vmf.address, bar.startPfn + vmf.pgoff!) },
    });
    touchSeries(
      "t",
      vma,
      [0, 1, 5].map((i) => vma.vmStart + i * PAGE_SIZE),
    );
    const fig = vmaLeafStrip([{ name: "v", vma }]);
    const sum = (name: string) => (fig.data.find((t) => t.name === name)!.x as number[]).reduce((a, b) => a + b, 0);
    expect(sum("PTE (4 KiB)")).toBe(12);
    expect(sum("not mapped")).toBe(20);
  });
});

describe("touchSeries", () => {
  it("counts one fault and one new leaf per first touch, none for repeats", () => {
    const k = createKernel();
    const bar = k.addIoRegion({ name: "bar", size: 1 << 20 });
    const mm = k.createMm();
    const vma = mm.mmap({
      length: 16 * PAGE_SIZE,
      vmFlags: PFNMAP,
      ops: { fault: (vmf: Vmf) => vmfInsertPfnSteps(vmf.vma, vmf.address, bar.startPfn + vmf.pgoff!) },
    });
    const s = touchSeries(
      "lazy",
      vma,
      [3, 3, 9, 3, 0].map((i) => vma.vmStart + i * PAGE_SIZE),
    );
    expect(s.populated).toEqual([0, 1, 1, 2, 2, 3]);
    expect(s.faults).toEqual([0, 1, 1, 2, 2, 3]);
    const eager = mm.mmap({ length: 4 * PAGE_SIZE, vmFlags: RW });
    remapPfnRange(eager, eager.vmStart, bar.startPfn, 4 * PAGE_SIZE, PAGE_SHARED);
    const e = touchSeries("eager", eager, [eager.vmStart, eager.vmStart + PAGE_SIZE]);
    expect(e.populated).toEqual([4, 4, 4]);
    expect(e.faults).toEqual([0, 0, 0]);
    const fig = touchFigure([e, s]);
    expect(fig.data.map((t) => t.name)).toEqual([
      "eager: populated leaves",
      "eager: faults taken",
      "lazy: populated leaves",
      "lazy: faults taken",
    ]);
    expect(fig.data[2].y).toEqual([0, 1, 1, 2, 2, 3]);
    expect(() => touchSeries("x", vma, [vma.vmEnd])).toThrow(/not inside/);
  });
});

describe("lockScope", () => {
  it("gives 2 MiB for a PTE ptlock, 1 GiB for a PMD ptlock, the whole mm for page_table_lock", () => {
    const rows = [
      lockScope("pte", "ptlock (PTE)"),
      lockScope("pmd", "ptlock (PMD)"),
      lockScope("pud", "&mm->page_table_lock"),
    ];
    expect(rows.map((r) => r.bytes)).toEqual([PMD_SIZE, PUD_SIZE, TASK_SIZE + PAGE_SIZE]);
    const fig = lockScopeFigure(rows);
    expect(fig.data[0].x).toEqual([PMD_SIZE, PUD_SIZE, 2 ** 47]);
    expect((fig.layout.xaxis as { type: string }).type).toBe("log");
  });
});

describe("figures from the model", () => {
  it("lookupOutcomeBars stacks causes in the kernel's order with their counts", () => {
    const { vma, pteBase } = lab();
    const opts = { start: vma.vmStart + PUD_SIZE - 8 * PAGE_SIZE, end: pteBase + 80 * PAGE_SIZE };
    const fig = lookupOutcomeBars([
      { group: "old", points: sweepLookups(vma, { ...opts, api: "follow_pte" }) },
      { group: "new", points: sweepLookups(vma, opts) },
    ]);
    const names = fig.data.map((t) => t.name as string);
    expect(names).toEqual(
      [...names].sort((a, b) => LOOKUP_CAUSES.indexOf(a as never) - LOOKUP_CAUSES.indexOf(b as never)),
    );
    const y = (name: string) => fig.data.find((t) => t.name === name)!.y;
    expect(y("ok")).toEqual([64, 8 + 512 + 64]);
    expect(y("PMD leaf (follow_pte)")).toEqual([512, 0]);
    expect(y("PUD leaf (follow_pte)")).toEqual([8, 0]);
    expect(y("pte none")).toEqual([16, 16]);
  });
  it("walkFigure says the cause of a failed lookup and shows no lock", () => {
    const { mm, vma, pteBase } = lab();
    const fig = walkFigure(mm, pteBase + 64 * PAGE_SIZE);
    const texts = (fig.layout.annotations as { text: string }[]).map((a) => a.text);
    expect(texts.some((t) => t.includes("start() = -EINVAL<br>pte none"))).toBe(true);
    expect(texts.some((t) => t.startsWith("lock: "))).toBe(false);
    const ok = walkFigure(mm, vma.vmStart);
    expect(
      (ok.layout.annotations as { text: string }[]).some((a) => a.text.startsWith("lock: &mm->page_table_lock")),
    ).toBe(true);
  });
  it("addressSpaceFigure labels vmas with the course's flags only", () => {
    const { mm } = lab();
    mm.mmap({ length: PAGE_SIZE, vmFlags: VM_READ | VM_WRITE, name: "anon" });
    const text = JSON.stringify(addressSpaceFigure(mm).layout.annotations);
    expect(text).toContain("VM_SHARED | VM_PFNMAP | VM_IO");
    expect(text).toContain("anonymous");
    expect(text).not.toContain("VM_MAYREAD");
  });
});
