/**
 * What the memory behind a pfn is now (physmem's generation of a RAM page or IO region)
 * and which pfn an address maps now: the two facts the sanitizer compares a hold against.
 */
import { hex } from "../mm/constants";
import type { Kernel, Mm } from "../mm/mm-types";
import { lookupLeaf } from "../mm/pagetable";
import { entryPfn, leafPfn } from "../mm/pte";
import type { BackingIdentity } from "./pfn-events";

/** What occupies `pfn`'s memory now, with the generation a later access is compared against. */
export function identityOf(k: Kernel, pfn: number): BackingIdentity {
  const info = k.physmem.describePfn(pfn);
  switch (info.kind) {
    case "ram":
      return {
        memory: "ram",
        key: `ram:${pfn}`,
        generation: info.page.generation,
        live: true,
        text: `RAM page ${hex(pfn)} generation ${info.page.generation} (${info.page.use})`,
      };
    case "ram-unallocated": {
      const p = k.physmem.anyPageOf(pfn);
      return {
        memory: "ram",
        key: `ram:${pfn}`,
        generation: p ? p.generation : 0,
        live: false,
        text: `free RAM page ${hex(pfn)}`,
      };
    }
    case "io":
      return {
        memory: "io",
        key: `io:${info.region.id}`,
        generation: info.generation,
        live: true,
        text: `${info.region.name} generation ${info.generation}`,
      };
    case "retired-io":
      return {
        memory: "io",
        key: `io:${info.retired.region.id}`,
        generation: info.retired.generation,
        live: false,
        text: `retired range of ${info.retired.region.name} (BAR moved or removed)`,
      };
    default:
      return { memory: "none", key: "none", generation: 0, live: false, text: `pfn ${hex(pfn)} backs no memory` };
  }
}

/** The pfn `address` maps now through mm's page table (leaf base + offset), or null. */
export function currentPfnAt(mm: Mm, address: number): number | null {
  const hit = lookupLeaf(mm, address);
  return hit.leaf && hit.level !== "pgd" ? leafPfn(entryPfn(hit.value), hit.level, address) : null;
}
