/**
 * mmap(): do_mmap() + get_unmapped_area() + mmap_region() of mm/mmap.c and mm/vma.c,
 * reduced to placement, vm_flags and the driver's ->mmap hook. Takes mmap_lock for write.
 */
import type { Steps } from "../sched/effect";
import {
  MMAP_BASE,
  PAGE_SIZE,
  PGDIR_SIZE,
  TASK_SIZE,
  VM_KNOWN_FLAGS,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_SHARED,
  hex,
} from "./constants";
import type { Mm, MmapOptions } from "./mm-types";
import { mmapWriteLockSteps, mmapWriteUnlockSteps } from "./mmap-lock";
import { checkFlags, checkInteger, checkMm, checkObject, checkPageAligned, checkSize } from "./validate";
import { PfnlabError } from "./model-error";
import { AddressSpace } from "./mapping";
import { freePgtablesSteps } from "./munmap";
import { unmapPageRangeSteps } from "./zap";
import { insertVma, Vma, vmGetPageProt, type VmFile } from "./vma";
import { _PAGE_KNOWN } from "./pte";
export type { MmapOptions } from "./mm-types";

const KNOWN = [
  "length",
  "vmFlags",
  "addr",
  "align",
  "ops",
  "file",
  "pgoff",
  "pageProt",
  "name",
  "privateData",
  "setup",
];

/** get_unmapped_area(), top-down from MMAP_BASE, honouring `align`. */
export function getUnmappedArea(mm: Mm, length: number, align: number): number {
  checkMm("mmap", mm);
  checkSize("mmap", "length", length);
  checkInteger("mmap", "align", align);
  if (align < PAGE_SIZE || align > PGDIR_SIZE || 2 ** Math.round(Math.log2(align)) !== align)
    throw new PfnlabError("mmap", "align", align, `must be a power of two in [PAGE_SIZE, ${hex(PGDIR_SIZE)}]`);
  let hi = MMAP_BASE;
  for (let i = mm.vmas.length - 1; i >= 0; i--) {
    const v = mm.vmas[i];
    if (v.vmStart >= hi) continue;
    const cand = Math.floor((hi - length) / align) * align;
    if (cand >= v.vmEnd) return cand;
    hi = v.vmStart;
  }
  const cand = Math.floor((hi - length) / align) * align;
  if (cand < 0x10000)
    throw new PfnlabError("mmap", "length", length, `finds no free range aligned to ${hex(align)} (ENOMEM)`);
  return cand;
}

/** Validate everything before touching the mm (bad input throws, state unchanged). */
function checkMmapOptions(mm: Mm, opts: MmapOptions): { addr: number; align: number } {
  const fn = "mmap";
  checkMm(fn, mm);
  checkObject(fn, "options", opts, "an object { length, vmFlags, ... }");
  for (const k of Object.keys(opts))
    if (!KNOWN.includes(k))
      throw new PfnlabError(fn, "options", opts, `has unknown option ${k} (known: ${KNOWN.join(", ")})`);
  checkSize(fn, "length", opts.length);
  if (opts.length > TASK_SIZE)
    throw new PfnlabError(fn, "length", opts.length, `is larger than user space (TASK_SIZE ${hex(TASK_SIZE)})`);
  checkFlags(fn, "vmFlags", opts.vmFlags, VM_KNOWN_FLAGS);
  const align = opts.align ?? PAGE_SIZE;
  checkInteger(fn, "align", align);
  if (align < PAGE_SIZE || align > PGDIR_SIZE || 2 ** Math.round(Math.log2(align)) !== align)
    throw new PfnlabError(fn, "align", align, `must be a power of two in [PAGE_SIZE, ${hex(PGDIR_SIZE)}]`);
  if (opts.pgoff !== undefined) {
    checkInteger(fn, "pgoff", opts.pgoff);
    if (opts.pgoff < 0) throw new PfnlabError(fn, "pgoff", opts.pgoff, "must be >= 0");
    // do_mmap(): pgoff + pages must not wrap (-EOVERFLOW); here the byte offset must fit in 64 bits.
    if (opts.pgoff + opts.length / PAGE_SIZE > 2 ** 52)
      throw new PfnlabError(
        fn,
        "pgoff",
        opts.pgoff,
        `must be below 2^52 - ${hex(opts.length / PAGE_SIZE)} (the file offset in bytes must fit in 64 bits; do_mmap: -EOVERFLOW)`,
      );
  }
  if (opts.pageProt !== undefined) checkFlags(fn, "pageProt", opts.pageProt, _PAGE_KNOWN);
  if (opts.setup !== undefined && typeof opts.setup !== "function")
    throw new PfnlabError(fn, "setup", opts.setup, "must be a function (vma) => void");
  if (opts.ops !== undefined && opts.ops !== null) {
    checkObject(fn, "ops", opts.ops, "a vm_operations object");
    for (const hook of ["fault", "hugeFault", "pfnMkwrite", "access", "open", "close"] as const) {
      const h = opts.ops[hook];
      if (h !== undefined && typeof h !== "function") throw new PfnlabError(fn, `ops.${hook}`, h, "must be a function");
    }
  }
  if (opts.file !== undefined && opts.file !== null) {
    const f = opts.file as Partial<VmFile>;
    if (typeof f !== "object" || !(f.mapping instanceof AddressSpace))
      throw new PfnlabError(
        fn,
        "file",
        opts.file,
        "must be { name, mapping } with mapping from kernel.createAddressSpace()",
      );
    if (f.mapping.kernel !== mm.kernel)
      throw new PfnlabError(fn, "file.mapping", f.mapping.name, "belongs to another kernel");
  }
  if (opts.name !== undefined && typeof opts.name !== "string")
    throw new PfnlabError(fn, "name", opts.name, "must be a string");
  if (mm.dead) throw new PfnlabError(fn, "mm", mm.name, "has exited");
  let addr: number;
  if (opts.addr !== undefined) {
    checkPageAligned(fn, "addr", opts.addr);
    if (opts.addr % align !== 0) throw new PfnlabError(fn, "addr", opts.addr, `is not aligned to align ${hex(align)}`);
    if (opts.addr < 0x10000 || opts.addr + opts.length > TASK_SIZE) {
      throw new PfnlabError(
        fn,
        "addr",
        opts.addr,
        `starts a range [${hex(opts.addr)}, ${hex(opts.addr + opts.length)}) that is outside user space [0x10000, ${hex(TASK_SIZE)})`,
      );
    }
    const clash = mm.vmasIn(opts.addr, opts.addr + opts.length)[0];
    if (clash)
      throw new PfnlabError(
        fn,
        "addr",
        opts.addr,
        `starts a range [${hex(opts.addr)}, ${hex(opts.addr + opts.length)}) that overlaps ${clash} (MAP_FIXED_NOREPLACE: EEXIST)`,
      );
    addr = opts.addr;
  } else {
    addr = getUnmappedArea(mm, opts.length, align);
  }
  return { addr, align };
}

/**
 * The driver's ->mmap failed: undo what it mapped (ptes, and the table pages no other vma
 * needs), as mmap_region() does at its unmap_and_free_file_vma label with unmap_region()
 * (mm/mmap.c, v6.12: "Undo any partial mapping done by a device driver"), and mark the
 * vma dead.
 */
function* undoFailedSetup(vma: Vma): Steps<void> {
  yield* unmapPageRangeSteps(vma, vma.vmStart, vma.vmEnd, "mmap: unmap_region (->mmap failed)");
  yield* freePgtablesSteps(vma.mm, vma.vmStart, vma.vmEnd);
  vma.detached = true;
}

/** mmap(2) as a stepwise function: mmap_write_lock, place, create the vma, driver hook, unlock. */
export function* mmapSteps(mm: Mm, opts: MmapOptions): Steps<Vma> {
  const { addr } = checkMmapOptions(mm, opts);
  yield* mmapWriteLockSteps(mm);
  try {
    // Recheck placement under the lock: another task may have mapped there meanwhile.
    if (mm.vmasIn(addr, addr + opts.length).length)
      throw new PfnlabError(
        "mmap",
        "addr",
        addr,
        `starts a range [${hex(addr)}, ${hex(addr + opts.length)}) that became busy`,
      );
    let flags = opts.vmFlags | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    if (flags & VM_SHARED) flags |= VM_MAYSHARE;
    const vma = new Vma(
      mm,
      addr,
      addr + opts.length,
      flags,
      opts.pageProt ?? vmGetPageProt(flags),
      opts.pgoff ?? 0,
      opts.ops ?? null,
      opts.file ?? null,
      opts.privateData,
      opts.name ?? "",
    );
    if (opts.setup) {
      try {
        opts.setup(vma); // before insertion: the vma is not visible yet
      } catch (err) {
        yield* undoFailedSetup(vma);
        throw err;
      }
    }
    insertVma(mm, vma);
    return vma;
  } finally {
    yield* mmapWriteUnlockSteps(mm);
  }
}
