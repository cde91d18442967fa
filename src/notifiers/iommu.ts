/**
 * A secondary MMU for devices: an IOMMU domain's IO page table (drivers/iommu/iommu.c
 * iommu_map / iommu_unmap, v6.12), mapping IO virtual addresses (iova) to pfns, and the
 * device DMA that goes through it. The IOMMU does not know about the CPU page table: an
 * entry stays until someone unmaps it, so a device keeps reaching a pfn the process has
 * long unmapped, unless the driver drops the entry from an MMU notifier.
 *
 * Every entry is a sanitizer hold: DMA through it is classified (ok, stale-pfn,
 * use-after-free); DMA to an iova with no entry is an IOMMU fault (nothing touched).
 */
import { current, step, type Steps } from "../sched/effect";
import { ownedSite } from "../sched/site";
import type { AccessKind, LookupSite, PfnHold, Sanitizer } from "../checks/sanitizer";
import { EEXIST } from "../mm/errors";
import { hex } from "../mm/constants";

/** One IO page-table entry (4 KiB granule). */
export interface IoPte {
  pfn: number;
  writable: boolean;
  /** The sanitizer's record of this pfn (null when no sanitizer watches). */
  hold: PfnHold | null;
}

export interface IommuMapOptions {
  writable?: boolean;
  /** Where the pfn was looked up (for stale-pfn checks). */
  site?: LookupSite;
}

export interface DmaResult {
  /** The pfn the device reached, or null on an IOMMU fault. */
  pfn: number | null;
  /** The sanitizer's verdict (null without a sanitizer or on a fault). */
  outcome: string | null;
}

function checkIova(fn: string, iova: number): void {
  if (!Number.isInteger(iova) || iova < 0 || iova % 4096 !== 0)
    throw new Error(`${fn}: iova ${String(iova)} must be a page-aligned integer >= 0`);
}

export class Iommu {
  /** iova page number -> entry. */
  readonly ptes = new Map<number, IoPte>();
  /** Every DMA, in order. */
  readonly dmaLog: { task: string; iova: number; write: boolean; pfn: number | null; outcome: string | null }[] = [];

  constructor(
    readonly name = "iommu",
    readonly san: Sanitizer | null = null,
  ) {}

  /** iommu_map(domain, iova, paddr, size, prot): one 4 KiB entry; -EEXIST when taken. */
  *mapSteps(iova: number, pfn: number, opts: IommuMapOptions = {}): Steps<number> {
    checkIova("iommuMap", iova);
    if (!Number.isInteger(pfn) || pfn < 0) throw new Error(`iommuMap: pfn ${String(pfn)} must be an integer >= 0`);
    const me = yield* current();
    yield* step("iommuMap", ownedSite(this.name, `iommu_map iova ${hex(iova)} -> pfn ${hex(pfn)}`));
    const key = iova / 4096;
    if (this.ptes.has(key)) return -EEXIST;
    const hold = this.san ? this.san.hold(me.name, `${this.name} iova ${hex(iova)}`, pfn, opts.site ?? null) : null;
    this.ptes.set(key, { pfn, writable: opts.writable ?? true, hold });
    return 0;
  }

  /** iommu_unmap(domain, iova, size) + IOTLB sync: returns the bytes unmapped. */
  *unmapSteps(iova: number, size: number): Steps<number> {
    checkIova("iommuUnmap", iova);
    if (!Number.isInteger(size) || size <= 0 || size % 4096 !== 0)
      throw new Error(`iommuUnmap: size ${String(size)} must be a positive multiple of 4096`);
    const me = yield* current();
    yield* step("iommuMap", ownedSite(this.name, `iommu_unmap [${hex(iova)}, ${hex(iova + size)}) + iotlb sync`));
    let n = 0;
    for (let p = iova / 4096; p < (iova + size) / 4096; p++) {
      const e = this.ptes.get(p);
      if (!e) continue;
      if (e.hold && this.san) this.san.release(e.hold, me.name);
      this.ptes.delete(p);
      n++;
    }
    return n * 4096;
  }

  /** The pfn an iova translates to now, or null. */
  translate(iova: number): number | null {
    return this.ptes.get(Math.floor(iova / 4096))?.pfn ?? null;
  }

  /** The device reads or writes at iova: translation and memory access in one bus transaction. */
  *dmaSteps(iova: number, write = false): Steps<DmaResult> {
    const me = yield* current();
    yield* step("pfnUse", `device DMA ${write ? "write" : "read"} at iova ${hex(iova)} through ${this.name}`);
    const e = this.ptes.get(Math.floor(iova / 4096));
    let res: DmaResult;
    if (!e) {
      this.san?.fault(me.name, this.name, `IOMMU fault: no entry for iova ${hex(iova)} (DMA blocked)`);
      res = { pfn: null, outcome: null };
    } else {
      const how: AccessKind = write ? "dma-write" : "dma-read";
      res = { pfn: e.pfn, outcome: e.hold && this.san ? this.san.access(e.hold, me.name, how) : null };
    }
    this.dmaLog.push({ task: me.name, iova, write, pfn: res.pfn, outcome: res.outcome });
    return res;
  }
}
