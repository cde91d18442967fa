/**
 * The simulated kernel: owns physical memory, the Checker, the trace, the mms, and the
 * sync context (one Task "main") that plain calls run in. `createKernel(options)` is
 * the entry point of the mm model.
 */
import { Checker, type CheckerMode } from "../base/checker";
import type { Steps, Task } from "../sched/effect";
import { createSyncTask, runSteps, type SyncContext } from "../sched/sync";
import { hex } from "./constants";
import { PfnlabError } from "./model-error";
import { checkInteger } from "./validate";
import { AddressSpace } from "./mapping";
import { Mm } from "./mm";
import { PhysMem, type AddIoRegionOptions, type IoRegion, type Page, type PfnInfo } from "./physmem";
import type { FollowPfnmapVariant, ResolvedKernelOptions, TraceEntry } from "./mm-types";
export type { FollowPfnmapVariant, ResolvedKernelOptions, TraceEntry } from "./mm-types";
import type * as MmTypes from "./mm-types";

export interface KernelOptions {
  /**
   * Huge pfnmap support per level: CONFIG_ARCH_SUPPORTS_PMD_PFNMAP / _PUD_PFNMAP
   * (x86-64 has both since v6.12). When false, vmf_insert_pfn_pmd/pud return
   * VM_FAULT_FALLBACK and the vfio-like device falls back to smaller leaves.
   * Default { pmd: true, pud: true }.
   */
  hugePfnmap?: { pmd?: boolean; pud?: boolean };
  /**
   * Which follow_pfnmap_start() to run: "v6.12" (the recheck under the lock looks at
   * the value read before the lock; see follow.ts) or "fixed" (current mm/memory.c,
   * after ffef67b93aa3). Default "fixed".
   */
  followPfnmapVariant?: FollowPfnmapVariant;
  /** "record" (default): reports pile up in kernel.checker; "throw": the first report throws. */
  checkerMode?: CheckerMode;
  /** Use this Checker instead of a new one (e.g. shared with a scheduler). */
  checker?: Checker;
  /**
   * CONFIG_SPLIT_PTE_PTLOCKS / CONFIG_SPLIT_PMD_PTLOCKS: per-table-page ptlocks. When off,
   * pte_lockptr()/pmd_lockptr() fall back to mm->page_table_lock. Default both true.
   */
  splitPtlocks?: { pte?: boolean; pmd?: boolean };
  /** Bytes of RAM (page tables and anonymous pages come from it). Default 16 GiB. */
  ramSize?: number;
  /** Trace entries kept (oldest dropped first). Default 10000. */
  traceLimit?: number;
}

const KNOWN_OPTIONS = [
  "hugePfnmap",
  "followPfnmapVariant",
  "checkerMode",
  "checker",
  "splitPtlocks",
  "ramSize",
  "traceLimit",
];

/** An object of booleans with only `keys` (hugePfnmap, splitPtlocks); missing keys take `d`. */
function levelFlags<K extends string>(name: string, v: unknown, keys: readonly K[], d: boolean): Record<K, boolean> {
  const out = {} as Record<K, boolean>;
  for (const key of keys) out[key] = d;
  if (v === undefined) return out;
  const shape = `an object { ${keys.map((key) => `${key}?: boolean`).join(", ")} }`;
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new PfnlabError("createKernel", name, v, `must be ${shape}`);
  for (const key of Object.keys(v))
    if (!(keys as readonly string[]).includes(key))
      throw new PfnlabError("createKernel", name, v, `has an unknown key ${key}; it must be ${shape}`);
  for (const key of keys) {
    const b = (v as Record<string, unknown>)[key];
    if (b === undefined) continue;
    if (typeof b !== "boolean") throw new PfnlabError("createKernel", `${name}.${key}`, b, "must be a boolean");
    out[key] = b;
  }
  return out;
}

function resolveOptions(o: KernelOptions): ResolvedKernelOptions {
  if (typeof o !== "object" || o === null || Array.isArray(o))
    throw new PfnlabError("createKernel", "options", o, "must be an object");
  for (const k of Object.keys(o))
    if (!KNOWN_OPTIONS.includes(k))
      throw new PfnlabError(
        "createKernel",
        "options",
        o,
        `has an unknown option ${k} (known: ${KNOWN_OPTIONS.join(", ")})`,
      );
  const variant = o.followPfnmapVariant ?? "fixed";
  if (variant !== "v6.12" && variant !== "fixed")
    throw new PfnlabError("createKernel", "followPfnmapVariant", variant, `must be "v6.12" or "fixed"`);
  const mode = o.checkerMode ?? "record";
  if (mode !== "record" && mode !== "throw")
    throw new PfnlabError("createKernel", "checkerMode", mode, `must be "record" or "throw"`);
  if (o.checker !== undefined && !(o.checker instanceof Checker))
    throw new PfnlabError(
      "createKernel",
      "checker",
      o.checker,
      "must be a Checker (new Checker(), or another kernel's kernel.checker)",
    );
  const traceLimit = o.traceLimit ?? 10000;
  if (typeof traceLimit !== "number" || !Number.isSafeInteger(traceLimit) || traceLimit < 0)
    throw new PfnlabError("createKernel", "traceLimit", traceLimit, "must be a non-negative integer");
  return {
    hugePfnmap: levelFlags("hugePfnmap", o.hugePfnmap, ["pmd", "pud"] as const, true),
    followPfnmapVariant: variant,
    checkerMode: mode,
    splitPtlocks: levelFlags("splitPtlocks", o.splitPtlocks, ["pte", "pmd"] as const, true),
    ramSize: o.ramSize ?? 16 * 2 ** 30,
    traceLimit,
  };
}

export class Kernel implements MmTypes.Kernel {
  readonly options: ResolvedKernelOptions;
  readonly physmem: PhysMem;
  readonly checker: Checker;
  /** Context of plain calls: task "main". */
  readonly ctx: SyncContext;
  readonly trace: TraceEntry[] = [];
  readonly mms: Mm[] = [];
  private seq = 0;
  private nextMmId = 1;

  constructor(options: KernelOptions = {}) {
    this.options = resolveOptions(options);
    this.physmem = new PhysMem(this.options.ramSize);
    this.checker = options.checker ?? new Checker(this.options.checkerMode);
    if (options.checker && options.checkerMode) this.checker.mode = options.checkerMode;
    this.ctx = { task: createSyncTask("main"), checker: this.checker };
  }

  /**
   * Run a stepwise function as a plain call in task "main" (or the given context). `fn`
   * names the called function in errors (the model's plain forms pass theirs, e.g.
   * "munmap"); without it the call is named "run", the function the user called.
   */
  run<T>(steps: Steps<T>, ctx: SyncContext = this.ctx, fn = "run"): T {
    if (typeof steps !== "object" || steps === null || typeof steps.next !== "function")
      throw new PfnlabError("run", "steps", steps, "must be a stepwise call (what a *Steps function returns)");
    if (
      typeof ctx !== "object" ||
      ctx === null ||
      typeof ctx.task !== "object" ||
      ctx.task === null ||
      !Array.isArray(ctx.task.held)
    )
      throw new PfnlabError("run", "ctx", ctx, "must be a plain-call context (kernel.ctx or kernel.createContext())");
    if (typeof fn !== "string" || fn === "")
      throw new PfnlabError("run", "fn", fn, "must be a non-empty string (the called function, named in errors)");
    return runSteps(steps, ctx, fn);
  }

  /** Another context for plain calls (a second "CPU" that never runs concurrently). */
  createContext(name: string, id = 1): SyncContext {
    if (typeof name !== "string" || name === "")
      throw new PfnlabError("createContext", "name", name, "must be a non-empty string");
    checkInteger("createContext", "id", id);
    return { task: createSyncTask(name, id), checker: this.checker };
  }

  /** Append to the trace (the model's printk). */
  note(fn: string, task: Task | string, reason: string, extra: { address?: number; ret?: number } = {}): void {
    if (this.options.traceLimit === 0) return;
    this.trace.push({ seq: ++this.seq, fn, task: typeof task === "string" ? task : task.name, reason, ...extra });
    if (this.trace.length > this.options.traceLimit) this.trace.splice(0, this.trace.length - this.options.traceLimit);
  }

  /** The trace as text lines. */
  traceText(last = 50): string {
    if (typeof last !== "number" || !(last >= 0))
      throw new PfnlabError("traceText", "last", last, "must be a number >= 0");
    return this.trace
      .slice(-last)
      .map(
        (e) =>
          `#${e.seq} [${e.task}] ${e.fn}${e.address !== undefined ? ` @${hex(e.address)}` : ""}: ${e.reason}${e.ret !== undefined ? ` -> ${e.ret}` : ""}`,
      )
      .join("\n");
  }

  createMm(name?: string): Mm {
    if (name !== undefined && (typeof name !== "string" || name === ""))
      throw new PfnlabError("createMm", "name", name, "must be a non-empty string");
    const id = this.nextMmId++;
    const mm = new Mm(this, id, name ?? `mm${id}`);
    this.mms.push(mm);
    return mm;
  }

  /** A file's address_space (e.g. a device inode's i_mapping, as vfio-pci uses). */
  createAddressSpace(name: string): AddressSpace {
    if (typeof name !== "string" || name === "")
      throw new PfnlabError("createAddressSpace", "name", name, "must be a non-empty string");
    return new AddressSpace(this, name);
  }

  /** Place a PCI BAR-like IO region (no struct pages). Returns its pfn range. */
  addIoRegion(opts: AddIoRegionOptions): IoRegion {
    return this.physmem.addIoRegion(opts);
  }
  /** Device reset: the region keeps its pfns but its generation changes. */
  resetIoRegion(region: IoRegion): void {
    this.physmem.resetIoRegion(region);
  }
  /** BAR reassigned: new pfns, old ones retired; returns the new start pfn. */
  moveIoRegion(region: IoRegion): number {
    return this.physmem.moveIoRegion(region);
  }
  removeIoRegion(region: IoRegion): void {
    this.physmem.removeIoRegion(region);
  }

  /** alloc_page(GFP_KERNEL): a RAM page with refcount 1. */
  allocPage(): Page {
    return this.physmem.allocPage("kernel");
  }
  /** __free_page(): throws if other references or mappings remain. */
  freePage(page: Page): void {
    this.physmem.freePage(page);
  }
  getPage(page: Page): void {
    this.physmem.getPage(page);
  }
  putPage(page: Page): void {
    this.physmem.putPage(page);
  }

  describePfn(pfn: number): PfnInfo {
    return this.physmem.describePfn(pfn);
  }
}

/** Create a simulated kernel. See {@link KernelOptions} for the options and defaults. */
export function createKernel(options: KernelOptions = {}): Kernel {
  return new Kernel(options);
}
