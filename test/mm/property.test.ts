/**
 * Property tests: random sequences of mmap / remapPfnRange / fault-time inserts at all
 * three sizes / zaps / munmap agree with a plain reference (leaves by address), the
 * page-table counts equal the tables really allocated, every start() paired with end()
 * leaves no lock held, and the plain and stepwise forms of follow_pfnmap_start agree.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  PAGE_SHARED,
  PMD_SIZE,
  PUD_SIZE,
  VM_IO,
  VM_PFNMAP,
  VM_FAULT_NOPAGE,
  EINVAL,
  createKernel,
  followPfnmapArgs,
  followPfnmapEnd,
  followPfnmapStart,
  followPfnmapStartSteps,
  followPfnmapEndSteps,
  mmapReadLock,
  mmapReadUnlock,
  munmap,
  remapPfnRange,
  vmfInsertPfn,
  vmfInsertPfnPmd,
  vmfInsertPfnPud,
  zapVmaPtes,
  type Kernel,
  type Mm,
  type IoRegion,
  type FollowPfnmapVariant,
} from "../../src/mm/index";
import { RW_SHARED } from "./helpers";

const BASE = 0x7e0000000000; // PUD aligned, inside one 512 GiB pgd slot
const ARENA = 4 * PUD_SIZE;

type Op =
  | { t: "mmap"; slot: number; whole: boolean; startPmd: number; lenPmd: number }
  | { t: "remap"; pos: number; pages: number; j: number }
  | { t: "pte" | "pmd" | "pud"; pos: number; j: number }
  | { t: "zap"; pos: number; pages: number }
  | { t: "munmap"; pos: number; pages: number };

const pos = fc.double({ min: 0, max: 0.9999999, noNaN: true });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    t: fc.constant("mmap" as const),
    slot: fc.integer({ min: 0, max: 3 }),
    whole: fc.boolean(),
    startPmd: fc.integer({ min: 0, max: 511 }),
    lenPmd: fc.integer({ min: 1, max: 512 }),
  }),
  fc.record({
    t: fc.constant("remap" as const),
    pos,
    pages: fc.integer({ min: 1, max: 700 }),
    j: fc.integer({ min: 0, max: 100000 }),
  }),
  fc.record({
    t: fc.constantFrom("pte" as const, "pmd" as const, "pud" as const),
    pos,
    j: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({ t: fc.constant("zap" as const), pos, pages: fc.integer({ min: 1, max: 300000 }) }),
  fc.record({ t: fc.constant("munmap" as const), pos, pages: fc.integer({ min: 1, max: 300000 }) }),
);

interface Leaf {
  start: number;
  size: number;
  pfn: number;
}

/** The reference: vmas, leaves, and which page-table pages exist. */
class Ref {
  vmas: [number, number][] = [];
  leaves = new Map<number, Leaf>();
  pteTables = new Set<number>(); // 2 MiB slot starts with a PTE table
  pmdTables = new Set<number>(); // 1 GiB slot starts with a PMD table
  pudTable = false;
  vmaAt(a: number) {
    return this.vmas.find(([s, e]) => a >= s && a < e);
  }
  leafCovering(a: number): Leaf | undefined {
    for (const size of [PUD_SIZE, PMD_SIZE, 4096]) {
      const l = this.leaves.get(Math.floor(a / size) * size);
      if (l && a >= l.start && a < l.start + l.size) return l;
    }
    return undefined;
  }
  intersects(s: number, e: number): Leaf[] {
    return [...this.leaves.values()].filter((l) => l.start < e && l.start + l.size > s);
  }
  removeIn(s: number, e: number) {
    for (const l of this.intersects(s, e)) this.leaves.delete(l.start);
  }
  pmdSlotNone(a: number) {
    const s = Math.floor(a / PMD_SIZE) * PMD_SIZE;
    return !this.pmdLeaf(s) && !this.pteTables.has(s);
  }
  pudSlotNone(a: number) {
    const s = Math.floor(a / PUD_SIZE) * PUD_SIZE;
    return !this.pudLeaf(s) && !this.pmdTables.has(s);
  }
  pudLeaf(a: number) {
    const l = this.leaves.get(Math.floor(a / PUD_SIZE) * PUD_SIZE);
    return l?.size === PUD_SIZE;
  }
  pmdLeaf(a: number) {
    const l = this.leaves.get(Math.floor(a / PMD_SIZE) * PMD_SIZE);
    return l?.size === PMD_SIZE;
  }
  /** A PMD slot is none when no PTE table and no PMD leaf sit there (a 4 KiB leaf at that address implies a PTE table). */
  tablesFor(a: number, level: "pte" | "pmd") {
    this.pudTable = true;
    this.pmdTables.add(Math.floor(a / PUD_SIZE) * PUD_SIZE);
    if (level === "pte") this.pteTables.add(Math.floor(a / PMD_SIZE) * PMD_SIZE);
  }
  overlapsVma(s: number, e: number) {
    return this.vmas.some(([vs, ve]) => vs < e && ve > s);
  }
  munmap(s: number, e: number) {
    this.removeIn(s, e);
    const out: [number, number][] = [];
    for (const [vs, ve] of this.vmas) {
      if (ve <= s || vs >= e) out.push([vs, ve]);
      else {
        if (vs < s) out.push([vs, s]);
        if (ve > e) out.push([e, ve]);
      }
    }
    this.vmas = out.sort((a, b) => a[0] - b[0]);
    // free_pgtables over [s, e)
    if (this.pudTable && !this.overlapsVma(0, 2 ** 48 / 2)) {
      // whole 512 GiB slot unused
      const slot = Math.floor(BASE / 2 ** 39) * 2 ** 39;
      if (!this.overlapsVma(slot, slot + 2 ** 39)) {
        this.pudTable = false;
        this.pmdTables.clear();
        this.pteTables.clear();
        return;
      }
    }
    for (const g of [...this.pmdTables]) {
      if (g < e && g + PUD_SIZE > s && !this.overlapsVma(g, g + PUD_SIZE)) {
        this.pmdTables.delete(g);
        for (const t of [...this.pteTables]) if (t >= g && t < g + PUD_SIZE) this.pteTables.delete(t);
      }
    }
    for (const t of [...this.pteTables])
      if (t < e && t + PMD_SIZE > s && !this.overlapsVma(t, t + PMD_SIZE)) this.pteTables.delete(t);
  }
}

/** Two vmas to start with, so most ops land somewhere: a whole 1 GiB slot and a partial one. */
const PRELUDE: Op[] = [
  { t: "mmap", slot: 0, whole: true, startPmd: 0, lenPmd: 1 },
  { t: "mmap", slot: 1, whole: false, startPmd: 3, lenPmd: 300 },
];

function addrOf(p: number): number {
  return BASE + Math.floor((p * ARENA) / 4096) * 4096;
}

function applyOp(_k: Kernel, mm: Mm, bar: IoRegion, ref: Ref, op: Op): void {
  switch (op.t) {
    case "mmap": {
      const s = BASE + op.slot * PUD_SIZE + (op.whole ? 0 : op.startPmd * PMD_SIZE);
      const len = op.whole ? PUD_SIZE : Math.min(op.lenPmd * PMD_SIZE, BASE + (op.slot + 1) * PUD_SIZE - s);
      if (ref.overlapsVma(s, s + len)) {
        expect(() => mm.mmap({ length: len, vmFlags: RW_SHARED | VM_IO | VM_PFNMAP, addr: s })).toThrow(/overlaps/);
        return;
      }
      mm.mmap({ length: len, vmFlags: RW_SHARED | VM_IO | VM_PFNMAP, addr: s });
      ref.vmas.push([s, s + len]);
      ref.vmas.sort((a, b) => a[0] - b[0]);
      return;
    }
    case "remap": {
      const a = addrOf(op.pos);
      const vma = mm.findVma(a);
      if (!vma) return;
      const pages = Math.min(op.pages, (vma.vmEnd - a) / 4096);
      const pfn = bar.startPfn + (op.j % (bar.nrPages - pages));
      if (ref.intersects(a, a + pages * 4096).length) {
        expect(() => remapPfnRange(vma, a, pfn, pages * 4096, PAGE_SHARED)).toThrow(/already populated/);
        return;
      }
      expect(remapPfnRange(vma, a, pfn, pages * 4096, PAGE_SHARED)).toBe(0);
      for (let i = 0; i < pages; i++) {
        ref.leaves.set(a + i * 4096, { start: a + i * 4096, size: 4096, pfn: pfn + i });
        ref.tablesFor(a + i * 4096, "pte");
      }
      return;
    }
    case "pte": {
      const a = addrOf(op.pos);
      const vma = mm.findVma(a);
      if (!vma) return;
      const pfn = bar.startPfn + op.j * 7;
      const ret = vmfInsertPfn(vma, a, pfn);
      if (ref.pudLeaf(a)) {
        expect(ret).not.toBe(VM_FAULT_NOPAGE);
        return;
      }
      ref.tablesFor(a, "pmd");
      if (ref.pmdLeaf(a)) return;
      ref.tablesFor(a, "pte");
      expect(ret).toBe(VM_FAULT_NOPAGE);
      if (!ref.leaves.has(a)) ref.leaves.set(a, { start: a, size: 4096, pfn });
      return;
    }
    case "pmd":
    case "pud": {
      const size = op.t === "pmd" ? PMD_SIZE : PUD_SIZE;
      const a = Math.floor(addrOf(op.pos) / size) * size;
      const vma = mm.findVma(a);
      if (!vma || a + size > vma.vmEnd) return; // as a driver would check
      const pfn = bar.startPfn + op.j * (size / 4096);
      const ret =
        op.t === "pmd"
          ? vmfInsertPfnPmd({ vma, address: a }, pfn, false)
          : vmfInsertPfnPud({ vma, address: a }, pfn, false);
      expect(ret).toBe(VM_FAULT_NOPAGE);
      if (op.t === "pud") {
        if (ref.pudSlotNone(a)) ref.leaves.set(a, { start: a, size, pfn });
        ref.pudTable = true;
      } else {
        if (ref.pudLeaf(a)) return;
        ref.tablesFor(a, "pmd");
        if (ref.pmdSlotNone(a)) ref.leaves.set(a, { start: a, size, pfn });
      }
      return;
    }
    case "zap": {
      const a = addrOf(op.pos);
      const vma = mm.findVma(a);
      if (!vma) return;
      const size = Math.min(op.pages * 4096, vma.vmEnd - a);
      zapVmaPtes(vma, a, size);
      ref.removeIn(a, a + size);
      return;
    }
    case "munmap": {
      const a = addrOf(op.pos);
      const size = Math.min(op.pages * 4096, BASE + ARENA - a);
      expect(munmap(mm, a, size)).toBe(0);
      ref.munmap(a, a + size);
      return;
    }
  }
}

function checkAgainstRef(k: Kernel, mm: Mm, ref: Ref, probes: number[]): void {
  // page-table bytes equal the pages really allocated
  const walked = mm.countTablesByWalk();
  expect(mm.pgtableCounts).toEqual(walked);
  expect(k.physmem.allocated.pagetable).toBe(mm.pgtablePages());
  expect({ pud: walked.pud, pmd: walked.pmd, pte: walked.pte }).toEqual({
    pud: ref.pudTable ? 1 : 0,
    pmd: ref.pmdTables.size,
    pte: ref.pteTables.size,
  });
  mmapReadLock(mm);
  const addrs = [...probes.map(addrOf), ...[...ref.leaves.keys()].slice(0, 20).map((s) => s + 4096 * 3)];
  for (const a of addrs) {
    const vma = mm.findVma(a);
    const leaf = ref.leafCovering(a);
    expect(!!vma).toBe(!!ref.vmaAt(a));
    if (!vma) continue;
    const args = followPfnmapArgs(vma, a);
    const ret = followPfnmapStart(args);
    if (leaf) {
      expect(ret).toBe(0);
      expect(args.pfn).toBe(leaf.pfn + Math.floor((a - leaf.start) / 4096));
      followPfnmapEnd(args);
    } else {
      expect(ret).toBe(-EINVAL);
    }
    expect(k.ctx.task.held.map((h) => h.lock)).toEqual([mm.mmapLock]);
  }
  mmapReadUnlock(mm);
  expect(k.ctx.task.held).toEqual([]);
  expect(mm.activeLookups.length).toBe(0);
}

describe("the mm model against a reference map", () => {
  it("random mmap/remap/insert(pte,pmd,pud)/zap/munmap sequences agree on every lookup", () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 30 }),
        fc.array(pos, { minLength: 5, maxLength: 15 }),
        (ops, probes) => {
          const k = createKernel();
          const bar = k.addIoRegion({ name: "bar", size: ARENA });
          const mm = k.createMm();
          const ref = new Ref();
          for (const op of [...PRELUDE, ...ops]) {
            applyOp(k, mm, bar, ref, op);
            checkAgainstRef(k, mm, ref, probes);
          }
          expect(k.checker.list()).toEqual([]);
        },
      ),
      { numRuns: 100, seed: 4242 },
    );
  });

  for (const variant of ["v6.12", "fixed"] as FollowPfnmapVariant[]) {
    it(`plain and stepwise followPfnmapStart agree on random states (${variant})`, () => {
      fc.assert(
        fc.property(
          fc.array(opArb, { minLength: 1, maxLength: 20 }),
          fc.array(pos, { minLength: 5, maxLength: 15 }),
          fc.boolean(),
          (ops, probes, locked) => {
            const k = createKernel({ followPfnmapVariant: variant });
            const bar = k.addIoRegion({ name: "bar", size: ARENA });
            const mm = k.createMm();
            const ref = new Ref();
            for (const op of [...PRELUDE, ...ops]) applyOp(k, mm, bar, ref, op);
            if (locked) mmapReadLock(mm);
            for (const p of probes) {
              const a = addrOf(p);
              const vma = mm.findVma(a) ?? mm.vmas[0];
              if (!vma) continue;
              const x = followPfnmapArgs(vma, a);
              const y = followPfnmapArgs(vma, a);
              const before = k.checker.violations.length;
              const rx = followPfnmapStart(x);
              const heldX = k.ctx.task.held.map((h) => h.lock);
              if (rx === 0) followPfnmapEnd(x);
              const mid = k.checker.violations.length;
              const ry = k.run(followPfnmapStartSteps(y));
              const heldY = k.ctx.task.held.map((h) => h.lock);
              if (ry === 0) k.run(followPfnmapEndSteps(y));
              expect(ry).toBe(rx);
              expect(y.reason).toBe(x.reason);
              expect(y.peek()).toEqual(x.peek());
              expect(y.leaf).toBe(x.leaf);
              expect(y.lock).toBe(x.lock);
              expect(heldY).toEqual(heldX);
              expect(k.checker.violations.length - mid).toBe(mid - before);
            }
            if (locked) mmapReadUnlock(mm);
            expect(k.ctx.task.held).toEqual([]);
          },
        ),
        { numRuns: 40, seed: 7 },
      );
    });
  }
});
