/**
 * The model's whole observable state as plain data, to compare before and after a call
 * that threw ("an error leaves the model exactly as it was"): every mm's vmas, every live
 * page-table page with its entries and child links, every lock with its holders (mmap_lock,
 * page_table_lock, the split ptlocks, i_mmap_rwsem of mapped files), the active
 * follow_pfnmap lookups, the plain contexts' held-lock lists, and physical memory
 * (allocated pages with their counts, IO regions, retired ranges).
 *
 * Left out on purpose: the trace and the checker's reports (a failed call may log why),
 * and the order of the free-page pool (which free page the next allocation gets is the
 * allocator's business, not state a caller can see).
 */
import type { Kernel } from "../../src/mm/kernel";
import type { Lock } from "../../src/sched/lock";
import type { PageTablePage } from "../../src/mm/mm-types";
import type { Task } from "../../src/sched/effect";

function lockState(l: Lock | null | undefined): string[] {
  if (!l) return [];
  return [...l.holders.entries()].map(([t, m]) => `${t.name}:${m}`);
}

function tableState(t: PageTablePage): unknown {
  const entries: [number, number][] = [];
  for (let i = 0; i < t.entries.length; i++) if (t.entries[i] !== 0) entries.push([i, t.entries[i]]);
  const children: [number, number][] = [];
  if (t.children)
    t.children.forEach((c, i) => {
      if (c) children.push([i, c.pfn]);
    });
  const ptl = (t as unknown as { lockObj: Lock | null }).lockObj;
  return { level: t.level, base: t.base, pfn: t.pfn, freed: t.freed, entries, children, ptl: lockState(ptl) };
}

/** Tables reachable through child links (present or not, so a dangling child shows up too). */
function tablesOf(root: PageTablePage): PageTablePage[] {
  const out: PageTablePage[] = [];
  const seen = new Set<PageTablePage>();
  const visit = (t: PageTablePage) => {
    if (seen.has(t)) return;
    seen.add(t);
    out.push(t);
    if (t.children) for (const c of t.children) if (c) visit(c);
  };
  visit(root);
  return out;
}

function heldState(task: Task): string[] {
  return task.held.map((h) => `${h.lock.name}:${h.mode}@${h.site}`);
}

export function modelSnapshot(k: Kernel, extraTasks: Task[] = []): unknown {
  const pm = k.physmem as unknown as {
    pages: Map<number, { pfn: number; refcount: number; mapcount: number; use: string; generation: number }>;
  };
  const pages = [...pm.pages.values()]
    .filter((p) => p.use !== "free")
    .map((p) => [p.pfn, p.refcount, p.mapcount, p.use, p.generation])
    .sort((a, b) => (a[0] as number) - (b[0] as number));
  const files = new Set<{ name: string; mapping: { iMmap: Set<unknown>; iMmapRwsem: Lock } }>();
  return {
    mms: k.mms.map((mm) => {
      for (const v of mm.vmas) if (v.vmFile) files.add(v.vmFile as never);
      return {
        name: mm.name,
        dead: mm.dead,
        vmas: mm.vmas.map((v) => ({
          id: v.id,
          start: v.vmStart,
          end: v.vmEnd,
          flags: v.vmFlags,
          prot: v.vmPageProt,
          pgoff: v.vmPgoff,
          name: v.name,
          detached: v.detached,
          ops: v.vmOps?.name ?? null,
          file: v.vmFile?.name ?? null,
        })),
        pgtableCounts: { ...mm.pgtableCounts },
        tables: tablesOf(mm.pgd).map(tableState),
        mmapLock: lockState(mm.mmapLock),
        pageTableLock: lockState(mm.pageTableLock),
        active: mm.activeLookups.map((l) => ({
          address: l.address,
          task: l.taskName,
          vma: l.vma.id,
          state: (l as { state?: string }).state,
        })),
        notifiers: mm.notifierSubscriptions
          ? { list: mm.notifierSubscriptions.list.length, itree: mm.notifierSubscriptions.itree.length }
          : null,
      };
    }),
    files: [...files].map((f) => ({
      name: f.name,
      iMmap: [...f.mapping.iMmap].map((v) => (v as { id: number }).id),
      lock: lockState(f.mapping.iMmapRwsem),
    })),
    held: [k.ctx.task, ...extraTasks].map((t) => ({ task: t.name, held: heldState(t) })),
    physmem: {
      allocated: { ...k.physmem.allocated },
      pages,
      regions: k.physmem.regions.map((r) => ({
        name: r.name,
        start: r.startPfn,
        nr: r.nrPages,
        state: r.state,
        generation: r.generation,
      })),
      retired: k.physmem.retired.map((r) => ({
        region: r.region.name,
        start: r.startPfn,
        nr: r.nrPages,
        generation: r.generation,
      })),
    },
  };
}
