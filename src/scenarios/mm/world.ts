/**
 * The shared stage of the race scenarios: one process (mm) with one pfnmap vma whose
 * looked-up page sits in a leaf of the chosen level, the sanitizer watching it, and a
 * "zap" task that takes the mapping away and (optionally) the memory behind it:
 *
 *  - backing: a PCI BAR mmapped through a vfio-pci-like device (mm/vfio-device.ts), or
 *    (release=free-ram) RAM pages a driver allocated and remap_pfn_range()d;
 *  - zap: unmap_mapping_range() on the device file (what vfio-pci does on reset or when
 *    memory decoding is turned off; holds i_mmap_rwsem, not mmap_lock), zap_vma_ptes()
 *    (drivers), or munmap() (holds mmap_lock for write, so it waits for lookups);
 *  - release: nothing, a device reset (BAR generation changes), a BAR move (PCI
 *    rescan), or the driver freeing its pages (another user gets them);
 *  - refault: afterwards the process touches the page again and the fault handler maps
 *    it anew (the new BAR location after a move).
 *
 * Sizes are kept minimal so exhaustive exploration stays fast: a PTE-level vma has 4
 * pages, a PMD/PUD-level vma exactly one leaf.
 */
import { Sanitizer } from "../../checks/sanitizer";
import { current, step, type Steps } from "../../sched/effect";
import { ownedSite } from "../../sched/site";
import type { TaskSpec } from "../../sched/task";
import {
  PMD_SIZE,
  PUD_SIZE,
  VM_DONTDUMP,
  VM_DONTEXPAND,
  VM_IO,
  VM_PFNMAP,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  hex,
} from "../../mm/constants";
import { doUserAddrFaultSteps } from "../../mm/fault";
import { vmfInsertPfn, vmfInsertPfnPmd, vmfInsertPfnPud } from "../../mm/insert";
import { createKernel, type FollowPfnmapVariant, type Kernel } from "../../mm/kernel";
import type { AddressSpace } from "../../mm/mapping";
import type { Mm } from "../../mm/mm";
import { mmapReadLock, mmapReadUnlock } from "../../mm/mmap-lock";
import { munmapSteps } from "../../mm/munmap";
import type { IoRegion, Page } from "../../mm/physmem";
import { remapPfnRange } from "../../mm/remap";
import { lookupLeaf } from "../../mm/pagetable";
import { describeEntry } from "../../mm/pte";
import { createVfioPciBarDevice, type VfioPciBarDevice } from "../../mm/vfio-device";
import type { Vma } from "../../mm/vma";
import { unmapMappingRangeSteps, zapVmaPtesSteps } from "../../mm/zap";
import type { CallerEnv, CallerInstance } from "../../notifiers/callers/types";
import type { ScenarioRun } from "../scenario";

export type Leaf = "pte" | "pmd" | "pud";
export type ZapKind = "unmap_mapping_range" | "zap_vma_ptes" | "munmap";
export type ReleaseKind = "none" | "reset-bar" | "move-bar" | "free-ram";

export interface RaceWorldOptions {
  /** Scenario name, for error messages. */
  scenario: string;
  leaf: Leaf;
  variant: FollowPfnmapVariant;
  zap: ZapKind;
  release: ReleaseKind;
  refault: boolean;
}

export interface RaceWorld extends CallerEnv {
  opts: RaceWorldOptions;
  /** Bytes of the vma (one leaf, or 4 pages at PTE level). */
  size: number;
  dev: VfioPciBarDevice | null;
  bar: IoRegion | null;
  ramPages: Page[];
  mapping: AddressSpace;
  /** The zapping task. */
  zapper(name?: string): TaskSpec;
}

export const PTE_VMA_PAGES = 4;

function sizeOf(leaf: Leaf): number {
  return leaf === "pte" ? PTE_VMA_PAGES * 4096 : leaf === "pmd" ? PMD_SIZE : PUD_SIZE;
}

/** The world from a scenario's resolved race params (leaf, variant, zap, release, refault). */
export function raceWorldFromParams(scenario: string, p: Readonly<Record<string, unknown>>): RaceWorld {
  return buildRaceWorld({
    scenario,
    leaf: p.leaf as Leaf,
    variant: p.variant as FollowPfnmapVariant,
    zap: p.zap as ZapKind,
    release: p.release as ReleaseKind,
    refault: p.refault as boolean,
  });
}

/** Build the stage (plain calls in the kernel's task "main"; no checker report may result). */
export function buildRaceWorld(o: RaceWorldOptions): RaceWorld {
  if (o.release === "free-ram" && o.leaf !== "pte") {
    throw new Error(
      `scenario ${o.scenario}: release=free-ram needs leaf=pte (RAM for a huge pfnmap would need 512 or 262144 contiguous aligned pages)`,
    );
  }
  if (o.release === "free-ram" && o.refault)
    throw new Error(
      `scenario ${o.scenario}: refault needs a BAR (release=free-ram frees the driver's pages; nothing maps them again)`,
    );
  if (o.zap === "munmap" && o.refault)
    throw new Error(`scenario ${o.scenario}: refault after munmap is impossible (the vma is gone)`);
  const k: Kernel = createKernel({ followPfnmapVariant: o.variant, traceLimit: 100 });
  const mm: Mm = k.createMm("proc");
  const san = new Sanitizer(k);
  const size = sizeOf(o.leaf);
  let vma: Vma;
  let dev: VfioPciBarDevice | null = null;
  let bar: IoRegion | null = null;
  const ramPages: Page[] = [];
  let mapping: AddressSpace;
  mmapReadLock(mm);
  if (o.release === "free-ram") {
    for (let i = 0; i < PTE_VMA_PAGES; i++) ramPages.push(k.allocPage());
    mapping = k.createAddressSpace("drv-buffer");
    mmapReadUnlock(mm);
    vma = mm.mmap({
      length: size,
      vmFlags: VM_READ | VM_WRITE | VM_SHARED | VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP,
      file: { name: "drv-buffer", mapping },
      name: "drv-buffer",
    });
    mmapReadLock(mm);
    for (let i = 0; i < PTE_VMA_PAGES; i++) {
      if (remapPfnRange(vma, vma.vmStart + i * 4096, ramPages[i]!.pfn, 4096, vma.vmPageProt) !== 0)
        throw new Error(`buildRaceWorld: remapPfnRange failed`);
      san.trackMapped(ramPages[i]!.pfn);
    }
  } else {
    bar = k.addIoRegion({ name: "bar0", size });
    dev = createVfioPciBarDevice(k, { bar, alignRule: "pfn" });
    mmapReadUnlock(mm);
    vma = dev.mmapBar(mm, { length: size, align: size });
    mmapReadLock(mm);
    mapping = dev.mapping;
    if (o.leaf === "pte") {
      for (let i = 0; i < PTE_VMA_PAGES; i++) vmfInsertPfn(vma, vma.vmStart + i * 4096, bar.startPfn + i);
    } else if (o.leaf === "pmd") {
      vmfInsertPfnPmd({ vma, address: vma.vmStart }, bar.startPfn, true);
    } else {
      vmfInsertPfnPud({ vma, address: vma.vmStart }, bar.startPfn, true);
    }
    san.trackMapped(bar.startPfn);
  }
  mmapReadUnlock(mm);
  if (k.checker.violations.length > 0) {
    throw new Error(`buildRaceWorld: setup broke a rule: ${k.checker.violations.map((v) => v.rule).join(", ")}`);
  }
  const address = vma.vmStart + (o.leaf === "pte" ? 1 : 5) * 4096;
  const w: RaceWorld = {
    kernel: k,
    mm,
    vma,
    address,
    san,
    opts: o,
    size,
    dev,
    bar,
    ramPages,
    mapping,
    zapper: (name = "zap") => ({ name, body: () => zapperSteps(w) }),
  };
  return w;
}

function* zapperSteps(w: RaceWorld): Steps<void> {
  const { kernel: k, opts: o } = w;
  let released = false;
  switch (o.zap) {
    case "unmap_mapping_range":
      if (w.dev && o.release === "reset-bar") {
        // vfio_pci_core reset: zap under memory_lock, reset the device, unlock.
        yield* w.dev.resetSteps();
        released = true;
      } else {
        yield* unmapMappingRangeSteps(w.mapping, 0, 0);
      }
      break;
    case "zap_vma_ptes":
      yield* zapVmaPtesSteps(w.vma, w.vma.vmStart, w.size);
      break;
    case "munmap":
      yield* munmapSteps(w.mm, w.vma.vmStart, w.size);
      break;
  }
  if (!released && o.release !== "none") {
    if (o.release === "reset-bar") {
      yield* step("work", "device reset: the BAR's contents are gone (function level reset)");
      k.resetIoRegion(w.bar!);
    } else if (o.release === "move-bar") {
      yield* step("work", "PCI rescan: the BAR is assigned a new address");
      k.moveIoRegion(w.bar!);
    } else {
      yield* step("work", "driver frees its buffer pages (__free_page), another user allocates them");
      for (const p of w.ramPages) k.freePage(p);
      for (let i = 0; i < w.ramPages.length; i++) k.allocPage();
    }
  }
  if (o.refault) {
    const me = yield* current();
    yield* step("work", ownedSite(me.name, `the process touches ${hex(w.address)} again`));
    yield* doUserAddrFaultSteps(w.mm, w.address);
  }
}

/**
 * Run a task body and, after each of its steps, copy the sanitizer's new verdicts into
 * the trace as notes (notes are not scheduling points: the schedule is unchanged).
 */
export function* withSanitizerNotes<T>(san: Sanitizer, body: Steps<T>): Steps<T> {
  let input: unknown;
  for (;;) {
    const r = body.next(input);
    for (const { text, event } of san.takeNotes()) yield { kind: "note", text, event };
    if (r.done) return r.value;
    input = yield r.value;
  }
}

/** Package callers + the zapper as a scenario run classified by the sanitizer. */
export function raceRun(w: RaceWorld, callers: CallerInstance[], zapperName = "zap", symmetry?: string): ScenarioRun {
  const tasks: TaskSpec[] = callers.map((c) => ({
    name: c.name,
    body: (self) => withSanitizerNotes(w.san, c.body(self)),
    ...(symmetry && callers.length > 1 ? { symmetry } : {}),
  }));
  const z = w.zapper(zapperName);
  tasks.push({ name: z.name, body: (self) => withSanitizerNotes(w.san, z.body(self) as Steps<unknown>) });
  return {
    tasks,
    classify: () => w.san.outcomes(),
    events: () => w.san.lookupEvents(),
    checker: w.kernel.checker,
    inspect: () => {
      const v: Record<string, string> = {};
      const e = lookupLeaf(w.mm, w.address);
      v[`${e.level} entry for ${hex(w.address)}`] = describeEntry(e.value, e.level);
      for (const c of callers) if (c.describe) v[c.name] = c.describe();
      const bad = w.san.events.filter((x) => x.outcome && x.outcome !== "ok");
      v.sanitizer = bad.length ? bad.map((x) => `${x.outcome}: ${x.detail}`).join("; ") : "nothing wrong yet";
      return v;
    },
    describe: () => {
      const c = callers
        .map((x) => (x.describe ? `${x.name}: ${x.describe()}` : ""))
        .filter(Boolean)
        .join("; ");
      const bad = w.san.events
        .filter((e) => e.outcome && e.outcome !== "ok")
        .map((e) => `${e.callerLevel ? "" : "lookup-level "}${e.outcome}: ${e.detail}`);
      return `${c ? `${c}; ` : ""}sanitizer: ${w.san.outcomes().join(", ") || "all ok"}${bad.length ? ` (${bad.join("; ")})` : ""}`;
    },
  };
}
