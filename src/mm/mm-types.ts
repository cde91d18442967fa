/**
 * The shapes of the mm core's objects, as include/linux/mm_types.h declares struct
 * mm_struct, vm_area_struct and friends for every mm file: Kernel, Mm, Vma, AddressSpace,
 * PageTablePage and MmuNotifierSubscriptions as interfaces (the classes implement them),
 * plus the types they are made of. The core files name each other's objects through this
 * leaf (type-only), so no two of them import each other in a cycle; it imports nothing
 * from them.
 */
import type { Checker, CheckerMode } from "../base/checker";
import type { MaybeSteps, Steps, Task } from "../sched/effect";
import type { Lock } from "../sched/lock";
import type { SyncContext } from "../sched/sync";
import type { AddIoRegionOptions, IoRegion, Page, PfnInfo, PhysMem } from "./physmem";

/** The simulated kernel: physical memory, the Checker, the trace, the mms. Class Kernel (kernel.ts) implements it and documents the members. */
export interface Kernel {
  readonly options: ResolvedKernelOptions;
  readonly physmem: PhysMem;
  readonly checker: Checker;
  /** Context of plain calls: task "main". */
  readonly ctx: SyncContext;
  readonly trace: TraceEntry[];
  readonly mms: Mm[];
  run<T>(steps: Steps<T>, ctx?: SyncContext, fn?: string): T;
  createContext(name: string, id?: number): SyncContext;
  note(fn: string, task: Task | string, reason: string, extra?: { address?: number; ret?: number }): void;
  traceText(last?: number): string;
  createMm(name?: string): Mm;
  createAddressSpace(name: string): AddressSpace;
  addIoRegion(opts: AddIoRegionOptions): IoRegion;
  resetIoRegion(region: IoRegion): void;
  moveIoRegion(region: IoRegion): number;
  removeIoRegion(region: IoRegion): void;
  allocPage(): Page;
  freePage(page: Page): void;
  getPage(page: Page): void;
  putPage(page: Page): void;
  describePfn(pfn: number): PfnInfo;
}

/** struct mm_struct; class Mm (mm.ts) implements it and documents the members. */
export interface Mm {
  readonly kernel: Kernel;
  readonly id: number;
  readonly name: string;
  readonly pgd: PageTablePage;
  readonly mmapLock: Lock;
  readonly pageTableLock: Lock;
  readonly vmas: Vma[];
  readonly pgtableCounts: Record<TableLevel, number>;
  notifierSubscriptions: MmuNotifierSubscriptions | null;
  activeFirst: ActiveLookup | null;
  readonly activeMore: ActiveLookup[];
  dead: boolean;
  readonly activeLookups: ActiveLookup[];
  findVma(addr: number): Vma | undefined;
  vmasIn(start: number, end: number): Vma[];
  mmap(opts: MmapOptions): Vma;
  munmap(addr: number, length: number): number;
  pgtablePages(): number;
  pgtableBytes(): number;
  countTablesByWalk(): Record<TableLevel, number>;
}

/** struct vm_area_struct; class Vma (vma.ts) implements it and documents the members. */
export interface Vma {
  readonly mm: Mm;
  vmStart: number;
  vmEnd: number;
  vmFlags: number;
  vmPageProt: number;
  vmPgoff: number;
  vmOps: VmOps | null;
  vmFile: VmFile | null;
  vmPrivateData: unknown;
  name: string;
  readonly id: number;
  detached: boolean;
  readonly size: number;
  contains(addr: number): boolean;
}

/** struct address_space (mapping.ts): a file's i_mmap and its rwsem. */
export interface AddressSpace {
  readonly kernel: Kernel;
  readonly name: string;
  readonly iMmapRwsem: Lock;
  readonly iMmap: Set<Vma>;
}

/** A page-table page; class PageTablePage (pagetable.ts) implements it and documents the members. */
export interface PageTablePage {
  readonly mm: Mm;
  readonly level: TableLevel;
  readonly base: number;
  readonly page: Page;
  readonly entries: Float64Array;
  readonly children: (PageTablePage | null)[] | null;
  freed: boolean;
  readonly pfn: number;
  readonly ptl: Lock;
  readonly ptlIfCreated: Lock | null;
}

/** mm->notifier_subscriptions (subscriptions.ts). */
export interface MmuNotifierSubscriptions {
  readonly list: MmuNotifier[];
  readonly itree: MmuIntervalNotifier[];
  readonly deferred: { sub: MmuIntervalNotifier; op: "insert" | "remove" }[];
  hasItree: boolean;
  invalidateSeq: number;
  activeInvalidations: number;
  readonly history: NotifierHistoryEntry[];
}

export type FollowPfnmapVariant = "v6.12" | "fixed";

export interface ResolvedKernelOptions {
  hugePfnmap: { pmd: boolean; pud: boolean };
  followPfnmapVariant: FollowPfnmapVariant;
  checkerMode: CheckerMode;
  splitPtlocks: { pte: boolean; pmd: boolean };
  ramSize: number;
  traceLimit: number;
}

/** One line of the kernel trace: a failure reason, a fallback, a notable decision. */
export interface TraceEntry {
  seq: number;
  /** Model function, e.g. "followPfnmapStart". */
  fn: string;
  task: string;
  /** What happened, in words. */
  reason: string;
  address?: number;
  /** Return value, when the function returned one (0, -EINVAL, VM_FAULT_*). */
  ret?: number;
}

/** The pieces of an in-flight follow_pfnmap lookup the checker needs (see follow.ts). */
export interface ActiveLookup {
  readonly vma: Vma;
  readonly address: number;
  readonly taskName: string;
}

export type TableLevel = "pgd" | "pud" | "pmd" | "pte";

export interface MmapOptions {
  /** Bytes, a positive multiple of PAGE_SIZE. */
  length: number;
  /** VM_READ | VM_WRITE | VM_SHARED ...; VM_MAY* are added as do_mmap does. */
  vmFlags: number;
  /** Fixed address (MAP_FIXED_NOREPLACE: overlapping an existing vma throws). */
  addr?: number;
  /** Alignment of the chosen address (power of two >= PAGE_SIZE); e.g. PUD_SIZE for 1 GiB leaves. */
  align?: number;
  ops?: VmOps;
  /** The file mapped (its mapping's i_mmap gets the vma). */
  file?: VmFile;
  /** File offset in pages (vm_pgoff). */
  pgoff?: number;
  /** vm_page_prot; default vm_get_page_prot(vmFlags). */
  pageProt?: number;
  name?: string;
  privateData?: unknown;
  /** The driver's f_op->mmap: may set vm_flags, vm_page_prot, vm_ops, or call remapPfnRange. */
  setup?: (vma: Vma) => void;
}

/** struct vm_operations_struct: the hooks a driver gives its mappings. */
export interface VmOps {
  name?: string;
  /** ->fault(): map the page at vmf.address; returns VM_FAULT_* (VM_FAULT_NOPAGE after vmf_insert_pfn). */
  fault?(vmf: Vmf): MaybeSteps<number>;
  /** ->huge_fault(vmf, order): order PUD_ORDER, PMD_ORDER (or 0); VM_FAULT_FALLBACK when that size does not fit. */
  hugeFault?(vmf: Vmf, order: number): MaybeSteps<number>;
  /** ->pfn_mkwrite(): a write to a read-only pfn PTE in a shared mapping. */
  pfnMkwrite?(vmf: Vmf): MaybeSteps<number>;
  /** ->access(): ptrace / /proc/pid/mem on VM_IO (generic_access_phys); returns bytes or -errno. */
  access?(vma: Vma, addr: number, buf: Uint8Array, len: number, write: boolean): MaybeSteps<number>;
  /** ->open(): called for the new half when a vma is split. */
  open?(vma: Vma): void;
  /** ->close(): called when a vma goes away (munmap). */
  close?(vma: Vma): void;
}

/** vma->vm_file, reduced to its f_mapping. */
export interface VmFile {
  name: string;
  mapping: AddressSpace;
}

/** A pointer to one page-table entry (what the kernel keeps as pud_t * / pmd_t * / pte_t *). */
export interface EntryRef {
  table: PageTablePage;
  index: number;
}

/** struct vm_fault. `vma` and `address` are the inputs; the walk fills pud/pmd. */
export interface Vmf {
  vma: Vma;
  /** Faulting address rounded down to a page (vmf->address). */
  address: number;
  /** The address as given (vmf->real_address). */
  realAddress?: number;
  /** FAULT_FLAG_* */
  flags?: number;
  /** linear_page_index(vma, address). */
  pgoff?: number;
  pud?: EntryRef;
  pmd?: EntryRef;
}

/** enum mmu_notifier_event (include/linux/mmu_notifier.h). */
export type MmuNotifierEvent =
  | "unmap"
  | "clear"
  | "protection-vma"
  | "protection-page"
  | "soft-dirty"
  | "release"
  | "migrate";

/** struct mmu_notifier_range. */
export interface MmuNotifierRange {
  mm: Mm;
  start: number;
  end: number;
  event: MmuNotifierEvent;
  /** The vma being changed, when there is one. */
  vma?: unknown;
  /** MMU_NOTIFIER_RANGE_BLOCKABLE: callbacks may sleep. Zaps from process context are. */
  blockable: boolean;
  /** What caused it, for traces (e.g. "zap_vma_ptes", "munmap"). */
  site: string;
}

/** struct mmu_notifier_ops, reduced to the callbacks the course needs. */
export interface MmuNotifierOps {
  name?: string;
  /** Drop secondary mappings of [start, end). Return 0, or -EAGAIN when !blockable and it would block. */
  invalidateRangeStart?(sub: MmuNotifier, range: MmuNotifierRange): MaybeSteps<number | undefined>;
  /** The page-table change is done. */
  invalidateRangeEnd?(sub: MmuNotifier, range: MmuNotifierRange): MaybeSteps<void>;
  /** The mm is going away (exit_mmap). */
  release?(sub: MmuNotifier, mm: Mm): MaybeSteps<void>;
}

/** struct mmu_notifier: one subscription on the classic list. */
export interface MmuNotifier {
  readonly id: number;
  readonly mm: Mm;
  readonly ops: MmuNotifierOps;
  registered: boolean;
}

/** struct mmu_interval_notifier_ops. */
export interface MmuIntervalNotifierOps {
  name?: string;
  /**
   * Called from invalidate_range_start for every notifier whose interval overlaps the
   * range, with `curSeq` (odd). The callback takes the user's lock, calls
   * mmuIntervalSetSeq(sub, curSeq), drops its secondary mappings of the overlap and
   * unlocks. Return false only for a non-blockable range it cannot handle now.
   */
  invalidate(sub: MmuIntervalNotifier, range: MmuNotifierRange, curSeq: number): MaybeSteps<boolean>;
}

/** struct mmu_interval_notifier: a subscription to [start, last] of one mm. */
export interface MmuIntervalNotifier {
  readonly id: number;
  readonly mm: Mm;
  readonly ops: MmuIntervalNotifierOps;
  /** First address watched. */
  readonly start: number;
  /** Last address watched (inclusive, as the kernel's interval tree stores it). */
  readonly last: number;
  /** interval_sub->invalidate_seq: odd; equal to the mm's seq while an overlapping invalidation runs. */
  invalidateSeq: number;
  /** In the interval tree (false while an insert or remove is deferred). */
  inTree: boolean;
  state: "inserted" | "removed";
}

/** One start or end in the history (for traces and figures). */
export interface NotifierHistoryEntry {
  range: Omit<MmuNotifierRange, "mm" | "vma">;
  phase: "start" | "end";
}
