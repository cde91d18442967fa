/**
 * lookups: followPfnmapStart/End pairs per second (the plain form, mmap_lock held for
 * read around the loop, one args struct reused as a kernel caller reuses its stack
 * struct) on PTE, PMD and PUD leaves, against the minimal typed-array walk of
 * mini-walk.ts over the same addresses, alternated in the same process.
 * Goal (issue 4): at least half the baseline's speed.
 */
import { PAGE_SIZE, PUD_SIZE } from "../mm/constants";
import { PAGE_SHARED } from "../mm/pte";
// Straight from their modules, not through mm/index: its re-exports are getters, and a
// getter call per lookup would be charged to the function being measured.
import { followPfnmapArgs } from "../mm/follow-args";
import { followPfnmapEnd, followPfnmapStart } from "../mm/follow";
import { mmapReadLock, mmapReadUnlock } from "../mm/mmap-lock";
import { Prng } from "../sched/prng";
import { LEAF_BYTES, LEAF_KINDS, LEAF_LABEL, mapBar, type BarWorld, type LeafKind } from "./bar-world";
import { paired, row, timeMs, type BenchOptions, type BenchReport, type BenchRow, type Benchmark } from "./harness";
import { MiniPageTable } from "./mini-walk";

const GOAL = 0.5;
/** Distinct addresses looked up in a cycle (a power of two). */
const ADDRS = 4096;

interface Sizes {
  /** Bytes mapped per leaf kind. */
  bytes: Record<LeafKind, number>;
  /** Pairs per sample. */
  pairs: number;
}

function sizes(quick: boolean): Sizes {
  return quick
    ? { bytes: { pte: 64 * PAGE_SIZE, pmd: 4 * LEAF_BYTES.pmd, pud: 2 * PUD_SIZE }, pairs: 2000 }
    : { bytes: { pte: 16 * 2 ** 20, pmd: 2 * PUD_SIZE, pud: 16 * PUD_SIZE }, pairs: 1_000_000 };
}

/** ADDRS addresses spread over the vma, each at a random page offset inside its leaf. */
export function lookupAddresses(w: BarWorld, seed = 1): Float64Array {
  const rng = new Prng(seed);
  const pages = (w.vma.vmEnd - w.vma.vmStart) / PAGE_SIZE;
  const out = new Float64Array(ADDRS);
  for (let i = 0; i < ADDRS; i++) out[i] = w.vma.vmStart + rng.int(pages) * PAGE_SIZE + rng.int(PAGE_SIZE / 8) * 8;
  return out;
}

/** The model's loop: returns the sum of the pfns found (so the work cannot be skipped). */
export function modelLookups(w: BarWorld, addrs: Float64Array, pairs: number): number {
  const args = followPfnmapArgs(w.vma, w.vma.vmStart);
  const mask = addrs.length - 1;
  let sum = 0;
  mmapReadLock(w.mm);
  for (let i = 0; i < pairs; i++) {
    args.address = addrs[i & mask]!;
    if (followPfnmapStart(args) !== 0) throw new Error(`lookups: start failed at ${args.address}: ${args.reason}`);
    sum += args.pfn;
    followPfnmapEnd(args);
  }
  mmapReadUnlock(w.mm);
  return sum;
}

/** The same mapping in the minimal table (same vas, pfns and leaf sizes). */
export function miniTableFor(w: BarWorld): MiniPageTable {
  const t = new MiniPageTable();
  const leafPages = (LEAF_BYTES[w.leaf] / PAGE_SIZE) as 1 | 512 | 262144;
  t.map(w.vma.vmStart, w.bar.startPfn, (w.vma.vmEnd - w.vma.vmStart) / PAGE_SIZE, leafPages, PAGE_SHARED);
  return t;
}

export function baselineLookups(t: MiniPageTable, addrs: Float64Array, pairs: number): number {
  const mask = addrs.length - 1;
  let sum = 0;
  for (let i = 0; i < pairs; i++) {
    const pfn = t.walk(addrs[i & mask]!);
    if (pfn < 0) throw new Error(`lookups: baseline walk failed at ${addrs[i & mask]}`);
    sum += pfn;
  }
  return sum;
}

interface LeafSetup {
  leaf: LeafKind;
  w: BarWorld;
  addrs: Float64Array;
  mini: MiniPageTable;
}

function prepare(leaf: LeafKind, s: Sizes): LeafSetup {
  const w = mapBar(leaf, s.bytes[leaf]);
  const addrs = lookupAddresses(w);
  const mini = miniTableFor(w);
  // Both loops must find the same pfns, or the comparison is meaningless.
  const check = Math.min(s.pairs, ADDRS);
  const a = modelLookups(w, addrs, check);
  const b = baselineLookups(mini, addrs, check);
  if (a !== b) throw new Error(`lookups: model and baseline disagree on ${leaf} leaves (pfn sums ${a} vs ${b})`);
  return { leaf, w, addrs, mini };
}

function measure(c: LeafSetup, s: Sizes, opts: BenchOptions): BenchRow {
  const rate = (ms: number) => s.pairs / (ms / 1000);
  const { a: model, b: base } = paired(
    opts.reps,
    () => rate(timeMs(() => modelLookups(c.w, c.addrs, s.pairs))),
    () => rate(timeMs(() => baselineLookups(c.mini, c.addrs, s.pairs))),
  );
  const r = row("lookups", `${c.leaf.toUpperCase()} leaves (${LEAF_LABEL[c.leaf]})`, "pairs/s", model, {
    baselineSamples: base,
    baselineName: "typed-array 4-level walk",
    goal: `>= ${GOAL} of baseline`,
    extra: { leaves: c.w.leaves, pairsPerSample: s.pairs, distinctAddresses: ADDRS },
  });
  r.met = r.ratio! >= GOAL;
  return r;
}

export const lookupsBenchmark: Benchmark = {
  name: "lookups",
  description: "followPfnmapStart/End pairs per second vs a minimal typed-array 4-level walk",
  run(opts: BenchOptions): BenchReport {
    const s = sizes(opts.quick);
    const setups = LEAF_KINDS.map((leaf) => prepare(leaf, s));
    // Warm both loops up on every leaf kind before measuring any: the JIT then compiles
    // each for all three paths, as a real caller sees them, and the measuring order
    // does not favour the first kind measured.
    if (!opts.quick) {
      for (const c of setups) {
        modelLookups(c.w, c.addrs, s.pairs);
        baselineLookups(c.mini, c.addrs, s.pairs);
      }
    }
    const rows: BenchRow[] = [];
    for (const c of setups) {
      opts.log(`lookups: ${c.leaf} leaves`);
      rows.push(measure(c, s, opts));
    }
    return {
      name: "lookups",
      description: this.description,
      rows,
      notes: [
        "model: plain followPfnmapStart(args) + followPfnmapEnd(args) with mmap_lock held for read, one args reused, " +
          "all checker bookkeeping on; baseline: the same walk over one Float64Array (indexed reads, present/huge " +
          "checks, pfn arithmetic), no locks or checks; both warmed up on all three leaf kinds first",
      ],
      seconds: 0,
    };
  },
};
