/**
 * Issue 15, items 5-7: a call that fails leaves the model exactly as it was (locks,
 * vmas, page tables, lookups, physical memory), never hangs, and says what was wrong
 * through PfnlabError (function, field, value, rule).
 */
import { describe, expect, it } from "vitest";
import {
  EINVAL,
  PAGE_SHARED,
  PMD_SIZE,
  PUD_SIZE,
  TASK_SIZE,
  VM_IO,
  VM_PFNMAP,
  VM_DONTEXPAND,
  VM_DONTDUMP,
  PfnlabError,
  createKernel,
  formatValue,
  followPfnmapArgs,
  followPfnmapEnd,
  followPfnmapStart,
  remapPfnRange,
  vmfInsertPfn,
  followPfnmapStartSteps,
  vmfInsertPfnPmd,
  vmfInsertPfnPud,
  createVfioPciBarDevice,
  tableIndex,
  handleMmFault,
  lookupLeaf,
} from "../../src/mm/index";
import { modelSnapshot } from "../support/model-snapshot";
import { RW_SHARED, pudAlignedVma, world } from "./helpers";

const PFNMAP = RW_SHARED | VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;

/** A pfnmap vma with 4 KiB ptes over its first 4 MiB, and a lookup `a` holding the first PTE lock. */
function withActiveLookup() {
  const w = world();
  const v = w.mm.mmap({ length: 2 * PUD_SIZE, vmFlags: PFNMAP, align: PUD_SIZE });
  remapPfnRange(v, v.vmStart, w.bar.startPfn, 2 * PMD_SIZE, PAGE_SHARED);
  const a = followPfnmapArgs(v, v.vmStart);
  expect(followPfnmapStart(a)).toBe(0);
  return { ...w, v, a };
}

/** fn() throws a PfnlabError matching `msg` and the model is unchanged. */
function expectRefused(k: ReturnType<typeof world>["k"], fn: () => unknown, msg: RegExp): PfnlabError {
  const before = modelSnapshot(k);
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(PfnlabError);
  expect((err as Error).message).toMatch(msg);
  expect(modelSnapshot(k)).toEqual(before);
  return err as PfnlabError;
}

describe("a failing plain call leaves every lock and vma as it was (item 5)", () => {
  it("munmap that would block on a lookup's PTE lock neither splits the vma nor keeps mmap_lock", () => {
    const w = withActiveLookup();
    const e = expectRefused(
      w.k,
      () => w.mm.munmap(w.v.vmStart + 0x100000, 4096),
      /lock ptlock \(PTE\) .* is held by main/,
    );
    expect(e.fn).toBe("munmap");
    expect(w.mm.mmapLock.isLocked()).toBe(false);
    followPfnmapEnd(w.a);
    expect(w.mm.munmap(w.v.vmStart + 0x100000, 4096)).toBe(0);
    expect(w.mm.vmas).toHaveLength(2);
  });

  it("a second followPfnmapStart on started args is refused, and end() then releases the lock", () => {
    const w = withActiveLookup();
    const e = expectRefused(w.k, () => followPfnmapStart(w.a), /still started/);
    expect(e.field).toBe("args");
    followPfnmapEnd(w.a);
    expect(w.k.ctx.task.held).toEqual([]);
    expect(w.mm.activeLookups).toEqual([]);
  });

  it("a plain call that would block releases what it took (vmfInsertPfn under a held PTE lock)", () => {
    const w = withActiveLookup();
    // The insert needs the PTE lock that `a` holds.
    expectRefused(
      w.k,
      () => vmfInsertPfn(w.v, w.v.vmStart + 4096 * 5, w.bar.startPfn),
      /lock ptlock \(PTE\) .* is held by main/,
    );
    followPfnmapEnd(w.a);
    expect(w.k.ctx.task.held).toEqual([]);
  });

  it("kernel.run names the function it was told in a would-block error, and itself (run) when told none", () => {
    const w = withActiveLookup();
    // A second lookup of the address whose PTE lock `a` holds.
    const b = () => followPfnmapStartSteps(followPfnmapArgs(w.v, w.v.vmStart));
    const named = expectRefused(
      w.k,
      () => w.k.run(b(), w.k.ctx, "myLookup"),
      /^myLookup: lock ptlock \(PTE\) .* is held by main \(this task: recursive locking\): followPfnmapStart: pte_offset_map_lock spin_lock would wait forever/,
    );
    expect(named.fn).toBe("myLookup");
    const unnamed = expectRefused(
      w.k,
      () => w.k.run(b()),
      /^run: lock ptlock \(PTE\) .* is held by main \(this task: recursive locking\): followPfnmapStart: pte_offset_map_lock spin_lock would wait forever/,
    );
    expect(unnamed.fn).toBe("run");
    expect(() => w.k.run(b(), w.k.ctx, "")).toThrow(/^run: fn .* must be a non-empty string/);
  });

  it("vmfInsertPfnPud with a pud that is not an entry pointer leaves page_table_lock free", () => {
    const w = world();
    const v = w.mm.mmap({ length: 2 * PUD_SIZE, vmFlags: PFNMAP, align: PUD_SIZE });
    const e = expectRefused(
      w.k,
      () => vmfInsertPfnPud({ vma: v, address: v.vmStart, pud: 1 as never }, w.bar.startPfn, false),
      /vmf\.pud 1 must be/,
    );
    expect(e.field).toBe("vmf.pud");
    expect(w.mm.pageTableLock.isLocked()).toBe(false);
  });

  it("vmfInsertPfnPmd with a caller-given pmd pointing into the PGD writes nothing", () => {
    const w = world();
    const v = w.mm.mmap({ length: 2 * PUD_SIZE, vmFlags: PFNMAP, align: PUD_SIZE });
    const pmd = { table: w.mm.pgd, index: tableIndex(v.vmStart, "pgd") };
    expectRefused(
      w.k,
      () => vmfInsertPfnPmd({ vma: v, address: v.vmStart, pmd }, w.bar.startPfn, false),
      /vmf\.pmd .* pgd table/,
    );
  });

  it("mmap with a file that has no mapping is refused and keeps no vma", () => {
    const w = world();
    expectRefused(
      w.k,
      () => w.mm.mmap({ length: 4096, vmFlags: RW_SHARED, file: {} as never }),
      /mmap: file .* must be \{ name, mapping \}/,
    );
    expect(w.mm.vmas).toEqual([]);
  });

  it("mmap whose setup remaps and then throws leaves no ptes, tables or vma behind", () => {
    const w = world();
    const before = modelSnapshot(w.k);
    expect(() =>
      w.mm.mmap({
        length: PMD_SIZE,
        vmFlags: RW_SHARED,
        setup: (vma) => {
          remapPfnRange(vma, vma.vmStart, w.bar.startPfn, PMD_SIZE, PAGE_SHARED);
          throw new Error("driver says no");
        },
      }),
    ).toThrow("driver says no");
    expect(modelSnapshot(w.k)).toEqual(before);
  });

  it("a vma from a failed mmap is dead: using it is refused", () => {
    const w = world();
    let kept: unknown;
    expect(() =>
      w.mm.mmap({
        length: 4096,
        vmFlags: PFNMAP,
        setup: (vma) => {
          kept = vma;
          throw new Error("no");
        },
      }),
    ).toThrow("no");
    expectRefused(
      w.k,
      () => vmfInsertPfn(kept as never, (kept as { vmStart: number }).vmStart, w.bar.startPfn),
      /unmapped/,
    );
  });
});

describe("no call hangs and out-of-range arguments fail as the kernel does (item 6)", () => {
  it("munmap(0x10000, 2**48) returns -EINVAL at once and unmaps nothing", () => {
    const w = world();
    pudAlignedVma(w);
    const before = modelSnapshot(w.k);
    expect(w.mm.munmap(0x10000, 2 ** 48)).toBe(-EINVAL);
    expect(modelSnapshot(w.k)).toEqual(before);
  });

  it("munmap past TASK_SIZE and lengths reaching past it return -EINVAL and unmap nothing (do_vmi_munmap)", () => {
    const w = world();
    const v = pudAlignedVma(w);
    const before = modelSnapshot(w.k);
    expect(w.mm.munmap(TASK_SIZE + 4096, 4096)).toBe(-EINVAL);
    expect(w.mm.munmap(v.vmStart, 2 ** 47)).toBe(-EINVAL);
    expect(w.mm.munmap(TASK_SIZE - 4096, 8192)).toBe(-EINVAL);
    expect(modelSnapshot(w.k)).toEqual(before);
    expect(w.mm.munmap(TASK_SIZE - 4096, 4096)).toBe(0);
  });

  it("createKernel refuses RAM that would overlap the IO space", () => {
    expect(() => createKernel({ ramSize: 2 ** 41 })).toThrow(
      /createKernel: ramSize 0x20000000000 .* overlaps the IO space/,
    );
    expect(() => createKernel({ ramSize: 2 ** 41 })).toThrow(PfnlabError);
  });

  it("hugePfnmap must be an object of booleans; false turns both levels off", () => {
    expect(() => createKernel({ hugePfnmap: false as never })).toThrow(
      /createKernel: hugePfnmap false must be an object/,
    );
    expect(() => createKernel({ hugePfnmap: { pmd: false, pte: true } as never })).toThrow(
      /createKernel: hugePfnmap .* unknown key pte/,
    );
    const k = createKernel({ hugePfnmap: { pmd: false } });
    expect(k.options.hugePfnmap).toEqual({ pmd: false, pud: true });
    const bar = k.addIoRegion({ name: "bar", size: 2 * PMD_SIZE });
    const mm = k.createMm();
    const v = createVfioPciBarDevice(k, { bar }).mmapBar(mm);
    expect(v.vmStart % PMD_SIZE).toBe(0);
    handleMmFault(v, v.vmStart);
    expect(lookupLeaf(mm, v.vmStart)).toMatchObject({ level: "pte", leaf: true });
    // The fallback is the driver's (vfio-pci huge_fault), not vmf_insert_pfn_pmd's: the next fault maps a PTE too.
    handleMmFault(v, v.vmStart + PMD_SIZE);
    expect(lookupLeaf(mm, v.vmStart + PMD_SIZE)).toMatchObject({ level: "pte", leaf: true });
  });

  it("mmap refuses a pgoff whose byte offset does not fit (2**64)", () => {
    const w = world();
    expectRefused(
      w.k,
      () => w.mm.mmap({ length: 4096, vmFlags: RW_SHARED, pgoff: 2 ** 64 }),
      /mmap: pgoff .* must be below/,
    );
  });
});

describe("bad values are named, not TypeErrors (item 7)", () => {
  it.each([
    ["followPfnmapEnd(undefined)", () => followPfnmapEnd(undefined as never), /followPfnmapEnd: args undefined/],
    ["vmfInsertPfn(null)", () => vmfInsertPfn(null as never, 0, 0), /vmfInsertPfn: vma null is not a vma/],
    [
      "createKernel checker {}",
      () => createKernel({ checker: {} as never }),
      /createKernel: checker object \{\} must be a Checker/,
    ],
  ])("%s", (_n, f, msg) => {
    expect(f).toThrow(PfnlabError);
    expect(f).toThrow(msg);
  });

  it("munmap(null) and mmap({ setup: 5 }) are named errors that change nothing", () => {
    const w = world();
    expectRefused(w.k, () => w.mm.munmap(null as never, 4096), /munmap: addr null must be an integer/);
    expectRefused(
      w.k,
      () => w.mm.mmap({ length: 4096, vmFlags: RW_SHARED, setup: 5 as never }),
      /mmap: setup 5 must be a function/,
    );
  });

  it("values that only look like numbers are reported as what they are", () => {
    const w = world();
    expectRefused(
      w.k,
      () => w.mm.mmap({ length: [4096] as never, vmFlags: RW_SHARED }),
      /length array \[0x1000\] must be an integer/,
    );
    expectRefused(
      w.k,
      () => w.mm.mmap({ length: 4096n as never, vmFlags: RW_SHARED }),
      /length bigint 4096n must be an integer/,
    );
    expectRefused(
      w.k,
      () => w.mm.mmap({ length: new Number(4096) as never, vmFlags: RW_SHARED }),
      /length Number object 0x1000 must be an integer/,
    );
    expectRefused(w.k, () => w.mm.mmap(Object.create(null)), /mmap: length undefined must be an integer/);
    expectRefused(
      w.k,
      () => w.mm.mmap({ length: Object.create(null), vmFlags: RW_SHARED }),
      /length object without prototype \{\} must be an integer/,
    );
  });

  it("formatValue never throws", () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error("boom");
        },
        getPrototypeOf() {
          throw new Error("boom");
        },
      },
    );
    expect(formatValue(hostile)).toMatch(/cannot be inspected/);
    expect(formatValue(Symbol("s"))).toBe("symbol s");
    expect(formatValue(-0)).toBe("-0");
    expect(formatValue("x".repeat(200)).length).toBeLessThan(100);
  });
});
