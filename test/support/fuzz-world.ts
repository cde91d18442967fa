/**
 * A small world with something of everything for the bad-input fuzz suite: a kernel
 * with a BAR, a vfio-like device mapped with a PUD leaf, a pfnmap vma with PTE and PMD
 * leaves, a VM_MIXEDMAP vma with a RAM page, an anonymous vma with a faulted page, a
 * lookup that may still hold its PTE lock, mmap_lock that may be held, and objects of a
 * second kernel and dead objects (an unmapped vma, a freed page) to pass where they do
 * not belong. Plus the pool of bad values of every type and range.
 */
import {
  PAGE_SHARED,
  PMD_SIZE,
  PUD_SIZE,
  TASK_SIZE,
  VM_DONTDUMP,
  VM_DONTEXPAND,
  VM_IO,
  VM_MIXEDMAP,
  VM_PFNMAP,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  createKernel,
  createVfioPciBarDevice,
  followPfnmapArgs,
  followPfnmapStart,
  handleMmFault,
  mmapReadLock,
  remapPfnRange,
  vmInsertPage,
  vmfInsertPfnPmd,
} from "../../src/mm/index";
import { mmuIntervalNotifierInsert, mmuIntervalSetSeq, mmuNotifierRegister } from "../../src/notifiers/index";

export interface WorldVariant {
  /** A follow_pfnmap lookup on pf's first page is started (holds that PTE lock). */
  lookup: boolean;
  /** mmap_lock is held for read by "main". */
  mmapLocked: boolean;
  /** Split ptlocks on (else every ptlock is page_table_lock). */
  split: boolean;
}

export function fuzzWorld(variant: WorldVariant) {
  const k = createKernel({ traceLimit: 64, splitPtlocks: variant.split ? undefined : { pte: false, pmd: false } });
  const bar = k.addIoRegion({ name: "bar0", size: 4 * PUD_SIZE });
  const mm = k.createMm("mm");
  const dev = createVfioPciBarDevice(k, { bar });
  const io = dev.mmapBar(mm, { length: PUD_SIZE });
  handleMmFault(io, io.vmStart); // a PUD leaf
  const pfFlags = VM_READ | VM_WRITE | VM_SHARED | VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
  const pf = mm.mmap({ length: 4 * PMD_SIZE, vmFlags: pfFlags, align: PMD_SIZE, name: "pf" });
  remapPfnRange(pf, pf.vmStart, bar.startPfn + 2 * (PUD_SIZE / 4096), 64 * 4096, PAGE_SHARED);
  vmfInsertPfnPmd({ vma: pf, address: pf.vmStart + PMD_SIZE }, bar.startPfn + 3 * (PUD_SIZE / 4096), false);
  const mixed = mm.mmap({ length: 8 * 4096, vmFlags: VM_READ | VM_WRITE | VM_SHARED | VM_MIXEDMAP, name: "mixed" });
  const page = k.allocPage();
  vmInsertPage(mixed, mixed.vmStart, page);
  const anon = mm.mmap({ length: 16 * 4096, vmFlags: VM_READ | VM_WRITE, name: "anon" });
  handleMmFault(anon, anon.vmStart, 0x1);
  const dead = mm.mmap({ length: 4096, vmFlags: VM_READ });
  mm.munmap(dead.vmStart, 4096);
  const freedPage = k.allocPage();
  k.freePage(freedPage);
  // A secondary MMU on the classic list and one on an interval: every zap calls them.
  const notifier = mmuNotifierRegister(mm, {
    name: "fuzz",
    invalidateRangeStart: () => 0,
    invalidateRangeEnd: () => undefined,
  });
  const interval = mmuIntervalNotifierInsert(mm, pf.vmStart, pf.vmEnd - pf.vmStart, {
    invalidate: (sub, _range, seq) => (mmuIntervalSetSeq(sub, seq), true),
  });
  const args = followPfnmapArgs(pf, pf.vmStart);
  if (variant.lookup) followPfnmapStart(args);
  if (variant.mmapLocked) mmapReadLock(mm);
  const other = createKernel({ traceLimit: 0 });
  const otherBar = other.addIoRegion({ name: "obar", size: PMD_SIZE });
  const otherMm = other.createMm("other");
  const otherVma = otherMm.mmap({ length: PMD_SIZE, vmFlags: pfFlags });
  return {
    k,
    bar,
    mm,
    dev,
    io,
    pf,
    mixed,
    page,
    anon,
    dead,
    freedPage,
    args,
    other,
    otherBar,
    otherMm,
    otherVma,
    mapping: dev.mapping,
    notifier,
    interval,
  };
}

export type FuzzWorld = ReturnType<typeof fuzzWorld>;

/** Values no model argument accepts as they are, or only in part of their range. */
export function badValues(w: FuzzWorld): unknown[] {
  return [
    undefined,
    null,
    true,
    false,
    0,
    -0,
    1,
    -1,
    0.5,
    4095,
    4097,
    -4096,
    0x7fffffff,
    2 ** 31,
    2 ** 32,
    TASK_SIZE,
    TASK_SIZE + 4096,
    2 ** 47,
    2 ** 48,
    2 ** 48 + 4096,
    2 ** 52,
    2 ** 53,
    2 ** 53 + 2,
    2 ** 64,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    NaN,
    Infinity,
    -Infinity,
    Number.MAX_SAFE_INTEGER,
    -(2 ** 53),
    "",
    "4096",
    "0x1000",
    "pte",
    "abc",
    4096n,
    -1n,
    Symbol("bad"),
    [],
    [4096],
    [w.pf],
    {},
    { vma: null, address: 0 },
    Object.create(null),
    new Number(4096),
    new String("x"),
    new Boolean(true),
    () => 0,
    function* gen() {
      yield 1;
    },
    new Date(0),
    /x/,
    new Map(),
    new Set(),
    new Uint8Array(4),
    w.k,
    w.mm,
    w.pf,
    w.bar,
    w.page,
    w.args,
    w.mapping,
    w.dev,
    w.mm.pgd,
    w.mm.mmapLock,
    w.dead,
    w.freedPage,
    w.other,
    w.otherMm,
    w.otherVma,
    w.otherBar,
    w.notifier,
    w.interval,
    { table: w.mm.pgd, index: 0 },
    { table: null, index: 0 },
    { vma: w.dead, address: w.dead.vmStart },
  ];
}
