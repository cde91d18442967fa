/**
 * One step's result, in the same shape for the model and for the guest, and the
 * comparison of the two. Field by field what is compared:
 *  - every op: `rc` (0 or -errno), and `pte`: page-table kB of the case's own mappings
 *    (kernel: VmPTE now minus VmPTE at the start of the sequence; model: 4 KiB per PUD,
 *    PMD and PTE table page, the pgd not counted, as mm_pgtables_bytes() does not);
 *  - touch: `sig`, the signal the access raised (0, SIGBUS 7, SIGSEGV 11);
 *  - follow: `vma` (a vma was found), `rc`, `stop` (where a walk of the address ends,
 *    i.e. why the lookup failed or which leaf it found), and when rc is 0: `pfnOff` (pfn
 *    minus the device's first pfn), `w` (writable), `sp` (special), `lock` (the lock
 *    start() returned holding), `prot` (the pgprot bits present, RW, USER, PWT, PCD and
 *    PSE-or-4K-PAT: mask 0x9f; accessed/dirty are left out: the CPU sets them on access, the
 *    model does not).
 */
export type LockClass = "none" | "page_table_lock" | "pmd_ptlock" | "pte_ptlock" | "other";
export type Stop =
  | "no-vma"
  | "outside"
  | "not-pfnmap"
  | "p4d-none"
  | "pud-none"
  | "pmd-none"
  | "pte-none"
  | "pud-leaf"
  | "pmd-leaf"
  | "pte-leaf"
  | "other";

export interface StepResult {
  i: number;
  op: string;
  rc: number;
  pte: number;
  sig?: number;
  vma?: boolean;
  stop?: Stop;
  pfnOff?: number;
  w?: boolean;
  sp?: boolean;
  lock?: LockClass;
  /** pgprot & PROT_COMPARED. */
  prot?: number;
  /** Model only: the pfn offset a linear mapping gives (vm_pgoff + page index); pfnOff differs on a misaligned v6.12 leaf. */
  linearPfnOff?: number;
  /** Model only: an exception (bad input the kernel would BUG on). */
  threw?: string;
}

/** _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_PWT | _PAGE_PCD | _PAGE_PSE (bit 7: PAT on a 4 KiB pte). */
export const PROT_COMPARED = 0x9f;

export const LOCK_CODES: LockClass[] = ["none", "page_table_lock", "pmd_ptlock", "pte_ptlock", "other"];
export const STOP_CODES: Stop[] = [
  "no-vma",
  "outside",
  "not-pfnmap",
  "p4d-none",
  "pud-none",
  "pmd-none",
  "pte-none",
  "pud-leaf",
  "pmd-leaf",
  "pte-leaf",
];

/** The fields of a step that must agree, as [name, model, kernel] for those that differ. */
export function diffStep(model: StepResult, kernel: StepResult): [string, unknown, unknown][] {
  const out: [string, unknown, unknown][] = [];
  const cmp = (name: keyof StepResult) => {
    if (model[name] !== kernel[name]) out.push([name, model[name], kernel[name]]);
  };
  if (model.op !== kernel.op) return [["op", model.op, kernel.op]];
  if (model.threw) out.push(["threw", model.threw, "-"]);
  cmp("rc");
  cmp("pte");
  if (model.op === "touch") cmp("sig");
  if (model.op === "follow") {
    cmp("vma");
    cmp("stop");
    if (model.rc === 0 && kernel.rc === 0 && model.vma) {
      cmp("pfnOff");
      cmp("w");
      cmp("sp");
      cmp("lock");
      cmp("prot");
    }
  }
  return out;
}

/** Parse the guest's "@o {...}" lines into results per sequence, plus the header. */
export interface GuestOutput {
  uname: string;
  basePfn: number;
  nrPages: number;
  done: boolean;
  seqs: Map<number, StepResult[]>;
  exits: Map<number, number>;
  errors: string[];
}

export function parseGuestOutput(text: string): GuestOutput {
  const g: GuestOutput = {
    uname: "",
    basePfn: 0,
    nrPages: 0,
    done: false,
    seqs: new Map(),
    exits: new Map(),
    errors: [],
  };
  const base = new Map<number, number>();
  for (const raw of text.split("\n")) {
    const at = raw.indexOf("@o {");
    if (at < 0) continue;
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(raw.slice(at + 3).trim());
    } catch {
      g.errors.push(`unparsable line: ${raw.slice(0, 200)}`);
      continue;
    }
    if (typeof j.uname === "string") {
      g.uname = j.uname;
      g.basePfn = Number(j.base_pfn);
      g.nrPages = Number(j.nr_pages);
      if (!j.dev) g.errors.push("the guest could not open /dev/pfnoracle");
      continue;
    }
    if (j.done) {
      g.done = true;
      continue;
    }
    if (typeof j.error === "string") {
      g.errors.push(j.error);
      continue;
    }
    const q = Number(j.q);
    if (j.exit !== undefined) {
      g.exits.set(q, Number(j.exit));
      continue;
    }
    const i = Number(j.i);
    if (j.op === "start") {
      base.set(q, Number(j.pte));
      g.seqs.set(q, []);
      continue;
    }
    if (i < 0) continue; // warm-up step
    const r: StepResult = { i, op: String(j.op), rc: Number(j.rc ?? 0), pte: Number(j.pte) - (base.get(q) ?? 0) };
    if (j.op === "touch") {
      r.sig = Number(j.sig);
      r.rc = 0;
    }
    if (j.op === "follow") {
      r.vma = j.vma === 1;
      r.stop = STOP_CODES[Number(j.stop)] ?? "other";
      if (r.vma && r.rc === 0) {
        r.pfnOff = Number(j.pfn) - g.basePfn;
        r.w = j.w === 1;
        r.sp = j.sp === 1;
        r.lock = LOCK_CODES[Number(j.lock)] ?? "other";
        r.prot = Number(j.prot) & PROT_COMPARED;
      }
      if (Number(j.ioctl) !== 0) g.errors.push(`seq ${q} step ${i}: PO_FOLLOW ioctl failed (${String(j.ioctl)})`);
    }
    g.seqs.get(q)?.push(r);
  }
  return g;
}
