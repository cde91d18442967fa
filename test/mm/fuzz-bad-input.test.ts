/**
 * Issue 15 acceptance: every exported function of the mm model (and the public methods
 * of Kernel, Mm and the vfio device), called with bad values of every type and range in
 * place of one argument or one option:
 *  - every throw is a PfnlabError naming function, field, value and rule;
 *  - a call that throws leaves the model's whole state as it was (modelSnapshot);
 *  - every call returns within a bound: plain calls run under a budget of effects
 *    (scheduling points), counted, not timed.
 * fast-check with fixed seeds and bounded runs; each case builds a fresh world.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as M from "../../src/mm/index";
import * as N from "../../src/notifiers/index";
import { PfnlabError, formatValue, PAGE_SHARED, PMD_SIZE, FAULT_FLAG_WRITE } from "../../src/mm/index";
import type { Steps } from "../../src/sched/effect";
import { modelSnapshot } from "../support/model-snapshot";
import { badValues, fuzzWorld, type FuzzWorld, type WorldVariant } from "../support/fuzz-world";

/** Effects a single call may yield before it counts as hung. */
const STEP_BUDGET = 200_000;

class BudgetExceeded extends Error {}

/** Every plain call of this world runs under the step budget. */
function budgeted(w: FuzzWorld): void {
  const run = w.k.run.bind(w.k);
  w.k.run = <T>(steps: Steps<T>, ctx?: Parameters<typeof run>[1], fn?: string): T => {
    if (steps && typeof steps.next === "function") {
      const next = steps.next.bind(steps);
      let n = 0;
      steps.next = (x?: unknown) => {
        if (++n > STEP_BUDGET) throw new BudgetExceeded(`more than ${STEP_BUDGET} effects`);
        return next(x);
      };
    }
    return run(steps, ctx, fn);
  };
}

interface Spec {
  /** The function as users call it; errors must name it (or one of `fns`). */
  name: string;
  args: (w: FuzzWorld) => unknown[];
  call: (w: FuzzWorld, args: unknown[]) => unknown;
  fns?: string[];
}

type F = (...a: never[]) => unknown;
const plain = (name: keyof typeof M, args: Spec["args"], fns?: string[]): Spec => ({
  name,
  args,
  fns,
  call: (_w, a) => (M[name] as F)(...(a as never[])),
});
const stepwise = (name: keyof typeof M, args: Spec["args"], fns?: string[]): Spec => ({
  name,
  args,
  fns: [String(name).replace(/Steps$/, ""), ...(fns ?? [])],
  call: (w, a) => w.k.run((M[name] as F)(...(a as never[])) as Steps<unknown>),
});
/** A plain function and its stepwise twin, same arguments. */
const both = (name: keyof typeof M, args: Spec["args"], fns?: string[]): Spec[] => [
  plain(name, args, fns),
  stepwise(`${String(name)}Steps` as keyof typeof M, args, fns),
];
const notifier = (name: keyof typeof N, args: Spec["args"], fns?: string[]): Spec => ({
  name,
  args,
  fns,
  call: (_w, a) => (N[name] as F)(...(a as never[])),
});
const method = (name: string, args: Spec["args"], call: Spec["call"], fns?: string[]): Spec => ({
  name,
  args,
  call,
  fns: fns ?? [name.split(".").pop()!],
});

const mmapOpts = (_w: FuzzWorld) => ({
  length: 2 * 4096,
  vmFlags: M.VM_READ | M.VM_WRITE | M.VM_SHARED,
  align: 4096,
  pgoff: 0,
  name: "x",
});

const SPECS: Spec[] = [
  // Kernel and physical memory
  plain("createKernel", () => [
    {
      ramSize: 2 ** 30,
      hugePfnmap: { pmd: true, pud: true },
      splitPtlocks: { pte: true, pmd: true },
      traceLimit: 10,
      followPfnmapVariant: "fixed",
      checkerMode: "record",
    },
  ]),
  method(
    "kernel.createMm",
    () => ["m2"],
    (w, a) => w.k.createMm(...(a as [string])),
  ),
  method(
    "kernel.createAddressSpace",
    () => ["file"],
    (w, a) => w.k.createAddressSpace(...(a as [string])),
  ),
  method(
    "kernel.createContext",
    () => ["cpu1", 1],
    (w, a) => w.k.createContext(...(a as [string, number])),
  ),
  method(
    "kernel.addIoRegion",
    () => [{ name: "bar9", size: PMD_SIZE, align: PMD_SIZE }],
    (w, a) => w.k.addIoRegion(...(a as [never])),
  ),
  method(
    "kernel.resetIoRegion",
    (w) => [w.bar],
    (w, a) => w.k.resetIoRegion(...(a as [never])),
  ),
  method(
    "kernel.moveIoRegion",
    (w) => [w.bar],
    (w, a) => w.k.moveIoRegion(...(a as [never])),
  ),
  method(
    "kernel.removeIoRegion",
    (w) => [w.bar],
    (w, a) => w.k.removeIoRegion(...(a as [never])),
  ),
  method(
    "kernel.freePage",
    (w) => [w.page],
    (w, a) => w.k.freePage(...(a as [never])),
  ),
  method(
    "kernel.getPage",
    (w) => [w.page],
    (w, a) => w.k.getPage(...(a as [never])),
  ),
  method(
    "kernel.putPage",
    (w) => [w.page],
    (w, a) => w.k.putPage(...(a as [never])),
  ),
  method(
    "kernel.describePfn",
    (w) => [w.bar.startPfn],
    (w, a) => w.k.describePfn(...(a as [number])),
  ),
  method(
    "kernel.run",
    (w) => [M.mmapReadLockSteps(w.mm)],
    (w, a) => w.k.run(...(a as [never])),
  ),
  method(
    "kernel.traceText",
    () => [5],
    (w, a) => w.k.traceText(...(a as [number])),
  ),
  // vmas
  method(
    "mm.mmap",
    (w) => [mmapOpts(w)],
    (w, a) => w.mm.mmap(...(a as [never])),
  ),
  method(
    "mm.munmap",
    (w) => [w.anon.vmStart, 4096],
    (w, a) => w.mm.munmap(...(a as [number, number])),
  ),
  method(
    "mm.findVma",
    (w) => [w.pf.vmStart],
    (w, a) => w.mm.findVma(...(a as [number])),
  ),
  method(
    "mm.vmasIn",
    (w) => [w.pf.vmStart, w.pf.vmEnd],
    (w, a) => w.mm.vmasIn(...(a as [number, number])),
  ),
  stepwise("mmapSteps", (w) => [w.mm, mmapOpts(w)]),
  ...both("munmap", (w) => [w.mm, w.anon.vmStart, 4096]),
  plain("getUnmappedArea", (w) => [w.mm, PMD_SIZE, PMD_SIZE], ["mmap"]),
  ...["mmapReadLock", "mmapReadUnlock", "mmapWriteLock", "mmapWriteUnlock"].flatMap((n) =>
    both(n as keyof typeof M, (w) => [w.mm]),
  ),
  plain("iMmapLockRead", (w) => [w.mapping]),
  plain("iMmapUnlockRead", (w) => [w.mapping]),
  ...["iMmapLockReadSteps", "iMmapUnlockReadSteps", "iMmapLockWriteSteps", "iMmapUnlockWriteSteps"].map((n) =>
    stepwise(n as keyof typeof M, (w) => [w.mapping]),
  ),
  // mapping pfns
  ...both("remapPfnRange", (w) => [w.pf, w.pf.vmStart + 3 * PMD_SIZE, w.bar.startPfn, 4 * 4096, PAGE_SHARED]),
  ...both("vmfInsertPfn", (w) => [w.pf, w.pf.vmStart + 2 * PMD_SIZE, w.bar.startPfn]),
  ...both("vmfInsertPfnPmd", (w) => [{ vma: w.pf, address: w.pf.vmStart + 2 * PMD_SIZE }, w.bar.startPfn, true]),
  ...both("vmfInsertPfnPud", (w) => [{ vma: w.io, address: w.io.vmStart }, w.bar.startPfn, false]),
  ...both("vmInsertPage", (w) => [w.mixed, w.mixed.vmStart + 4096, w.page]),
  // faults
  ...both("handleMmFault", (w) => [w.pf, w.pf.vmStart + 4096, FAULT_FLAG_WRITE]),
  ...both("doUserAddrFault", (w) => [w.mm, w.anon.vmStart + 4096, true], ["handleMmFault"]),
  ...both("fixupUserFault", (w) => [w.mm, w.anon.vmStart + 4096, FAULT_FLAG_WRITE], ["handleMmFault"]),
  // zaps
  ...both("zapVmaPtes", (w) => [w.pf, w.pf.vmStart, 8 * 4096]),
  ...both("unmapMappingRange", (w) => [w.mapping, 0, 0, false]),
  // lookups
  plain("followPfnmapStart", (w) => [{ vma: w.pf, address: w.pf.vmStart + 4096 * 40 }]),
  stepwise("followPfnmapStartSteps", (w) => [{ vma: w.pf, address: w.pf.vmStart + 4096 * 40 }]),
  ...both("followPfnmapEnd", (w) => [w.args]),
  plain("followPfnmapArgs", (w) => [w.pf, w.pf.vmStart]),
  plain("followPte", (w) => [w.pf, w.pf.vmStart + 4096 * 40, { ptep: null, ptl: null, reason: "" }]),
  stepwise("followPteSteps", (w) => [w.pf, w.pf.vmStart + 4096 * 40, { ptep: null, ptl: null, reason: "" }]),
  plain("ptepGet", (w) => [{ table: M.findTable(w.mm, w.pf.vmStart, "pte"), index: 3 }]),
  stepwise("ptepGetSteps", (w) => [{ table: M.findTable(w.mm, w.pf.vmStart, "pte"), index: 3 }]),
  plain("pteUnmapUnlock", (w) => [w.pf, null, w.mm.pageTableLock]),
  stepwise("pteUnmapUnlockSteps", (w) => [null, w.mm.pageTableLock]),
  plain("vmNormalPage", (w) => [w.mixed, w.mixed.vmStart, M.lookupLeaf(w.mm, w.mixed.vmStart).value]),
  plain("highestMemmapPfn", (w) => [w.mixed]),
  plain("vmNormalPageWhy", (w) => [w.mixed, w.mixed.vmStart, M.lookupLeaf(w.mm, w.mixed.vmStart).value], [
    "vmNormalPage",
  ]),
  ...both("getUserPages", (w) => [w.mm, w.anon.vmStart, 2, 0]),
  plain("pinUserPages", (w) => [w.mm, w.anon.vmStart, 1, 0], ["getUserPages"]),
  plain("unpinUserPage", (w) => [w.mm, w.page]),
  plain("pfnmapLockdepAssert", (w) => [w.k, w.k.ctx.task, w.pf, "fuzz"]),
  // walks and figures' data
  plain("explainWalk", (w) => [w.mm, w.pf.vmStart], ["walkData"]),
  plain("walkData", (w) => [w.mm, w.pf.vmStart]),
  plain("mappedLeaves", (w) => [w.mm, w.pf.vmStart, w.pf.vmEnd]),
  plain("lookupLeaf", (w) => [w.mm, w.pf.vmStart]),
  plain("findTable", (w) => [w.mm, w.pf.vmStart, "pte"]),
  plain("allTables", (w) => [w.mm]),
  plain("linearPageIndex", (w) => [w.pf, w.pf.vmStart + 4096]),
  // the vfio-like device
  plain("createVfioPciBarDevice", (w) => [w.k, { bar: w.bar, alignRule: "pfn", name: "dev2" }]),
  method(
    "device.mmapBar",
    (w) => [w.mm, { length: PMD_SIZE, offset: 0, align: PMD_SIZE, vmFlags: M.VM_READ | M.VM_SHARED }],
    (w, a) => w.dev.mmapBar(...(a as [never, never])),
    ["mmapBar", "mmap"],
  ),
  method(
    "device.reset",
    () => [],
    (w) => w.dev.reset(),
    ["reset", "unmapMappingRange"],
  ),
  method(
    "device.zapBars",
    () => [],
    (w) => w.dev.zapBars(),
    ["zapBars", "unmapMappingRange"],
  ),
  // entry and flag helpers (pure)
  ...(
    [
      "pgprotNoncached",
      "pgprotWritecombine",
      "entryPfn",
      "entryFlags",
      "entryNone",
      "entryPresent",
      "entryHugeLeaf",
      "entryWrite",
      "entrySpecial",
      "cacheModeName",
      "isCowMapping",
      "vmGetPageProt",
      "vmFlagNames",
      "vmFlagList",
      "hex",
      "errnoName",
      "vmFaultName",
    ] as const
  ).map((n) => plain(n, () => [0x1000 + 0x67])),
  plain("mkEntry", () => [0x1234, 0x67]),
  plain("entryFlagNames", () => [0x1234067, "pte"], ["entryFlagNames"]),
  plain("describeEntry", () => [0x1234067, "pte"]),
  plain("formatValue", () => [1]),
  // the MMU notifier registration API (src/notifiers)
  notifier("mmuNotifierRegister", (w) => [w.mm, { name: "n2", invalidateRangeStart: () => 0 }]),
  notifier("mmuNotifierUnregister", (w) => [w.notifier]),
  {
    ...notifier("mmuNotifierUnregisterSteps", (w) => [w.notifier], ["mmuNotifierUnregister"]),
    call: (w, a) => w.k.run((N.mmuNotifierUnregisterSteps as F)(...(a as never[])) as Steps<unknown>),
  },
  notifier("mmHasNotifiers", (w) => [w.mm]),
  notifier("mmuIntervalNotifierInsert", (w) => [w.mm, w.anon.vmStart, 4096, { invalidate: () => true }]),
  {
    ...notifier("mmuIntervalNotifierRemoveSteps", (w) => [w.interval], ["mmuIntervalNotifierRemove"]),
    call: (w, a) => w.k.run((N.mmuIntervalNotifierRemoveSteps as F)(...(a as never[])) as Steps<unknown>),
  },
  {
    ...notifier("mmuIntervalReadBeginSteps", (w) => [w.interval], ["mmuIntervalReadBegin"]),
    call: (w, a) => w.k.run((N.mmuIntervalReadBeginSteps as F)(...(a as never[])) as Steps<unknown>),
  },
  notifier("mmuIntervalReadRetry", (w) => [w.interval, 0]),
  notifier("mmuIntervalCheckRetry", (w) => [w.interval, 0]),
  notifier("mmuIntervalSetSeq", (w) => [w.interval, 1]),
];

/** Exported functions the suite does not call, and why. */
const NOT_CALLED: Record<string, string> = {
  PfnlabError: "the error class itself",
  Kernel: "constructed by createKernel (fuzzed)",
  PhysMem: "constructed by createKernel (fuzzed through ramSize)",
  Mm: "constructed by kernel.createMm (fuzzed)",
  Vma: "constructed by mmap (fuzzed)",
  AddressSpace: "constructed by kernel.createAddressSpace (fuzzed)",
  PageTablePage: "constructed by the page-table walk only",
  FollowPfnmapArgs: "constructed by followPfnmapArgs (fuzzed)",
  VfioPciBarDevice: "constructed by createVfioPciBarDevice (fuzzed)",
  // Steps inside munmap/zap/follow that the kernel never calls with user input: they take
  // the model's own objects from the callers above (which are fuzzed).
  splitVmaSteps: "internal step of munmap (__split_vma)",
  freePgtablesSteps: "internal step of munmap (free_pgtables)",
  zapPageRangeSingleSteps: "internal step of zapVmaPtes / unmapMappingRange",
  unmapPageRangeSteps: "internal step of munmap and the zaps",
  pteOffsetMapLockSteps: "internal step of followPfnmapStart / followPte",
  // The walk's hot-path helpers: a check would cost every lookup (bench lookups).
  tableIndex: "hot-path arithmetic of every walk",
  pudLockptr: "hot-path helper of followPfnmapStart",
  pmdLockptr: "hot-path helper of followPfnmapStart",
  pteLockptr: "hot-path helper of followPfnmapStart",
};

function variants(): fc.Arbitrary<WorldVariant> {
  return fc.record({ lookup: fc.boolean(), mmapLocked: fc.boolean(), split: fc.boolean() });
}

/** One argument (or one field of an object argument, or a new unknown field) replaced by a bad value. */
interface Corruption {
  arg: number;
  field: number;
  bad: number;
  mode: "arg" | "field" | "extra";
}
const corruption: fc.Arbitrary<Corruption> = fc.record({
  arg: fc.nat(),
  field: fc.nat(),
  bad: fc.nat(),
  mode: fc.constantFrom("arg" as const, "arg" as const, "field" as const, "extra" as const),
});

function corrupt(args: unknown[], c: Corruption, pool: unknown[]): unknown[] {
  const out = args.length === 0 ? [undefined] : [...args];
  const i = c.arg % out.length;
  const bad = pool[c.bad % pool.length];
  const target = out[i];
  const isPlainObject =
    typeof target === "object" && target !== null && Object.getPrototypeOf(target) === Object.prototype;
  if (c.mode !== "arg" && isPlainObject) {
    const copy: Record<string, unknown> = { ...(target as Record<string, unknown>) };
    const keys = Object.keys(copy);
    if (c.mode === "extra" || keys.length === 0) copy.bogusOption = bad;
    else copy[keys[c.field % keys.length]] = bad;
    out[i] = copy;
  } else {
    out[i] = bad;
  }
  return out;
}

function check(spec: Spec, v: WorldVariant, c: Corruption): void {
  const w = fuzzWorld(v);
  budgeted(w);
  const args = corrupt(spec.args(w), c, badValues(w));
  const before = modelSnapshot(w.k);
  let err: unknown = null;
  try {
    spec.call(w, args);
  } catch (e) {
    err = e;
  }
  const what = `${spec.name}(${args.map(formatValue).join(", ")})`;
  if (err === null) return;
  if (err instanceof BudgetExceeded) throw new Error(`${what} did not return within ${STEP_BUDGET} effects`);
  if (!(err instanceof PfnlabError))
    throw new Error(`${what} threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
  const names = [
    spec.name
      .split(".")
      .pop()!
      .replace(/Steps$/, ""),
    ...(spec.fns ?? []),
  ];
  // A stepwise form run bare (no plain wrapper to name it) names the kernel function where it would block.
  const bareWouldBlock = spec.name.endsWith("Steps") && err.field === "lock";
  if (!names.includes(err.fn) && !bareWouldBlock)
    throw new Error(`${what} threw an error naming ${err.fn}, not ${names.join(" or ")}: ${err.message}`);
  expect(err.field, what).toMatch(/^[A-Za-z_][\w.[\]]*$/);
  expect(err.rule.length, what).toBeGreaterThan(3);
  expect(err.message, what).toBe(`${err.fn}: ${err.field} ${formatValue(err.value)} ${err.rule}`);
  const after = modelSnapshot(w.k);
  expect(after, `${what} threw "${err.message}" and changed the model`).toEqual(before);
}

describe("bad values never corrupt the model (issue 15 acceptance)", () => {
  it("every exported function of the model is fuzzed or listed with a reason", () => {
    const exported = Object.entries(M)
      .filter(([, v]) => typeof v === "function")
      .map(([k]) => k);
    const covered = new Set(SPECS.map((s) => s.name));
    const missing = exported.filter((n) => !covered.has(n) && !(n in NOT_CALLED));
    expect(missing).toEqual([]);
  });

  for (const [i, spec] of SPECS.entries()) {
    it(`${spec.name}: bad values throw PfnlabError and leave the model as it was`, () => {
      fc.assert(
        fc.property(variants(), corruption, (v, c) => check(spec, v, c)),
        { numRuns: 60, seed: 1500 + i, endOnFailure: true },
      );
    });
  }
});
