/**
 * Oracle cases: sequences of user-space operations on /dev/pfnoracle (see
 * oracle/module/pfnoracle.c), written one per line for the guest runner
 * (oracle/guest/runner.c) and replayed on the model by model-run.ts.
 */

/** How the device maps a vma: remap_pfn_range at mmap, or huge_fault (VM_PFNMAP or VM_MIXEDMAP). */
export type MapKind = "remap" | "huge" | "mixed";
/** The huge_fault alignment rule (the model's VfioAlignRule). */
export type AlignRule = "v6.12" | "pfn" | "align-down";

export type Op =
  | { op: "mode"; kind: MapKind; rule: AlignRule; io: boolean }
  /** mmap(addr, len, PROT_READ[|PROT_WRITE], MAP_SHARED|MAP_FIXED_NOREPLACE, fd, pgoff pages). */
  | { op: "mmap"; addr: number; len: number; pgoff: number; rw: boolean }
  /** An anonymous private mapping (a vma without VM_IO|VM_PFNMAP). */
  | { op: "anon"; addr: number; len: number }
  /** A CPU access (a read, or a write) to one byte. */
  | { op: "touch"; addr: number; write: boolean }
  /** follow_pfnmap_start/end with args.vma = the vma containing `vma`, args.address = addr. */
  | { op: "follow"; vma: number; addr: number }
  /** zap_vma_ptes(vma containing `vma`, addr, size). */
  | { op: "zap"; vma: number; addr: number; size: number }
  /** unmap_mapping_range(file mapping, begin, len, 1). */
  | { op: "umr"; begin: number; len: number }
  | { op: "munmap"; addr: number; len: number };

export interface Sequence {
  id: number;
  ops: Op[];
}

const KIND_CODE: Record<MapKind, number> = { remap: 0, huge: 1, mixed: 2 };
const RULE_CODE: Record<AlignRule, number> = { "v6.12": 0, pfn: 1, "align-down": 2 };

const h = (n: number) => `0x${n.toString(16)}`;

/** One op as the guest runner reads it. */
export function opLine(o: Op): string {
  switch (o.op) {
    case "mode":
      return `mode ${KIND_CODE[o.kind]} ${RULE_CODE[o.rule]} ${o.io ? 1 : 0}`;
    case "mmap":
      return `mmap ${h(o.addr)} ${h(o.len)} ${h(o.pgoff)} ${o.rw ? 1 : 0}`;
    case "anon":
      return `anon ${h(o.addr)} ${h(o.len)}`;
    case "touch":
      return `touch ${h(o.addr)} ${o.write ? 1 : 0}`;
    case "follow":
      return `follow ${h(o.vma)} ${h(o.addr)}`;
    case "zap":
      return `zap ${h(o.vma)} ${h(o.addr)} ${h(o.size)}`;
    case "umr":
      return `umr ${h(o.begin)} ${h(o.len)}`;
    case "munmap":
      return `munmap ${h(o.addr)} ${h(o.len)}`;
  }
}

/** The case file: "seq N", the ops, "end", for each sequence. */
export function caseFile(seqs: Sequence[]): string {
  const out: string[] = [];
  for (const s of seqs) {
    out.push(`seq ${s.id}`);
    for (const o of s.ops) out.push(opLine(o));
    out.push("end");
  }
  return out.join("\n") + "\n";
}

const KINDS = Object.keys(KIND_CODE) as MapKind[];
const RULES = Object.keys(RULE_CODE) as AlignRule[];

/** Parse one op line back (the recorded runs store the case file). */
export function parseOpLine(line: string): Op {
  const t = line.trim().split(/\s+/);
  const n = (i: number) => Number(t[i]);
  switch (t[0]) {
    case "mode":
      return { op: "mode", kind: KINDS[n(1)], rule: RULES[n(2)], io: n(3) === 1 };
    case "mmap":
      return { op: "mmap", addr: n(1), len: n(2), pgoff: n(3), rw: n(4) === 1 };
    case "anon":
      return { op: "anon", addr: n(1), len: n(2) };
    case "touch":
      return { op: "touch", addr: n(1), write: n(2) === 1 };
    case "follow":
      return { op: "follow", vma: n(1), addr: n(2) };
    case "zap":
      return { op: "zap", vma: n(1), addr: n(2), size: n(3) };
    case "umr":
      return { op: "umr", begin: n(1), len: n(2) };
    case "munmap":
      return { op: "munmap", addr: n(1), len: n(2) };
  }
  throw new Error(`parseOpLine: unknown op ${JSON.stringify(line)}`);
}

export function parseCaseFile(text: string): Sequence[] {
  const seqs: Sequence[] = [];
  let cur: Sequence | null = null;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    if (line.startsWith("seq ")) cur = { id: Number(line.slice(4)), ops: [] };
    else if (line === "end") {
      if (cur) seqs.push(cur);
      cur = null;
    } else if (cur) cur.ops.push(parseOpLine(line));
  }
  return seqs;
}
