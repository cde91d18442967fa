/**
 * mmap(): do_mmap() + get_unmapped_area() + mmap_region() of mm/mmap.c and mm/vma.c,
 * reduced to placement, vm_flags and the driver's ->mmap hook. Takes mmap_lock for write.
 */
import type { Steps } from "../sched/effect";
import {
  MMAP_BASE, PAGE_SIZE, TASK_SIZE, VM_KNOWN_FLAGS, VM_MAYEXEC, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE, VM_SHARED, hex,
} from "./constants";
import type { Mm } from "./mm";
import { mmapWriteLockSteps, mmapWriteUnlockSteps } from "./mmap-lock";
import { checkFlags, checkInteger, checkPageAligned, checkSize } from "./validate";
import { Vma, vmGetPageProt, type VmFile, type VmOps } from "./vma";
import { _PAGE_KNOWN } from "./pte";

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

const KNOWN = ["length", "vmFlags", "addr", "align", "ops", "file", "pgoff", "pageProt", "name", "privateData", "setup"];

/** get_unmapped_area(), top-down from MMAP_BASE, honouring `align`. */
export function getUnmappedArea(mm: Mm, length: number, align: number): number {
  let hi = MMAP_BASE;
  for (let i = mm.vmas.length - 1; i >= 0; i--) {
    const v = mm.vmas[i];
    if (v.vmStart >= hi) continue;
    const cand = Math.floor((hi - length) / align) * align;
    if (cand >= v.vmEnd) return cand;
    hi = v.vmStart;
  }
  const cand = Math.floor((hi - length) / align) * align;
  if (cand < 0x10000) throw new Error(`mmap: no free range of ${hex(length)} bytes aligned to ${hex(align)} (ENOMEM)`);
  return cand;
}

export function insertVma(mm: Mm, vma: Vma): void {
  let i = mm.vmas.length;
  while (i > 0 && mm.vmas[i - 1].vmStart > vma.vmStart) i--;
  mm.vmas.splice(i, 0, vma);
  vma.vmFile?.mapping.iMmap.add(vma);
}

/** Validate everything before touching the mm (bad input throws, state unchanged). */
function checkMmapOptions(mm: Mm, opts: MmapOptions): { addr: number; align: number } {
  const fn = "mmap";
  if (!opts || typeof opts !== "object") throw new Error(`${fn}: options ${String(opts)} must be an object`);
  for (const k of Object.keys(opts)) if (!KNOWN.includes(k)) throw new Error(`${fn}: unknown option ${k} (known: ${KNOWN.join(", ")})`);
  checkSize(fn, "length", opts.length);
  checkFlags(fn, "vmFlags", opts.vmFlags, VM_KNOWN_FLAGS);
  const align = opts.align ?? PAGE_SIZE;
  checkInteger(fn, "align", align);
  if (align < PAGE_SIZE || 2 ** Math.round(Math.log2(align)) !== align) throw new Error(`${fn}: align ${hex(align)} must be a power of two >= PAGE_SIZE`);
  if (opts.pgoff !== undefined) {
    checkInteger(fn, "pgoff", opts.pgoff);
    if (opts.pgoff < 0) throw new Error(`${fn}: pgoff ${opts.pgoff} must be >= 0`);
  }
  if (opts.pageProt !== undefined) checkFlags(fn, "pageProt", opts.pageProt, _PAGE_KNOWN);
  if (mm.dead) throw new Error(`${fn}: ${mm.name} has exited`);
  let addr: number;
  if (opts.addr !== undefined) {
    checkPageAligned(fn, "addr", opts.addr);
    if (opts.addr % align !== 0) throw new Error(`${fn}: addr ${hex(opts.addr)} is not aligned to align ${hex(align)}`);
    if (opts.addr < 0x10000 || opts.addr + opts.length > TASK_SIZE) {
      throw new Error(`${fn}: range [${hex(opts.addr)}, ${hex(opts.addr + opts.length)}) is outside user space [0x10000, ${hex(TASK_SIZE)})`);
    }
    const clash = mm.vmasIn(opts.addr, opts.addr + opts.length)[0];
    if (clash) throw new Error(`${fn}: range [${hex(opts.addr)}, ${hex(opts.addr + opts.length)}) overlaps ${clash} (MAP_FIXED_NOREPLACE: EEXIST)`);
    addr = opts.addr;
  } else {
    addr = getUnmappedArea(mm, opts.length, align);
  }
  return { addr, align };
}

/** mmap(2) as a stepwise function: mmap_write_lock, place, create the vma, driver hook, unlock. */
export function* mmapSteps(mm: Mm, opts: MmapOptions): Steps<Vma> {
  const { addr } = checkMmapOptions(mm, opts);
  yield* mmapWriteLockSteps(mm);
  try {
    // Recheck placement under the lock: another task may have mapped there meanwhile.
    if (mm.vmasIn(addr, addr + opts.length).length) throw new Error(`mmap: range [${hex(addr)}, ${hex(addr + opts.length)}) became busy`);
    let flags = opts.vmFlags | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    if (flags & VM_SHARED) flags |= VM_MAYSHARE;
    const vma = new Vma(
      mm, addr, addr + opts.length, flags, opts.pageProt ?? vmGetPageProt(flags), opts.pgoff ?? 0,
      opts.ops ?? null, opts.file ?? null, opts.privateData, opts.name ?? "",
    );
    if (opts.setup) opts.setup(vma); // before insertion: a throwing driver leaves nothing behind
    insertVma(mm, vma);
    return vma;
  } finally {
    yield* mmapWriteUnlockSteps(mm);
  }
}
