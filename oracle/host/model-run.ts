/**
 * The model's half of the oracle: a fresh simulated kernel per sequence (variant
 * "fixed", as Debian's 6.12.118 carries ffef67b93aa3), a 4 GiB device region, and the
 * model's own functions doing what oracle/module/pfnoracle.c does in the guest: mmap
 * with remapPfnRange or with the vfio-pci device's huge_fault (its alignment rules),
 * followPfnmapStart/End under mmap_lock, zapVmaPtes, unmapMappingRange, munmap, and
 * doUserAddrFault for a CPU access.
 */
import {
  FOLLOW_REASONS,
  VM_DONTDUMP,
  VM_DONTEXPAND,
  VM_FAULT_SIGBUS,
  VM_FAULT_SIGSEGV,
  VM_IO,
  VM_MIXEDMAP,
  VM_PFNMAP,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  createKernel,
  createVfioPciBarDevice,
  doUserAddrFault,
  findTable,
  followPfnmapArgs,
  followPfnmapEnd,
  followPfnmapStart,
  mmapReadLock,
  mmapReadUnlock,
  pgprotNoncached,
  remapPfnRange,
  unmapMappingRange,
  vmGetPageProt,
  zapVmaPtes,
  type AddressSpace,
  type FollowPfnmapVariant,
  type IoRegion,
  type Kernel,
  type Mm,
  type VfioPciBarDevice,
  type Vma,
} from "../../src/mm/index";
import type { AlignRule, MapKind, Op, Sequence } from "./cases";
import { PROT_COMPARED, type LockClass, type Stop, type StepResult } from "./results";

/** Size of the device region, in the guest: memmap=4G$4G, module parameter nr_pages. */
export const DEVICE_SIZE = 4 * 2 ** 30;
export const DEVICE_PAGES = DEVICE_SIZE / 4096;

const SIGBUS = 7;
const SIGSEGV = 11;

export class ModelSession {
  readonly kernel: Kernel;
  readonly mm: Mm;
  readonly region: IoRegion;
  /** The device file's address_space (one open file per sequence, as in the guest). */
  readonly mapping: AddressSpace;
  private readonly devices = new Map<AlignRule, VfioPciBarDevice>();
  private mode: { kind: MapKind; rule: AlignRule; io: boolean } = { kind: "huge", rule: "v6.12", io: false };
  private step = 0;

  constructor(variant: FollowPfnmapVariant = "fixed") {
    this.kernel = createKernel({ followPfnmapVariant: variant, traceLimit: 0 });
    this.region = this.kernel.addIoRegion({ name: "pfnoracle", size: DEVICE_SIZE });
    this.mapping = this.kernel.createAddressSpace("pfnoracle");
    this.mm = this.kernel.createMm("oracle");
  }

  private device(rule: AlignRule): VfioPciBarDevice {
    let d = this.devices.get(rule);
    if (!d) {
      d = createVfioPciBarDevice(this.kernel, { bar: this.region, alignRule: rule, name: `pfnoracle-${rule}` });
      this.devices.set(rule, d);
    }
    return d;
  }

  /** Page-table kB of the case's mappings: PUD, PMD and PTE table pages (VmPTE does not count the pgd). */
  pteKb(): number {
    const c = this.mm.pgtableCounts;
    return (c.pud + c.pmd + c.pte) * 4;
  }

  apply(o: Op): StepResult {
    const i = this.step++;
    let r: StepResult;
    try {
      r = this.run(o, i);
    } catch (e) {
      r = { i, op: o.op, rc: -1000, pte: 0, threw: (e as Error).message };
    }
    r.pte = this.pteKb();
    return r;
  }

  private run(o: Op, i: number): StepResult {
    const base = { i, op: o.op, rc: 0, pte: 0 };
    switch (o.op) {
      case "mode":
        this.mode = { kind: o.kind, rule: o.rule, io: o.io };
        return base;
      case "mmap":
        this.mmapDevice(o.addr, o.len, o.pgoff, o.rw);
        return base;
      case "anon":
        this.mm.mmap({ addr: o.addr, length: o.len, vmFlags: VM_READ | VM_WRITE });
        return base;
      case "touch": {
        const ret = doUserAddrFault(this.mm, o.addr, o.write);
        const sig = ret & VM_FAULT_SIGSEGV ? SIGSEGV : ret & VM_FAULT_SIGBUS ? SIGBUS : 0;
        return { ...base, sig };
      }
      case "follow":
        return { ...base, ...this.follow(o.vma, o.addr) };
      case "zap": {
        const vma = this.mm.findVma(o.vma);
        if (!vma) return { ...base, rc: -2 };
        mmapReadLock(this.mm);
        try {
          zapVmaPtes(vma, o.addr, o.size);
        } finally {
          mmapReadUnlock(this.mm);
        }
        return base;
      }
      case "umr":
        unmapMappingRange(this.mapping, o.begin, o.len, true);
        return base;
      case "munmap":
        return { ...base, rc: this.mm.munmap(o.addr, o.len) };
    }
  }

  /** pfnoracle_mmap(): the vma flags, pgprot and vm_ops of the current mode. */
  private mmapDevice(addr: number, len: number, pgoff: number, rw: boolean): Vma {
    const { kind, rule, io } = this.mode;
    const user = VM_READ | VM_SHARED | (rw ? VM_WRITE : 0);
    const extra =
      kind === "remap"
        ? VM_IO | VM_DONTEXPAND | VM_DONTDUMP
        : kind === "huge"
          ? VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP
          : VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP | (io ? VM_IO : 0);
    const flags = user | extra;
    const file = { name: "pfnoracle", mapping: this.mapping };
    const pageProt = pgprotNoncached(vmGetPageProt(flags));
    const ops = kind === "remap" ? { name: "po_remap_ops" } : this.device(rule).ops;
    const vma = this.mm.mmap({ addr, length: len, vmFlags: flags, pgoff, file, pageProt, ops, name: "pfnoracle" });
    if (kind === "remap") remapPfnRange(vma, vma.vmStart, this.region.startPfn + pgoff, len, vma.vmPageProt);
    return vma;
  }

  private follow(vmaAddr: number, addr: number): Partial<StepResult> {
    const vma = this.mm.findVma(vmaAddr);
    if (!vma) return { vma: false, stop: "no-vma" };
    mmapReadLock(this.mm);
    try {
      const args = followPfnmapArgs(vma, addr);
      const rc = followPfnmapStart(args);
      if (rc !== 0) return { vma: true, rc, stop: failStop(args.reason, vma, addr) };
      const out: Partial<StepResult> = {
        vma: true,
        rc,
        stop: `${args.leaf!}-leaf` as Stop,
        pfnOff: args.out.pfn - this.region.startPfn,
        linearPfnOff: vma.vmPgoff + Math.floor((addr - vma.vmStart) / 4096),
        w: args.out.writable,
        sp: args.out.special,
        lock: this.lockClass(addr, args.lock),
        prot: args.out.pgprot & PROT_COMPARED,
      };
      followPfnmapEnd(args);
      return out;
    } finally {
      mmapReadUnlock(this.mm);
    }
  }

  /** Which lock the lookup holds, by identity, as the module's lock_class() does. */
  private lockClass(addr: number, lock: unknown): LockClass {
    if (lock === this.mm.pageTableLock) return "page_table_lock";
    const pmd = findTable(this.mm, addr, "pmd");
    if (pmd && lock === pmd.ptl) return "pmd_ptlock";
    const pte = findTable(this.mm, addr, "pte");
    if (pte && lock === pte.ptl) return "pte_ptlock";
    return "other";
  }
}

/** Why followPfnmapStart failed, in the module's walk_stop() words. */
function failStop(reason: string, vma: Vma, addr: number): Stop {
  const R = FOLLOW_REASONS;
  if (reason === R.outsideVma(vma, addr)) return "outside";
  if (reason === R.notPfnmap(vma)) return "not-pfnmap";
  if (reason === R.p4dNone) return "p4d-none";
  if (reason === R.pudNone || reason === R.pudNotPresent || reason === R.pudGoneUnderLock) return "pud-none";
  if (reason === R.pmdNotPresent || reason === R.pmdGoneUnderLock || reason === R.pteMapNull) return "pmd-none";
  if (reason === R.pteNotPresent) return "pte-none";
  return "other";
}

/** Run whole sequences on the model (variant "fixed" unless told). */
export function runModel(seqs: Sequence[], variant: FollowPfnmapVariant = "fixed"): Map<number, StepResult[]> {
  const out = new Map<number, StepResult[]>();
  for (const s of seqs) {
    const session = new ModelSession(variant);
    out.set(
      s.id,
      s.ops.map((o) => session.apply(o)),
    );
  }
  return out;
}
