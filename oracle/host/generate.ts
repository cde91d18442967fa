/**
 * Seeded generation of oracle sequences. Each sequence maps one to three vmas (remap_pfn_range,
 * huge_fault with VM_PFNMAP, huge_fault with VM_MIXEDMAP with or without VM_IO, or anonymous
 * memory) shaped for a leaf level (PUD, PMD or PTE: lengths, vma alignment and device offsets
 * that fit, or just miss), then touches, looks up (inside, at vm_start, vm_end - 1, at vm_end,
 * below vm_start, in and around touched leaves), zaps parts of leaves, unmaps file ranges and
 * munmaps (whole vmas or a head or tail). The model runs alongside so that later operations
 * pick live vmas and touched leaves. Same seed, same sequences.
 *
 * Every vma sits in a 512 GiB slot (one PGD entry) of its own or shared only with the
 * sequence's other vmas, far from the guest program's text and stack, so the page tables
 * the case creates are exactly the ones VmPTE adds.
 */
import { VM_IO, VM_PFNMAP, VM_WRITE } from "../../src/mm/index";
import type { AlignRule, MapKind, Op, Sequence } from "./cases";
import { DEVICE_PAGES, ModelSession } from "./model-run";

const K4 = 4096;
const M2 = 2 ** 21;
const G1 = 2 ** 30;
const SLOT = 2 ** 39;

/** mulberry32: a small deterministic PRNG. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    weighted: <T>(xs: readonly [T, number][]): T => {
      const total = xs.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [x, w] of xs) if ((r -= w) < 0) return x;
      return xs[xs.length - 1][0];
    },
  };
}
type Rng = ReturnType<typeof rng>;

interface Shape {
  addrOffset: number;
  len: number;
  pgoff: number;
}

/** A vma shaped for `leaf`: sometimes aligned so the leaf fits, sometimes just off. */
function shape(r: Rng, leaf: "pud" | "pmd" | "pte" | "remap"): Shape {
  let len: number, addrOffset: number, pgoff: number;
  if (leaf === "pud") {
    len = r.pick([G1, G1, 2 * G1, G1 + M2, G1 + 16 * K4, 2 * G1 + 4 * M2]);
    addrOffset = r.weighted([
      [0, 6],
      [M2 * (1 + r.int(511)), 2],
      [K4 * (1 + r.int(511)), 1],
    ]);
    pgoff = r.weighted([
      [0, 4],
      [G1 / K4, 2],
      [512 * (1 + r.int(511)), 2],
      [1 + r.int(511), 1],
    ]);
  } else if (leaf === "pmd") {
    len = M2 * (1 + r.int(6)) + r.pick([0, 0, 0, K4 * (1 + r.int(16))]);
    addrOffset =
      M2 * r.int(500) +
      r.weighted([
        [0, 6],
        [K4 * (1 + r.int(511)), 2],
      ]);
    pgoff =
      512 * r.int(1800) +
      r.weighted([
        [0, 6],
        [1 + r.int(511), 2],
      ]);
  } else if (leaf === "pte") {
    len = K4 * (1 + r.int(64));
    addrOffset = K4 * r.int(1 << 18);
    pgoff = r.int(DEVICE_PAGES - 64);
  } else {
    len = K4 * r.pick([1, 2 + r.int(15), 511, 512, 513, 1024 + r.int(200)]);
    addrOffset = r.pick([M2 * r.int(500), K4 * r.int(1 << 18)]);
    pgoff = r.int(DEVICE_PAGES - 2000);
  }
  if (pgoff + len / K4 > DEVICE_PAGES) pgoff = DEVICE_PAGES - len / K4;
  return { addrOffset, len, pgoff };
}

interface Live {
  touched: number[];
}

/** An address in [lo, hi), page aligned or not. */
function addrIn(r: Rng, lo: number, hi: number, aligned: boolean): number {
  const a = lo + Math.floor(r.next() * (hi - lo));
  return aligned ? Math.floor(a / K4) * K4 : a;
}

function followAddr(r: Rng, start: number, end: number, live: Live): number {
  const near = live.touched.filter((t) => t >= start && t < end);
  return r.weighted<() => number>([
    [
      () => {
        const t = r.pick(near);
        const span = r.pick([K4, M2, G1]);
        return Math.floor(t / span) * span + r.int(span);
      },
      near.length ? 60 : 0,
    ],
    [() => addrIn(r, start, end, false), 14],
    [() => end, 4],
    [() => end - 1 - r.int(K4), 5],
    [() => Math.max(0x10000, start - 1 - r.int(0x10000)), 3],
    [() => start, 5],
    [() => addrIn(r, start, end, true), 6],
  ])();
}

/** Generate `count` sequences from `seed`. */
export function generate(seed: number, count: number): Sequence[] {
  const r = rng(seed);
  const seqs: Sequence[] = [];
  const slots = Array.from({ length: 200 }, (_, i) => i + 1);
  for (let id = 1; id <= count; id++) {
    const session = new ModelSession();
    const ops: Op[] = [];
    const live: Live = { touched: [] };
    const push = (o: Op) => {
      ops.push(o);
      const res = session.apply(o);
      if (o.op === "touch" && res.sig === 0) live.touched.push(o.addr);
    };
    const nv = r.weighted([
      [1, 5],
      [2, 4],
      [3, 2],
    ]);
    let slot = r.pick(slots);
    const usedGiB = new Set<number>();
    for (let v = 0; v < nv; v++) {
      if (v > 0 && r.next() < 0.6) slot = r.pick(slots);
      let g = 4 * r.int(60);
      while (usedGiB.has(slot * 1000 + g)) g = 4 * r.int(60);
      usedGiB.add(slot * 1000 + g);
      const base = slot * SLOT + g * G1;
      const kind = r.weighted<MapKind | "anon">([
        ["huge", 6],
        ["remap", 2],
        ["mixed", 3],
        ["anon", 1],
      ]);
      if (kind === "anon") {
        push({ op: "anon", addr: base + K4 * r.int(512), len: K4 * (1 + r.int(16)) });
        continue;
      }
      const rule = r.pick<AlignRule>(["v6.12", "pfn", "align-down"]);
      const leaf =
        kind === "remap"
          ? "remap"
          : r.weighted<"pud" | "pmd" | "pte">([
              ["pud", 3],
              ["pmd", 4],
              ["pte", 2],
            ]);
      const s = shape(r, leaf);
      push({ op: "mode", kind, rule, io: kind !== "mixed" || r.next() < 0.6 });
      push({ op: "mmap", addr: base + s.addrOffset, len: s.len, pgoff: s.pgoff, rw: r.next() < 0.75 });
    }
    const nops = 12 + r.int(14);
    for (let n = 0; n < nops; n++) {
      const vmas = session.mm.vmas;
      if (vmas.length === 0) break;
      const v = r.pick(vmas);
      const isDev = (v.vmFlags & (VM_IO | VM_PFNMAP)) !== 0 || !!v.vmFile;
      const what = r.weighted<Op["op"]>([
        ["touch", live.touched.length < 3 ? 45 : 22],
        ["follow", 48],
        ["zap", 8],
        ["umr", isDev ? 5 : 0],
        ["munmap", 3],
      ]);
      if (what === "touch") {
        // Mostly reads; writes to writable vmas, and now and then to a read-only one (SIGSEGV).
        const write = r.next() < ((v.vmFlags & VM_WRITE) !== 0 ? 0.35 : 0.08);
        // vfio's huge_fault wants the fault address aligned to the leaf (except align-down): touch aligned spots often.
        const span = r.weighted([
          [G1, 2],
          [M2, 3],
          [1, 3],
        ]);
        const lo = Math.ceil(v.vmStart / span) * span;
        const addr =
          lo < v.vmEnd && span > 1
            ? lo + span * r.int(Math.max(1, Math.floor((v.vmEnd - lo) / span)))
            : addrIn(r, v.vmStart, v.vmEnd, false);
        push({ op: "touch", addr: Math.min(addr, v.vmEnd - 1), write });
      } else if (what === "follow") {
        push({ op: "follow", vma: addrIn(r, v.vmStart, v.vmEnd, true), addr: followAddr(r, v.vmStart, v.vmEnd, live) });
      } else if (what === "zap") {
        const near = live.touched.filter((t) => t >= v.vmStart && t < v.vmEnd);
        const at =
          near.length && r.next() < 0.7
            ? Math.floor(r.pick(near) / K4) * K4 - K4 * r.int(4)
            : addrIn(r, v.vmStart, v.vmEnd, true);
        const start = Math.max(v.vmStart, at);
        const size = r.pick([K4, K4 * (1 + r.int(64)), M2, M2 + K4 * r.int(8), v.vmEnd - start]);
        push({ op: "zap", vma: v.vmStart, addr: start, size: Math.max(K4, size) });
      } else if (what === "umr") {
        const first = v.vmPgoff + r.int(v.size / K4);
        const begin = first * K4 + (r.next() < 0.15 ? r.int(K4) : 0);
        push({ op: "umr", begin, len: r.pick([0, K4, K4 * (1 + r.int(600)), M2, G1]) });
      } else {
        const unit = r.pick([K4, M2, G1].filter((u) => u < v.size));
        if (!unit || r.next() < 0.4) push({ op: "munmap", addr: v.vmStart, len: v.size });
        else if (r.next() < 0.5)
          push({ op: "munmap", addr: v.vmStart, len: unit * (1 + r.int(Math.max(1, Math.floor(v.size / unit) - 1))) });
        else {
          const cut = v.vmEnd - unit * (1 + r.int(Math.max(1, Math.floor(v.size / unit) - 1)));
          push({ op: "munmap", addr: cut, len: v.vmEnd - cut });
        }
      }
    }
    seqs.push({ id, ops });
  }
  return seqs;
}

/**
 * Page-table bytes vs BAR size (notebook 03): one 1 GiB BAR mapped three ways and fully
 * faulted in: remap_pfn_range (4 KiB leaves), huge_fault with the BAR 2 MiB- but not
 * 1 GiB-aligned in the device (so the PUD fault falls back: 2 MiB leaves, one touch per
 * 2 MiB), huge_fault aligned (one 1 GiB leaf). A lookup at the end names the leaf.
 */
export const BAR_SEQUENCES: { id: number; leaf: "pte" | "pmd" | "pud"; barBytes: number }[] = [
  { id: 9001, leaf: "pte", barBytes: G1 },
  { id: 9002, leaf: "pmd", barBytes: G1 },
  { id: 9003, leaf: "pud", barBytes: G1 },
];

export function barSequences(): Sequence[] {
  const addr = 220 * SLOT;
  const seqs: Sequence[] = [];
  for (const b of BAR_SEQUENCES) {
    const ops: Op[] = [];
    if (b.leaf === "pte") {
      ops.push(
        { op: "mode", kind: "remap", rule: "pfn", io: true },
        { op: "mmap", addr, len: b.barBytes, pgoff: 0, rw: true },
      );
    } else {
      ops.push(
        { op: "mode", kind: "huge", rule: "pfn", io: true },
        { op: "mmap", addr, len: b.barBytes, pgoff: b.leaf === "pmd" ? 512 : 0, rw: true },
      );
      const step = b.leaf === "pmd" ? M2 : G1;
      for (let a = addr; a < addr + b.barBytes; a += step) ops.push({ op: "touch", addr: a, write: false });
    }
    ops.push({ op: "follow", vma: addr, addr: addr + b.barBytes - 1 });
    seqs.push({ id: b.id, ops });
  }
  return seqs;
}
