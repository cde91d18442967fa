/**
 * Physical memory: RAM pages with struct-page state, and IO regions (PCI BARs) that
 * have no struct page. Mirrors the parts of include/linux/mm_types.h (struct page:
 * _refcount, _mapcount) and of PCI resource assignment that the course needs.
 *
 * A `generation` on every RAM page and IO region changes whenever the memory behind a
 * pfn stops being what it was (page freed and reused, device reset, BAR moved), so a
 * later sanitizer can tell a use of a stale pfn from a use of live memory.
 */
import { PfnlabError } from "./model-error";
import { PAGE_SIZE, hex } from "./constants";

export type PageUse = "free" | "anon" | "pagetable" | "kernel";

/** struct page, reduced to what the model uses. */
export interface Page {
  readonly pfn: number;
  /** page_ref_count(); 0 when free. */
  refcount: number;
  /** page_mapcount(): how many page-table entries map it. */
  mapcount: number;
  /** Bumped each time the page is allocated again after a free. */
  generation: number;
  use: PageUse;
}

export interface IoRegion {
  readonly id: number;
  readonly name: string;
  startPfn: number;
  readonly nrPages: number;
  /** Bytes. */
  readonly size: number;
  /** Alignment of the physical start, bytes. */
  readonly align: number;
  /** Bumped by reset and move; compare with a saved value to detect use after reset. */
  generation: number;
  state: "active" | "removed";
}

/** A range a region used to occupy (after a move or removal). */
export interface RetiredRange {
  region: IoRegion;
  startPfn: number;
  nrPages: number;
  /** The region's generation while it lived here. */
  generation: number;
}

export type PfnInfo =
  | { kind: "ram"; page: Page }
  | { kind: "ram-unallocated"; pfn: number }
  | { kind: "io"; region: IoRegion; offset: number; generation: number }
  | { kind: "retired-io"; retired: RetiredRange; offset: number }
  | { kind: "none"; pfn: number };

export interface AddIoRegionOptions {
  name: string;
  /** Bytes, a positive multiple of PAGE_SIZE. */
  size: number;
  /** Physical alignment in bytes (power of two, >= PAGE_SIZE); default: the size rounded up to a power of two, as PCI BARs are naturally aligned. */
  align?: number;
}

function isPow2(n: number): boolean {
  return Number.isInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

function checkSize(fn: string, field: string, v: unknown): asserts v is number {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0)
    throw new PfnlabError(fn, field, v, "must be a positive integer");
  if (v % PAGE_SIZE !== 0) throw new PfnlabError(fn, field, v, "is not page aligned");
}

export class PhysMem {
  /** First RAM pfn (1 MiB, so pfn 0 never looks valid). */
  readonly ramStartPfn = 0x100;
  readonly ramPages: number;
  /** IO regions are placed from here up (1 TiB physical). */
  readonly ioBasePfn = 2 ** 28;
  readonly regions: IoRegion[] = [];
  readonly retired: RetiredRange[] = [];
  private readonly pages = new Map<number, Page>();
  private readonly freeList: number[] = [];
  private bump: number;
  private nextRegionId = 1;
  /** Pages currently allocated, by use. */
  readonly allocated: Record<Exclude<PageUse, "free">, number> = { anon: 0, pagetable: 0, kernel: 0 };

  constructor(ramBytes: number) {
    checkSize("createKernel", "ramSize", ramBytes);
    // RAM sits below the IO space (IO regions are placed from ioBasePfn up).
    if (this.ramStartPfn + ramBytes / PAGE_SIZE > this.ioBasePfn) {
      const most = (this.ioBasePfn - this.ramStartPfn) * PAGE_SIZE;
      throw new PfnlabError(
        "createKernel",
        "ramSize",
        ramBytes,
        `would end at pfn ${hex(this.ramStartPfn + ramBytes / PAGE_SIZE)} and so overlaps the IO space from pfn ${hex(this.ioBasePfn)} (at most ${hex(most)} bytes)`,
      );
    }
    this.ramPages = ramBytes / PAGE_SIZE;
    this.bump = this.ramStartPfn;
  }

  get ramEndPfn(): number {
    return this.ramStartPfn + this.ramPages;
  }

  isRamPfn(pfn: number): boolean {
    return pfn >= this.ramStartPfn && pfn < this.ramEndPfn;
  }

  /** alloc_page(): refcount 1. Reuses the most recently freed page first (so UAF shows quickly). */
  allocPage(use: Exclude<PageUse, "free"> = "kernel"): Page {
    let pfn = this.freeList.pop();
    if (pfn === undefined) {
      if (this.bump >= this.ramEndPfn)
        throw new PfnlabError("allocPage", "ramSize", this.ramPages * PAGE_SIZE, "is all in use (out of memory)");
      pfn = this.bump++;
    }
    let page = this.pages.get(pfn);
    if (page) {
      page.generation++;
      page.refcount = 1;
      page.mapcount = 0;
      page.use = use;
    } else {
      page = { pfn, refcount: 1, mapcount: 0, generation: 1, use };
      this.pages.set(pfn, page);
    }
    this.allocated[use]++;
    return page;
  }

  /** __free_page(): the page must have no references left besides the caller's one. */
  freePage(page: Page): void {
    this.checkPage("freePage", page);
    if (page.use === "free") throw new PfnlabError("freePage", "page", page.pfn, "is already free (double free)");
    if (page.refcount > 1 || page.mapcount > 0) {
      throw new PfnlabError(
        "freePage",
        "page",
        page.pfn,
        `is still referenced (refcount ${page.refcount}, mapcount ${page.mapcount}); free only the last reference`,
      );
    }
    this.release(page);
  }

  /** get_page(). */
  getPage(page: Page, n = 1): void {
    this.checkPage("getPage", page);
    if (page.use === "free") throw new PfnlabError("getPage", "page", page.pfn, "is free (use after free)");
    page.refcount += n;
  }

  /** put_page(): drops a reference; the page is freed when the count reaches zero. */
  putPage(page: Page, n = 1): void {
    this.checkPage("putPage", page);
    if (page.use === "free" || page.refcount < n) {
      throw new PfnlabError("putPage", "page", page.pfn, `has refcount ${page.refcount}, which cannot drop by ${n}`);
    }
    page.refcount -= n;
    if (page.refcount === 0) this.release(page);
  }

  private release(page: Page): void {
    if (page.use !== "free") this.allocated[page.use]--;
    page.refcount = 0;
    page.mapcount = 0;
    page.use = "free";
    this.freeList.push(page.pfn);
  }

  /** A struct page of this RAM (page objects are never copied). */
  private checkPage(fn: string, page: unknown): asserts page is Page {
    const p = page as Page | null;
    if (typeof p !== "object" || p === null || typeof p.pfn !== "number" || this.pages.get(p.pfn) !== p) {
      throw new PfnlabError(fn, "page", page, "is not a struct page of this kernel (kernel.allocPage())");
    }
  }

  /** pfn_to_page() for an allocated RAM page, else undefined. */
  pageOf(pfn: number): Page | undefined {
    const p = this.pages.get(pfn);
    return p && p.use !== "free" ? p : undefined;
  }

  /** struct page of a RAM pfn, allocated or not (pfn_valid()). */
  anyPageOf(pfn: number): Page | undefined {
    return this.pages.get(pfn);
  }

  addIoRegion(opts: AddIoRegionOptions): IoRegion {
    const fn = "addIoRegion";
    if (typeof opts !== "object" || opts === null)
      throw new PfnlabError(fn, "options", opts, "must be an object { name, size, align? }");
    for (const k of Object.keys(opts)) {
      if (k !== "name" && k !== "size" && k !== "align")
        throw new PfnlabError(fn, "options", opts, `has an unknown option ${k} (known: name, size, align)`);
    }
    if (typeof opts.name !== "string" || opts.name === "")
      throw new PfnlabError(fn, "name", opts.name, "must be a non-empty string");
    checkSize(fn, "size", opts.size);
    if (opts.size > 2 ** 52)
      throw new PfnlabError(fn, "size", opts.size, "is larger than the physical address space (2^52 bytes)");
    const align = opts.align ?? 2 ** Math.ceil(Math.log2(opts.size));
    if (!isPow2(align) || align < PAGE_SIZE || align > 2 ** 52)
      throw new PfnlabError(fn, "align", align, "must be a power of two in [PAGE_SIZE, 2^52]");
    if (this.regions.some((r) => r.name === opts.name && r.state === "active"))
      throw new PfnlabError(fn, "name", opts.name, "is already used by an active region");
    const startPfn = this.placeRegion(opts.size / PAGE_SIZE, align / PAGE_SIZE);
    const region: IoRegion = {
      id: this.nextRegionId++,
      name: opts.name,
      startPfn,
      nrPages: opts.size / PAGE_SIZE,
      size: opts.size,
      align,
      generation: 1,
      state: "active",
    };
    this.regions.push(region);
    return region;
  }

  /** Lowest free pfn >= ioBasePfn aligned to alignPages with room for nrPages. */
  private placeRegion(nrPages: number, alignPages: number): number {
    const busy = [
      ...this.regions.filter((r) => r.state === "active").map((r) => [r.startPfn, r.startPfn + r.nrPages]),
      ...this.retired.map((r) => [r.startPfn, r.startPfn + r.nrPages]),
    ].sort((a, b) => a[0] - b[0]);
    let cand = Math.ceil(this.ioBasePfn / alignPages) * alignPages;
    for (const [s, e] of busy) {
      if (cand + nrPages <= s) break;
      if (cand < e) cand = Math.ceil(e / alignPages) * alignPages;
    }
    if (cand + nrPages > 2 ** 40)
      throw new PfnlabError(
        "addIoRegion",
        "size",
        nrPages * PAGE_SIZE,
        "finds no room below 2^52 bytes of physical address space",
      );
    return cand;
  }

  /** A device reset: the BAR stays put but what was behind it is gone. */
  resetIoRegion(region: IoRegion): void {
    this.checkActive("resetIoRegion", region);
    region.generation++;
  }

  /** The BAR is reassigned elsewhere (e.g. PCI rescan): the old pfns are retired. */
  moveIoRegion(region: IoRegion): number {
    this.checkActive("moveIoRegion", region);
    const newStart = this.placeRegion(region.nrPages, region.align / PAGE_SIZE);
    this.retired.push({ region, startPfn: region.startPfn, nrPages: region.nrPages, generation: region.generation });
    region.startPfn = newStart;
    region.generation++;
    return newStart;
  }

  /** Hot-unplug: the region's pfns are retired and no longer backed. */
  removeIoRegion(region: IoRegion): void {
    this.checkActive("removeIoRegion", region);
    this.retired.push({ region, startPfn: region.startPfn, nrPages: region.nrPages, generation: region.generation });
    region.state = "removed";
    region.generation++;
  }

  private checkActive(fn: string, region: IoRegion): void {
    if (!this.regions.includes(region))
      throw new PfnlabError(fn, "region", region, "is not a region of this kernel (kernel.addIoRegion())");
    if (region.state !== "active") throw new PfnlabError(fn, "region", region.name, `is ${region.state}`);
  }

  /** Active region containing pfn, if any. */
  regionOf(pfn: number): IoRegion | undefined {
    for (const r of this.regions)
      if (r.state === "active" && pfn >= r.startPfn && pfn < r.startPfn + r.nrPages) return r;
    return undefined;
  }

  describePfn(pfn: number): PfnInfo {
    if (typeof pfn !== "number") throw new PfnlabError("describePfn", "pfn", pfn, "must be a number");
    if (this.isRamPfn(pfn)) {
      const page = this.pageOf(pfn);
      return page ? { kind: "ram", page } : { kind: "ram-unallocated", pfn };
    }
    const r = this.regionOf(pfn);
    if (r) return { kind: "io", region: r, offset: pfn - r.startPfn, generation: r.generation };
    for (let i = this.retired.length - 1; i >= 0; i--) {
      const t = this.retired[i];
      if (pfn >= t.startPfn && pfn < t.startPfn + t.nrPages)
        return { kind: "retired-io", retired: t, offset: pfn - t.startPfn };
    }
    return { kind: "none", pfn };
  }

  /** Whether [pfn, pfn+nr) lies inside RAM or inside one active IO region. */
  rangeBacked(pfn: number, nr: number): boolean {
    if (!Number.isInteger(pfn) || pfn < 0) return false;
    if (this.isRamPfn(pfn) && this.isRamPfn(pfn + nr - 1)) return true;
    const r = this.regionOf(pfn);
    return r !== undefined && pfn + nr <= r.startPfn + r.nrPages;
  }
}
