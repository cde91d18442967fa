/**
 * The pfn sanitizer: KASAN's idea applied to pfns that leave the page table. It watches
 * every pfn a caller or a secondary MMU (IOMMU, KVM shadow/EPT entry) holds, and
 * classifies a run by the worst thing the *caller* did with memory:
 *
 *   ok              the pfn was still what the address maps when it was used
 *   einval          the lookup failed (nothing usable mapped there), or the caller refused
 *                   the pfn it got and failed cleanly (`discard`: -EFAULT, -EINVAL)
 *   retried         the caller noticed an invalidation and looked up again; a stale pfn
 *                   it dropped on the way is no harm and counts here
 *   stale-pfn       the caller used, kept or installed a pfn that the address no longer
 *                   maps (the memory behind it is still the same)
 *   use-after-free  an access touched memory that is no longer what was looked up: the
 *                   RAM page was freed (and maybe reused), or the BAR was reset, moved
 *                   or removed since the pfn was mapped at that address
 *   misuse          an API rule was broken (from the Checker: lockdep, follow_pfnmap rules)
 *
 * Two levels. A *lookup* that returns a pfn the address no longer maps (the v6.12
 * follow_pfnmap_start() recheck bug) is a lookup-level event: it is recorded in the
 * trace as "lookup stale-pfn" and tallied by `lookupEvents()`, but it says nothing yet
 * about harm. What the caller does next decides the run's class: a retry that drops the
 * pfn (KVM's mmu_invalidate_retry_gfn, an interval notifier's read_retry) is `retried`;
 * an access through it is judged as any access; a stale pfn the caller keeps (a hold,
 * an spte, an IOMMU entry never used) or walks away with is `stale-pfn`; one it refuses
 * on an error path (`discard`) is a clean failure, `einval`.
 *
 * "The memory behind a pfn" is identified by the physmem generation (physmem.ts): a RAM
 * page's generation changes when it is freed and reused, an IO region's on reset or move.
 * A hold remembers the generation the memory had when it was mapped at the looked-up
 * address (the sanitizer snapshots it when the scenario maps it, `trackMapped`), falling
 * back to the generation at lookup time, so a lookup that returns an already-stale pfn
 * after the memory changed is still caught at the access.
 */
import type { Kernel } from "../mm/mm-types";
import { hex } from "../mm/constants";
import type { TraceEvent } from "../sched/trace";
import { currentPfnAt, identityOf } from "./pfn-identity";
import {
  type AccessKind,
  type BackingIdentity,
  formatSanitizerEvent,
  type LookupSite,
  type PfnHold,
  type PfnOutcome,
  type SanitizerEvent,
} from "./pfn-events";

export * from "./pfn-events";
export { currentPfnAt } from "./pfn-identity";

const NO_NOTES: readonly { text: string; event: TraceEvent }[] = Object.freeze([]);

/** A stale pfn a task got from a lookup and has neither used, kept, dropped nor refused yet. */
interface PendingStale {
  pfn: number;
  seq: number;
}

export class Sanitizer {
  readonly events: SanitizerEvent[] = [];
  readonly holds: PfnHold[] = [];
  private readonly mapped = new Map<string, BackingIdentity>();
  private readonly seen: PfnOutcome[] = [];
  /** Stale lookups per task that the task has not acted on yet. */
  private readonly pending = new Map<string, PendingStale>();
  private staleLookups = 0;
  private staleDropped = 0;
  private seq = 0;
  private nextHold = 1;

  constructor(readonly kernel: Kernel) {}

  /** What the memory at pfn is now. */
  identity(pfn: number): BackingIdentity {
    return identityOf(this.kernel, pfn);
  }

  /** Snapshot the memory behind [pfn, pfn+nr) as it is when the scenario maps it. */
  trackMapped(pfn: number, nr = 1): void {
    const seenKeys = new Set<string>();
    for (let i = 0; i < nr; i++) {
      const id = identityOf(this.kernel, pfn + i);
      if (id.memory === "io" && seenKeys.has(id.key)) continue; // one entry per region
      seenKeys.add(id.key);
      this.mapped.set(id.key, id);
    }
  }

  /** Events not yet copied into the scheduler's trace (see `takeNotes`). */
  private unnoted = 0;

  /** The events recorded since the last call, as trace notes: the event as data and its printed line. */
  takeNotes(): readonly { text: string; event: TraceEvent }[] {
    if (this.unnoted === this.events.length) return NO_NOTES; // after most steps: no array made
    const out = this.events.slice(this.unnoted).map((e) => {
      const event: TraceEvent = { source: "sanitizer", kind: e.kind, outcome: e.outcome, detail: e.detail };
      return { text: formatSanitizerEvent(event), event };
    });
    this.unnoted = this.events.length;
    return out;
  }

  private record(e: Omit<SanitizerEvent, "seq" | "callerLevel">, callerLevel = true): void {
    this.events.push({ seq: ++this.seq, ...e, callerLevel });
    if (callerLevel) this.classAdd(e.outcome);
  }

  private classAdd(c: PfnOutcome | null): void {
    if (c && c !== "ok" && !this.seen.includes(c)) this.seen.push(c);
  }

  /** The task's pending stale pfn, taken off the list when it matches `pfn` (any pfn when undefined). */
  private takePending(task: string, pfn?: number): PendingStale | null {
    const p = this.pending.get(task);
    if (!p || (pfn !== undefined && p.pfn !== pfn)) return null;
    this.pending.delete(task);
    return p;
  }

  /**
   * Record a finished lookup. -errno -> einval (the caller got an error: a run class);
   * a success whose pfn the address no longer maps -> stale-pfn, a lookup-level event
   * that waits for what the caller does with the pfn; else ok.
   */
  lookup(task: string, holder: string, site: LookupSite, ret: number, pfn?: number): PfnOutcome {
    if (ret !== 0 || pfn === undefined) {
      this.record({
        task,
        kind: "lookup",
        holder,
        address: site.address,
        outcome: "einval",
        detail: `lookup of ${hex(site.address)} failed (${ret})`,
      });
      return "einval";
    }
    const now = currentPfnAt(site.mm, site.address);
    if (now !== pfn) {
      this.record(
        {
          task,
          kind: "lookup",
          holder,
          pfn,
          address: site.address,
          outcome: "stale-pfn",
          detail: `lookup of ${hex(site.address)} returned pfn ${hex(pfn)} but the page table maps ${now === null ? "nothing" : hex(now)} there now`,
        },
        false,
      );
      this.staleLookups++;
      if (this.pending.has(task)) this.classAdd("stale-pfn"); // an earlier stale pfn is overwritten unhandled
      this.pending.set(task, { pfn, seq: this.seq });
      return "stale-pfn";
    }
    const id = identityOf(this.kernel, pfn);
    if (!this.mapped.has(id.key) || this.mapped.get(id.key)!.generation !== id.generation) this.mapped.set(id.key, id);
    this.record({
      task,
      kind: "lookup",
      holder,
      pfn,
      address: site.address,
      outcome: "ok",
      detail: `pfn ${hex(pfn)} mapped at ${hex(site.address)}`,
    });
    return "ok";
  }

  /**
   * The caller noticed an invalidation (seq moved, recheck differed) and will look up
   * again: whatever pfn it got is dropped, a stale one included.
   */
  retried(task: string, holder: string, why: string): PfnOutcome {
    const p = this.takePending(task);
    // A stale pfn dropped by this retry: the one just looked up, or one kept unused in a hold (generic_access_phys' ioremap).
    if (p || this.holds.some((h) => h.task === task && h.fromStaleLookup && !h.used && !h.released))
      this.staleDropped++;
    this.record({
      task,
      kind: "retry",
      holder,
      outcome: "retried",
      detail: p ? `${why}; drops the stale pfn ${hex(p.pfn)} of lookup #${p.seq}` : why,
    });
    return "retried";
  }

  /**
   * The caller refuses the pfn it looked up on an error path (a read-only pfn for a
   * write, RAM where only IO is allowed, a non-special entry), uses nothing and fails
   * cleanly: einval.
   */
  discard(task: string, holder: string, why: string): PfnOutcome {
    const p = this.takePending(task);
    this.record({
      task,
      kind: "discard",
      holder,
      pfn: p?.pfn,
      outcome: "einval",
      detail: p ? `${why}; the stale pfn ${hex(p.pfn)} of lookup #${p.seq} is dropped unused` : why,
    });
    return "einval";
  }

  /** A caller or secondary MMU keeps `pfn` (looked up at `site`) beyond the lookup. */
  hold(task: string, holder: string, pfn: number, site: LookupSite | null): PfnHold {
    const now = identityOf(this.kernel, pfn);
    const atMap = this.mapped.get(now.key);
    const identity = atMap ?? now;
    const stale = this.takePending(task, pfn) !== null;
    const h: PfnHold = {
      id: this.nextHold++,
      holder,
      task,
      pfn,
      site,
      identity,
      released: false,
      fromStaleLookup: stale,
      used: false,
    };
    this.holds.push(h);
    this.record({
      task,
      kind: "hold",
      holder,
      pfn,
      address: site?.address,
      outcome: null,
      detail: `holds pfn ${hex(pfn)} (${identity.text})${stale ? ", from a stale lookup" : ""}`,
    });
    return h;
  }

  /** The holder drops the pfn (IOMMU unmap, spte zap, end of a copy). */
  release(h: PfnHold, task: string): void {
    if (h.released) return;
    h.released = true;
    this.record({
      task,
      kind: "release",
      holder: h.holder,
      pfn: h.pfn,
      outcome: null,
      detail: `drops pfn ${hex(h.pfn)}`,
    });
  }

  /**
   * The caller rechecked under the page-table lock that its address still maps h.pfn
   * (generic_access_phys' second lookup): the hold now stands for the memory mapped
   * there today. A recheck that itself returned a stale pfn confirms nothing: the hold
   * then carries that stale lookup.
   */
  reconfirm(h: PfnHold): boolean {
    if (this.takePending(h.task, h.pfn)) h.fromStaleLookup = true;
    if (!h.site || currentPfnAt(h.site.mm, h.site.address) !== h.pfn) return false;
    h.identity = identityOf(this.kernel, h.pfn);
    return true;
  }

  /** What an access through `h` would be now, without recording it. */
  judge(h: PfnHold, how: AccessKind = "cpu-read"): { outcome: PfnOutcome; detail: string } {
    const now = identityOf(this.kernel, h.pfn);
    const same = now.key === h.identity.key && now.generation === h.identity.generation && now.live && h.identity.live;
    if (!same) {
      const detail = `${how} of pfn ${hex(h.pfn)} by ${h.holder}: was ${h.identity.text}, now ${now.text}`;
      // Bookkeeping touches no memory: the worst it can be is stale.
      return { outcome: how === "bookkeeping" ? "stale-pfn" : "use-after-free", detail };
    }
    if (h.site) {
      const mappedNow = currentPfnAt(h.site.mm, h.site.address);
      if (mappedNow !== h.pfn) {
        return {
          outcome: "stale-pfn",
          detail: `${how} of pfn ${hex(h.pfn)} by ${h.holder}: ${hex(h.site.address)} now maps ${mappedNow === null ? "nothing" : hex(mappedNow)}`,
        };
      }
    }
    return { outcome: "ok", detail: `${how} of pfn ${hex(h.pfn)} by ${h.holder}` };
  }

  /** Use the held pfn now: classify and record. */
  access(h: PfnHold, task: string, how: AccessKind = "cpu-read"): PfnOutcome {
    const j = this.judge(h, how);
    h.used = true;
    this.record({
      task,
      kind: "access",
      holder: h.holder,
      pfn: h.pfn,
      address: h.site?.address,
      outcome: j.outcome,
      detail: j.detail,
    });
    return j.outcome;
  }

  /** A secondary MMU found no translation (IOMMU fault, EPT violation): nothing was touched. */
  fault(task: string, holder: string, detail: string): void {
    this.record({ task, kind: "fault", holder, outcome: null, detail });
  }

  /**
   * The run's outcome classes, by what the callers did, in the order found: every non-ok
   * class seen at caller level; "stale-pfn" when a task still has a stale lookup it never
   * acted on, or keeps a hold from a stale lookup that it never used or dropped; plus
   * "misuse" when the checker has reports. Empty means every lookup and access was ok.
   */
  outcomes(): string[] {
    const out: string[] = [...this.seen];
    const kept = this.pending.size > 0 || this.holds.some((h) => h.fromStaleLookup && !h.used && !h.released);
    if (kept && !out.includes("stale-pfn")) out.push("stale-pfn");
    if (this.kernel.checker.violations.length > 0 && !out.includes("misuse")) out.push("misuse");
    return out;
  }

  /**
   * Lookup-level events of the run that are not run classes by themselves, as tally
   * keys: "lookup:stale-pfn" when some lookup returned a stale pfn, and
   * "lookup:stale-pfn-dropped" when a retry dropped one.
   */
  lookupEvents(): string[] {
    const out: string[] = [];
    if (this.staleLookups > 0) out.push("lookup:stale-pfn");
    if (this.staleDropped > 0) out.push("lookup:stale-pfn-dropped");
    return out;
  }

  /** Counts of each class over all recorded verdicts, lookups included (for tables). */
  counts(): Record<PfnOutcome, number> {
    const c = {
      ok: 0,
      einval: 0,
      retried: 0,
      "stale-pfn": 0,
      "use-after-free": 0,
      misuse: this.kernel.checker.violations.length,
    } as Record<PfnOutcome, number>;
    for (const e of this.events) if (e.outcome) c[e.outcome]++;
    return c;
  }

  /** The events as text lines. */
  report(): string[] {
    return this.events.map(
      (e) =>
        `#${e.seq} [${e.task}] ${e.kind}${e.outcome ? ` ${e.outcome}` : ""}${e.callerLevel ? "" : " (lookup-level)"}: ${e.detail}`,
    );
  }
}
