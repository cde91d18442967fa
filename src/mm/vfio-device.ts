/**
 * A vfio-pci-like BAR device (drivers/vfio/pci/vfio_pci_core.c): mmap of a BAR makes a
 * VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP vma with uncached pgprot and vm_ops whose
 * huge_fault maps a PUD, PMD or PTE leaf under vdev->memory_lock, and whose fault is
 * huge_fault(vmf, 0). Reset / memory disable zap the BARs with unmap_mapping_range() on
 * the device's address_space, as vfio_pci_zap_bars() does.
 *
 * The alignment rule of huge_fault changed upstream; pick it with `alignRule`:
 *  - "v6.12" (f9e54c3a2f5b "vfio/pci: implement huge_fault support", v6.12): the fault
 *    address must be aligned to the order and the leaf must end inside the vma; the pfn
 *    is not checked (a misaligned BAR then gets a leaf whose pmd_pfn()/pud_pfn() is
 *    rounded down: the wrong memory).
 *  - "pfn" ("vfio/pci: Fallback huge faults for unaligned pfn", Jan 2025, Fixes:
 *    f9e54c3a2f5b; in 6.12 stable since 6.12.10): the pfn must be aligned to the order
 *    as well.
 *  - "align-down" ("vfio/pci: Align huge faults to order", May 2025; 6.12.29): the fault
 *    address is rounded down to the order; the leaf must lie inside the vma and its pfn be
 *    aligned. A fault anywhere in an aligned 2 MiB / 1 GiB window then gets the huge
 *    leaf. This is the 6.12.118 text (drivers/vfio/pci/vfio_pci_core.c:1688-1741).
 *
 * A kernel without CONFIG_ARCH_SUPPORTS_PMD_PFNMAP / _PUD_PFNMAP (kernel option
 * hugePfnmap) compiles that case of the order switch out, so the order falls to
 * `default: VM_FAULT_FALLBACK` under memory_lock (vfio_pci_core.c:1714-1727): the
 * fallback for a missing config lives here, in the driver, not in vmf_insert_pfn_pmd/pud.
 */
import { Lock } from "../sched/lock";
import { acquire, release, type Steps } from "../sched/effect";
import {
  PAGE_SIZE,
  PMD_ORDER,
  PUD_ORDER,
  VM_DONTDUMP,
  VM_DONTEXPAND,
  VM_IO,
  VM_PFNMAP,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  VM_KNOWN_FLAGS,
  hex,
} from "./constants";
import { VM_FAULT_FALLBACK, VM_FAULT_SIGBUS } from "./errors";
import { vmfInsertPfnPmdSteps, vmfInsertPfnPudSteps, vmfInsertPfnSteps } from "./insert";
import { Kernel } from "./kernel";
import type { AddressSpace, Mm } from "./mm-types";
import type { IoRegion } from "./physmem";
import { pgprotNoncached } from "./pte";
import { checkFlags, checkInteger, checkMm, checkObject, checkSize } from "./validate";
import { PfnlabError } from "./model-error";
import { vmGetPageProt, type Vma, type VmOps, type Vmf } from "./vma";
import { unmapMappingRangeSteps, type ZapStats } from "./zap";

export type VfioAlignRule = "v6.12" | "pfn" | "align-down";

export interface VfioPciBarOptions {
  /** The BAR (an IO region from kernel.addIoRegion). */
  bar: IoRegion;
  alignRule?: VfioAlignRule;
  name?: string;
}

export interface MmapBarOptions {
  /** Bytes to map; default the whole BAR. */
  length?: number;
  /** Byte offset into the BAR (page aligned). */
  offset?: number;
  addr?: number;
  /** Placement alignment of the user address; default PUD_SIZE when the length allows, so huge leaves can fit. */
  align?: number;
  vmFlags?: number;
}

export class VfioPciBarDevice {
  readonly mapping: AddressSpace;
  /** vdev->memory_lock: held for read by faults, for write by reset/disable. */
  readonly memoryLock: Lock;
  /** __vfio_pci_memory_enabled(): faults SIGBUS while memory decoding is off. */
  memoryEnabled = true;
  readonly alignRule: VfioAlignRule;
  readonly ops: VmOps;
  /** How many faults asked each order and what they got. */
  readonly faultLog: { order: number; address: number; ret: number }[] = [];

  constructor(
    readonly kernel: Kernel,
    readonly bar: IoRegion,
    opts: { alignRule?: VfioAlignRule; name?: string } = {},
  ) {
    const rule = opts.alignRule ?? "v6.12";
    if (rule !== "v6.12" && rule !== "pfn" && rule !== "align-down")
      throw new PfnlabError("createVfioPciBarDevice", "alignRule", rule, `must be "v6.12", "pfn" or "align-down"`);
    if (opts.name !== undefined && (typeof opts.name !== "string" || opts.name === ""))
      throw new PfnlabError("createVfioPciBarDevice", "name", opts.name, "must be a non-empty string");
    this.alignRule = rule;
    const name = opts.name ?? `vfio-${bar.name}`;
    this.mapping = kernel.createAddressSpace(name);
    this.memoryLock = new Lock("rwsem", "&vdev->memory_lock", `${name} memory_lock`);
    this.ops = {
      name: "vfio_pci_mmap_ops",
      fault: (vmf: Vmf) => this.hugeFaultSteps(vmf, 0),
    };
    // .huge_fault only #ifdef CONFIG_ARCH_SUPPORTS_HUGE_PFNMAP (vfio_pci_core.c:1750-1752),
    // which both CONFIG_ARCH_SUPPORTS_PMD_PFNMAP and _PUD_PFNMAP depend on (mm/Kconfig:936-946).
    const hp = kernel.options.hugePfnmap;
    if (hp.pmd || hp.pud) this.ops.hugeFault = (vmf: Vmf, order: number) => this.hugeFaultSteps(vmf, order);
  }

  /** vma_to_pfn(): the BAR pfn the vma starts at. */
  vmaToPfn(vma: Vma): number {
    return this.bar.startPfn + vma.vmPgoff;
  }

  /** vfio_pci_mmap_huge_fault(vmf, order). */
  *hugeFaultSteps(vmf: Vmf, order: number): Steps<number> {
    const vma = vmf.vma;
    const k = this.kernel;
    const size = PAGE_SIZE * 2 ** order;
    const level = order === PUD_ORDER ? "pud" : order === PMD_ORDER ? "pmd" : "pte";
    let addr = vmf.address;
    if (this.alignRule === "align-down") addr = Math.floor(vmf.address / size) * size;
    const pfn = this.vmaToPfn(vma) + (addr - vma.vmStart) / PAGE_SIZE;
    let ret: number;
    const fallback = (why: string) => {
      k.note("vfio_pci_mmap_huge_fault", "-", `order ${order}: ${why} -> VM_FAULT_FALLBACK`, {
        address: vmf.address,
        ret: VM_FAULT_FALLBACK,
      });
      return VM_FAULT_FALLBACK;
    };
    if (order !== 0 && order !== PMD_ORDER && order !== PUD_ORDER) ret = fallback("unsupported order");
    else if (order !== 0 && this.alignRule !== "align-down" && vmf.address % size !== 0)
      ret = fallback(`address ${hex(vmf.address)} not aligned to ${hex(size)}`);
    else if (order !== 0 && (addr < vma.vmStart || addr + size > vma.vmEnd))
      ret = fallback(`leaf [${hex(addr)}, ${hex(addr + size)}) not inside the vma`);
    else if (order !== 0 && this.alignRule !== "v6.12" && pfn % 2 ** order !== 0)
      ret = fallback(`pfn ${hex(pfn)} not aligned to order ${order}`);
    else {
      yield* acquire(this.memoryLock, "read", "vfio_pci_mmap_huge_fault: down_read(memory_lock)");
      if (!this.memoryEnabled) ret = VM_FAULT_SIGBUS;
      else if (order === 0) ret = yield* vmfInsertPfnSteps(vma, vmf.address, pfn);
      // #ifdef CONFIG_ARCH_SUPPORTS_{PMD,PUD}_PFNMAP around each case: without it, default.
      else if (!k.options.hugePfnmap[level as "pmd" | "pud"])
        ret = fallback(`no CONFIG_ARCH_SUPPORTS_${level.toUpperCase()}_PFNMAP: the switch's default case`);
      else if (order === PMD_ORDER) ret = yield* vmfInsertPfnPmdSteps({ ...vmf, address: addr }, pfn, false);
      else ret = yield* vmfInsertPfnPudSteps({ ...vmf, address: addr }, pfn, false);
      yield* release(this.memoryLock, "read", "vfio_pci_mmap_huge_fault: up_read(memory_lock)");
    }
    this.faultLog.push({ order, address: vmf.address, ret });
    return ret;
  }

  /** vfio_pci_core_mmap(): map [offset, offset+length) of the BAR into mm. */
  mmapBar(mm: Mm, opts: MmapBarOptions = {}): Vma {
    const fn = "mmapBar";
    checkMm(fn, mm);
    checkObject(fn, "options", opts, "an object { length?, offset?, addr?, align?, vmFlags? }");
    for (const k of Object.keys(opts))
      if (!["length", "offset", "addr", "align", "vmFlags"].includes(k))
        throw new PfnlabError(
          fn,
          "options",
          opts,
          `has an unknown option ${k} (known: length, offset, addr, align, vmFlags)`,
        );
    const offset = opts.offset ?? 0;
    checkInteger(fn, "offset", offset);
    if (offset < 0 || offset % PAGE_SIZE !== 0)
      throw new PfnlabError(fn, "offset", offset, "must be page aligned and >= 0");
    const length = opts.length ?? this.bar.size - offset;
    checkSize(fn, "length", length);
    if (offset + length > this.bar.size)
      throw new PfnlabError(
        fn,
        "length",
        length,
        `reaches [${hex(offset)}, ${hex(offset + length)}), beyond the BAR size ${hex(this.bar.size)}`,
      );
    if (opts.vmFlags !== undefined) checkFlags(fn, "vmFlags", opts.vmFlags, VM_KNOWN_FLAGS);
    const flags = (opts.vmFlags ?? VM_READ | VM_WRITE | VM_SHARED) | VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
    const align = opts.align ?? (length >= 2 ** 30 ? 2 ** 30 : length >= 2 ** 21 ? 2 ** 21 : PAGE_SIZE);
    return mm.mmap({
      length,
      vmFlags: flags,
      addr: opts.addr,
      align,
      ops: this.ops,
      file: { name: this.mapping.name, mapping: this.mapping },
      pgoff: offset / PAGE_SIZE,
      pageProt: pgprotNoncached(vmGetPageProt(flags)),
      name: this.mapping.name,
      privateData: this,
    });
  }

  /** vfio_pci_zap_bars(): unmap_mapping_range over the whole device file. */
  *zapBarsSteps(): Steps<ZapStats> {
    return yield* unmapMappingRangeSteps(this.mapping, 0, 0, true);
  }

  /**
   * vfio_pci_zap_and_down_write_memory_lock() + disable + reset: take memory_lock for
   * write, zap every mapping, turn memory off, reset the BAR (generation bump), turn it
   * back on. Later faults map the BAR again.
   */
  *resetSteps(): Steps<ZapStats> {
    yield* acquire(this.memoryLock, "write", "vfio_pci_zap_and_down_write_memory_lock");
    const stats = yield* this.zapBarsSteps();
    this.memoryEnabled = false;
    this.kernel.resetIoRegion(this.bar);
    this.memoryEnabled = true;
    yield* release(this.memoryLock, "write", "vfio_pci_memory_unlock");
    return stats;
  }

  reset(): ZapStats {
    return this.kernel.run(this.resetSteps(), undefined, "reset");
  }
  zapBars(): ZapStats {
    return this.kernel.run(this.zapBarsSteps(), undefined, "zapBars");
  }
}

export function createVfioPciBarDevice(kernel: Kernel, opts: VfioPciBarOptions): VfioPciBarDevice {
  const fn = "createVfioPciBarDevice";
  if (!(kernel instanceof Kernel)) throw new PfnlabError(fn, "kernel", kernel, "is not a kernel (createKernel())");
  checkObject(fn, "options", opts, "an object { bar, alignRule?, name? }");
  if (!kernel.physmem.regions.includes(opts.bar) || opts.bar.state !== "active")
    throw new PfnlabError(fn, "bar", opts.bar, "must be an active IO region of this kernel (kernel.addIoRegion())");
  return new VfioPciBarDevice(kernel, opts.bar, { alignRule: opts.alignRule, name: opts.name });
}
