/**
 * The pfn sanitizer's vocabulary as data: the outcome classes a run can get, the kinds of
 * use of a held pfn, what occupies a pfn's memory, a hold, and the events the sanitizer
 * records (a trace prints them with `formatSanitizerEvent`; nothing parses them back).
 * Callers and secondary MMUs (notifiers/) name these types without the sanitizer itself.
 */
import type { Mm } from "../mm/mm-types";
import type { TraceEvent } from "../sched/trace";

export type PfnOutcome = "ok" | "einval" | "retried" | "stale-pfn" | "use-after-free" | "misuse";

/** Every outcome class, mild to severe (the order figures use). */
export const PFN_OUTCOMES: readonly PfnOutcome[] = ["ok", "einval", "retried", "stale-pfn", "use-after-free", "misuse"];

/** Outcome classes that are bugs (a stale pfn, a use after free, a broken API rule): figures emphasise them. */
export function isBugOutcome(o: PfnOutcome | string | null): boolean {
  return o === "stale-pfn" || o === "use-after-free" || o === "misuse";
}

/** Kinds of use of a held pfn. */
export type AccessKind =
  | "cpu-read" // a kernel CPU read through an ioremap or the direct map
  | "cpu-write"
  | "dma-read" // a device reading through the IOMMU
  | "dma-write"
  | "guest-read" // a vCPU through KVM's shadow/EPT entry
  | "guest-write"
  | "bookkeeping"; // no memory touched (PAT memtype tracking): stale at worst

/** What occupies a pfn's memory now. */
export interface BackingIdentity {
  /** RAM, an IO region, or no memory at all. */
  memory: "ram" | "io" | "none";
  /** "ram:<pfn>" or "io:<region id>"; "none" outside any memory. */
  key: string;
  generation: number;
  /** False when the RAM page is free or the IO range retired. */
  live: boolean;
  text: string;
}

/** Where a pfn was looked up (a hold without one is never "stale", only maybe freed). */
export interface LookupSite {
  mm: Mm;
  address: number;
}

/** One pfn held by a caller or secondary MMU. */
export interface PfnHold {
  readonly id: number;
  /** Who holds it, e.g. "iommu iova 0x100000" or "kvm spte gfn 0x10". */
  readonly holder: string;
  readonly task: string;
  readonly pfn: number;
  readonly site: LookupSite | null;
  /** The memory the pfn stood for when it was mapped at the site (refreshed by `reconfirm`). */
  identity: BackingIdentity;
  released: boolean;
  /** The pfn came from a lookup that was already stale when it returned. */
  fromStaleLookup: boolean;
  /** Accessed at least once (a kept stale hold that was never used still counts). */
  used: boolean;
}

/** A sanitizer event as a trace line: "sanitizer: lookup stale-pfn: ...". */
export function formatSanitizerEvent(e: TraceEvent): string {
  return `sanitizer: ${e.kind}${e.outcome ? ` ${e.outcome}` : ""}: ${e.detail}`;
}

export interface SanitizerEvent {
  seq: number;
  task: string;
  kind: "lookup" | "retry" | "hold" | "access" | "release" | "fault" | "discard";
  holder: string;
  pfn?: number;
  address?: number;
  outcome: PfnOutcome | null;
  /** False for lookup-level verdicts (a stale lookup) that do not classify the run by themselves. */
  callerLevel: boolean;
  detail: string;
}
