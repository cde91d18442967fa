/**
 * scale: map a 128 GiB BAR with 4 KiB, 2 MiB or 1 GiB leaves, then walk it with one
 * followPfnmapStart/End per leaf; time both and count the page-table bytes against
 * the floor any x86-64 4-level table needs for the same mapping:
 *   leaf entries * 8 bytes + the upper-level table pages (4 KiB each).
 * A table page is 4 KiB whatever it holds, so the floor counts the levels above the
 * leaves in whole pages. (With 1 GiB leaves, the 128 leaf entries fill a quarter of
 * one PUD page: there the page granularity, not the model, sets the ratio.)
 * Also reported: the host memory the model really uses per table page (typed arrays
 * plus objects), measured around the mapping after a forced GC when available.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { PAGE_SIZE, PUD_SIZE } from "../mm/constants";
import { followPfnmapArgs } from "../mm/follow-args";
import { followPfnmapEnd, followPfnmapStart } from "../mm/follow";
import { mmapReadLock, mmapReadUnlock } from "../mm/mmap-lock";
import { emptyBar, LEAF_BYTES, LEAF_KINDS, LEAF_LABEL, mapLeaves, type BarWorld, type LeafKind } from "./bar-world";
import { median, row, timeMs, type BenchOptions, type BenchReport, type BenchRow, type Benchmark } from "./harness";

const GOAL = 1.1;
const FULL_BYTES = 128 * PUD_SIZE;
const QUICK_BYTES = PUD_SIZE;

/** Page-table pages a 4-level x86-64 table needs at least for `bytes` mapped from a 1 GiB aligned start. */
export function minTablePages(
  leaf: LeafKind,
  bytes: number,
): { leafEntries: number; upperPages: number; leafPages: number } {
  const leafEntries = bytes / LEAF_BYTES[leaf];
  const pte = leaf === "pte" ? Math.ceil(leafEntries / 512) : 0;
  const pmd = leaf === "pud" ? 0 : Math.ceil(bytes / PUD_SIZE);
  const pud = Math.ceil(bytes / (512 * PUD_SIZE));
  const pgd = 1;
  const leafPages = leaf === "pte" ? pte : leaf === "pmd" ? pmd : pud;
  return { leafEntries, leafPages, upperPages: pte + pmd + pud + pgd - leafPages };
}

/** The floor in bytes: 8 per leaf entry plus whole upper-level table pages. */
export function floorBytes(leaf: LeafKind, bytes: number): number {
  const m = minTablePages(leaf, bytes);
  return m.leafEntries * 8 + m.upperPages * PAGE_SIZE;
}

/** Page-table bytes the model holds for mm (its per-level counters, in 4 KiB pages). */
export function tableBytes(w: BarWorld): number {
  const c = w.mm.pgtableCounts;
  return (c.pgd + c.pud + c.pmd + c.pte) * PAGE_SIZE;
}

/** One lookup per leaf; throws when a leaf maps the wrong pfn. Returns the leaves seen. */
export function walkLeaves(w: BarWorld): number {
  const size = LEAF_BYTES[w.leaf];
  const step = size / PAGE_SIZE;
  const args = followPfnmapArgs(w.vma, w.vma.vmStart);
  let n = 0;
  mmapReadLock(w.mm);
  for (let a = w.vma.vmStart; a < w.vma.vmEnd; a += size) {
    args.address = a;
    if (followPfnmapStart(args) !== 0) throw new Error(`scale: lookup failed at ${a}: ${args.reason}`);
    if (args.pfn !== w.bar.startPfn + n * step)
      throw new Error(`scale: leaf ${n} maps pfn ${args.pfn}, expected ${w.bar.startPfn + n * step}`);
    followPfnmapEnd(args);
    n++;
  }
  mmapReadUnlock(w.mm);
  return n;
}

let gcFn: (() => void) | null | undefined;
/** A full GC, when V8 lets us have one (it does unless flags are locked). */
function gc(): boolean {
  if (gcFn === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      gcFn = runInNewContext("gc") as () => void;
    } catch {
      gcFn = null;
    }
  }
  if (!gcFn) return false;
  // Freed ArrayBuffers are released by a background sweeper: a few rounds let the
  // previous world's table pages leave the count before we read it.
  for (let i = 0; i < 3; i++) gcFn();
  return true;
}

function hostBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

interface Sample {
  mapMs: number;
  walkMs: number;
  bytes: number;
  hostBytes: number | null;
}

function once(leaf: LeafKind, bytes: number): Sample {
  const w = emptyBar(leaf, bytes);
  const haveGc = gc();
  const before = hostBytes();
  const mapMs = timeMs(() => mapLeaves(w));
  const host = haveGc && gc() ? hostBytes() - before : null;
  let seen = 0;
  const walkMs = timeMs(() => {
    seen = walkLeaves(w);
  });
  if (seen !== w.leaves) throw new Error(`scale: walked ${seen} leaves, mapped ${w.leaves}`);
  const pt = tableBytes(w);
  const counted = w.k.physmem.allocated.pagetable * PAGE_SIZE;
  if (pt !== counted) throw new Error(`scale: mm counts ${pt} page-table bytes but physmem holds ${counted}`);
  return { mapMs, walkMs, bytes: pt, hostBytes: host };
}

function measureLeaf(leaf: LeafKind, opts: BenchOptions): BenchRow[] {
  const bytes = opts.quick ? QUICK_BYTES : FULL_BYTES;
  // The 4 KiB case maps 32M entries: fewer repetitions keep the run short.
  const reps = opts.quick ? 1 : leaf === "pte" ? Math.min(3, opts.reps) : opts.reps;
  const samples: Sample[] = [];
  for (let i = 0; i < reps; i++) samples.push(once(leaf, bytes));
  const kase = `${bytes / PUD_SIZE} GiB BAR, ${LEAF_LABEL[leaf]} leaves`;
  const leaves = bytes / LEAF_BYTES[leaf];
  const floor = floorBytes(leaf, bytes);
  const pt = samples[0]!.bytes;
  const hosts = samples.map((s) => s.hostBytes).filter((x): x is number => x !== null);
  const tablePages = pt / PAGE_SIZE;
  const m = minTablePages(leaf, bytes);
  const extra: Record<string, number> = {
    leaves,
    bytesMapped: bytes,
    tablePages,
    floorBytes: floor,
    entryBytes: leaves * 8,
    minTablePages: m.leafPages + m.upperPages,
    ratioToMinTablePages: tablePages / (m.leafPages + m.upperPages),
  };
  if (hosts.length > 0) extra.hostBytesPerTablePage = Math.round(median(hosts) / tablePages);
  const bytesRow = row(
    "scale",
    kase,
    "page-table bytes",
    samples.map((s) => s.bytes),
    {
      ratio: pt / floor,
      ratioOf: "of floor",
      goal: `<= ${GOAL}x floor`,
      extra,
    },
  );
  bytesRow.met = bytesRow.ratio! <= GOAL;
  return [
    row(
      "scale",
      kase,
      "ms to map",
      samples.map((s) => s.mapMs),
      { extra: { leaves, nsPerLeaf: (median(samples.map((s) => s.mapMs)) * 1e6) / leaves } },
    ),
    row(
      "scale",
      kase,
      "ms to walk",
      samples.map((s) => s.walkMs),
      { extra: { leaves, nsPerLeaf: (median(samples.map((s) => s.walkMs)) * 1e6) / leaves } },
    ),
    bytesRow,
  ];
}

export const scaleBenchmark: Benchmark = {
  name: "scale",
  description: "map and walk a 128 GiB BAR with 4 KiB, 2 MiB and 1 GiB leaves; page-table bytes vs the floor",
  run(opts: BenchOptions): BenchReport {
    const rows: BenchRow[] = [];
    for (const leaf of LEAF_KINDS) {
      opts.log(`scale: ${leaf} leaves`);
      rows.push(...measureLeaf(leaf, opts));
    }
    return {
      name: "scale",
      description: this.description,
      rows,
      notes: [
        "map: remap_pfn_range for 4 KiB leaves (one call), vmf_insert_pfn_pmd/pud per leaf for 2 MiB / 1 GiB; " +
          "walk: one plain followPfnmapStart/End per leaf, pfn checked",
        "floor = leaf entries * 8 B + upper-level table pages * 4 KiB; with 1 GiB leaves a 128 GiB BAR fills a quarter " +
          "of one PUD page, so page granularity, not the model, sets that ratio (the model allocates the minimum number of table pages in every case)",
      ],
      seconds: 0,
    };
  },
};
