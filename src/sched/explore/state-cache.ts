/**
 * State caching for exhaustive dfs: a run stops at a state some earlier run already reached
 * (with at least as many preemptions left), since everything after it was explored from there.
 *
 * What a state is. The tasks are deterministic generators that cannot be copied, so a
 * task's local state is named by what determines it: its code (the task, or its symmetry
 * name) and the sequence of its steps with, for every cell each step touched
 * (footprint.ts), *which step last wrote that cell* before it (the value it saw). Each
 * step becomes an interned event number; a task's local state is its latest event. The
 * model state is not hashed from the model's objects: it is a function of the events
 * that happened, because every write records the write it followed (write-write order) and
 * every read the write it saw, so two runs with the same events per task ran the same
 * steps up to reordering independent ones (one Mazurkiewicz trace), and such runs end in
 * the same model state. The assumption is the one dpor.ts makes: footprints are sound
 * (a step touches no cell it does not declare; undeclared steps are global and read and
 * write everything, so they order themselves with every step).
 *
 * The key of a state: each task's latest event, its scheduler state (runnable, blocked,
 * done), whether it ran the last step and whether that step was cpu_relax() (eligibility
 * and, under a bound, what counts as a preemption). With a preemption bound the cache keeps
 * the most preemptions left at each state: a visit with more left is not pruned.
 *
 * Symmetry (opt in): tasks the scenario declares interchangeable (TaskSpec.symmetry: same
 * code, same parameters) enter the key as a sorted multiset, so a state and its mirror
 * image with two lookups swapped are one state. Sound for the set of outcome classes when
 * classification does not depend on which of the interchangeable tasks did what.
 *
 * Why the first failure stays the same: a dfs run reaching a cached state S has an earlier
 * run R' that reached S (or its mirror) first, and dfs explored all of S's continuations
 * right after it, so any failing continuation of the pruned run has a failing twin that
 * dfs (cached or not) runs earlier. Hence the first failing run of plain dfs is never
 * pruned, and caching reports the same first failure and outcome classes.
 *
 * Not modelled: the runaway bound (Scheduler.stepBound: steps without any task finishing)
 * counts steps, not events; a cached exploration reaches it only if plain dfs does.
 */
import type { ChoiceContext, Chooser, Scheduler } from "../scheduler";
import type { SimTask } from "../task";
import { isValueCell, PAGE_TABLES, type ValueCell } from "../effect";
import { Lock, mustWait } from "../lock";
import { footprintOf, type Footprint } from "./footprint";

const UNKNOWN = Symbol("unknown");

/** A predicted step: task `id` becomes event `head`, in state `state`, having written `writes`. */
interface Moved {
  id: number;
  head: number;
  state: string;
  writes: Map<string, number | string>;
  /** Cells without a readable value it wrote (it becomes their last writer). */
  wrote?: (object | string)[];
  /** Blocked: its place in the lock's queue. */
  queued?: number;
  /** A release that hands this lock to its first waiter (the others move up). */
  handoff?: Lock;
}

/** A blocked task's place in the queue of the lock it waits for (who gets it first). */
function queuePosition(sched: Scheduler, t: SimTask): string {
  const p = t.pending;
  if (!p || (p.kind !== "acquire" && p.kind !== "wake")) return "";
  return `${sched.waitersOf(p.lock).findIndex((w) => w.task === t.name)}`;
}

/**
 * Thrown by the chooser at a state that was explored before: the rest of this run is
 * covered. One instance, thrown again and again (an Error per cut run would capture a
 * stack each time).
 */
export class StateCached extends Error {
  static readonly instance = new StateCached();
  private constructor() {
    super("state cache: this state was explored before (run covered elsewhere)");
  }
}

const STATE_CHAR: Record<string, string> = { runnable: "r", blocked: "b", done: "d", crashed: "x" };

export interface StateCacheStats {
  /** Distinct states seen (with symmetry: up to swapping interchangeable tasks). */
  states: number;
  /** Runs cut short at a state explored before. */
  hits: number;
  /** Of the hits, alternatives not run at all (predicted to reach an explored state). */
  foreseen: number;
  /** Distinct events (task steps with what they saw). */
  events: number;
}

export class StateCache {
  /** State key -> most preemptions left at any visit. */
  private readonly seen = new Map<string, number>();
  private readonly eventIds = new Map<string, number>();
  private readonly siteIds = new Map<string, number>();
  /** Event -> what taking it did (the task's state after it, the named entries it wrote). */
  private readonly memo = new Map<number, { state: string; writes: Map<string, number | string> }>();
  /**
   * Set by wrap() for the run in progress: the key of the state one step of a task would
   * lead to, when the cache can tell without running it (else null).
   */
  predictor: ((ctx: ChoiceContext, t: SimTask) => string | null) | null = null;
  /** Runs cut short (the alternative or the state it reached was explored before). */
  hits = 0;
  /** Of those, alternatives never run: the predictor named an explored state. */
  foreseen = 0;

  /**
   * Whether the state `key` was explored with at least `left` preemptions left (a dfs
   * alternative leading there need not be run: counted as a cut run).
   */
  /**
   * With `verify` on, the run checks that the state after step `step` has key `key` (the
   * prediction dfs chose that alternative with) and throws if not: a test of the predictor.
   */
  expect(step: number, key: string | null): void {
    this.expected = key === null || !this.verify ? null : { step, key };
  }
  private expected: { step: number; key: string } | null = null;
  /** Check every prediction a run follows against the key it then computes (tests). */
  verify = false;
  /** Predictions checked so far (verify). */
  verified = 0;

  covers(key: string | null, left: number): boolean {
    if (key === null) return false;
    const had = this.seen.get(key);
    if (had === undefined || had < left) return false;
    this.hits++;
    this.foreseen++;
    return true;
  }

  constructor(
    readonly bound: number = Infinity,
    readonly symmetry = false,
  ) {}

  get stats(): StateCacheStats {
    return { states: this.seen.size, hits: this.hits, foreseen: this.foreseen, events: this.eventIds.size };
  }

  get states(): number {
    return this.seen.size;
  }

  /**
   * A chooser for one run: `inner` picks the tasks; before each step from `checkFrom` on
   * (the steps before it replay a prefix whose states were seen), the state is looked up
   * and the run stops (StateCached) when it was explored with at least as many
   * preemptions left. `groups`: per task, its symmetry name or null.
   */
  wrap(inner: Chooser, sched: Scheduler, groups: readonly (string | null | undefined)[], checkFrom: number): Chooser {
    const n = sched.tasks.length;
    const code = sched.tasks.map((t, i) => (this.symmetry && groups[i] ? `s${groups[i]}` : `t${t.id}`));
    const sym = sched.tasks.map((_t, i) => this.symmetry && !!groups[i]);
    const heads = new Int32Array(n);
    /** Fallback cells (no readable value): the event that wrote each last. */
    const lastWriter = new Map<object | string, number>();
    /** Value cells touched so far, by name (kept sorted: the digest lists them in order). */
    const tracked = new Map<string, { cell: ValueCell; initial: number | string | typeof UNKNOWN }>();
    let trackedNames: string[] = [];
    /** Latest global step, and latest step that wrote the page tables without naming the entry. */
    /** Per lock, the cells some holder of it wrote while holding it: what taking it may read. */
    const guarded = new Map<Lock, Set<object | string>>();
    let lastGlobal = 0;
    let ptEpoch = 0;
    let preempts = 0;
    let afterRelax = false;
    let pendingTask = -1;
    let pendingRec = "";
    let pendingFp: Footprint = null;

    // A named entry's value when first touched is its value in the built world if no step
    // had written page tables without naming entries yet (ptEpoch 0); otherwise unknown.
    const track = (c: ValueCell): void => {
      const name = c.stateName();
      if (tracked.has(name)) return;
      tracked.set(name, { cell: c, initial: ptEpoch === 0 ? c.stateValue() : UNKNOWN });
      trackedNames = [...trackedNames, name].sort();
    };
    // The page tables as far as the run can tell them apart: the latest step that wrote
    // them (or anything) without naming entries, and every named entry that no longer holds
    // its value in the built world. Entries still at that value are left out, so the digest
    // does not depend on which entries the run happened to touch.
    const ptDigest = (writes?: Map<string, number | string>): string => {
      let s = `p${ptEpoch}`;
      for (const name of trackedNames) {
        const t = tracked.get(name)!;
        const v = writes?.get(name) ?? t.cell.stateValue();
        if (v !== t.initial) s += `|${name}=${v}`;
      }
      return s;
    };
    // Everything a step could read: the page tables, the latest global step, and the last
    // writer of every other cell (their set names the cells' contents: each event records
    // the writes it followed).
    const worldDigest = (moved?: Moved): string => {
      const set = new Set<number>();
      for (const [c, id] of lastWriter) if (!moved?.wrote?.includes(c)) set.add(id);
      if (moved?.wrote) set.add(moved.head);
      const ws = [...set].sort((a, b) => a - b);
      return `G${lastGlobal}/${ptDigest(moved?.writes)}/${ws.join(",")}`;
    };

    // What taking `lock` lets the code right after it read: what holders of the lock wrote
    // under it (a named entry by value when it differs from the built world, any other
    // cell by its last writer) and what global steps wrote.
    const guardedBy = (lock: Lock): string => {
      let s = `${lastGlobal}`;
      const cells = guarded.get(lock);
      if (!cells) return s;
      for (const c of cells) {
        if (isValueCell(c)) {
          const t = tracked.get(c.stateName())!;
          const v = c.stateValue();
          if (v !== t.initial) s += `|${c.stateName()}=${v}`;
        } else s += `|${lastWriter.get(c) ?? 0}`;
      }
      return s;
    };

    const readsOf = (fp: Footprint, kind: string, tracking = true): string => {
      if (fp === null) return worldDigest();
      let s = "";
      for (const x of fp) {
        const c = x.cell;
        if (c instanceof Lock) {
          // Code right after taking a lock may read what the lock protects (footprint.ts):
          // the page tables and what earlier holders wrote under it. Holders and waiters
          // are not values: they follow from the tasks' histories and the waiter queues (key).
          if (kind === "acquire" || kind === "wake") s += `|A${guardedBy(c)}`;
        } else if (isValueCell(c)) {
          if (tracking) track(c);
          s += `|${x.write ? "w" : "r"}${c.stateValue()}`;
        } else if (c === PAGE_TABLES) {
          s += `|P${ptDigest()}`;
        } else {
          s += `|${x.write ? "w" : "r"}${lastWriter.get(c) ?? 0}`;
        }
      }
      return s;
    };

    // Record what event `id` (the step just taken) did, for the predictor: the task's state
    // after it and the named entries it wrote. Only for steps the predictor handles.
    const learn = (id: number): void => {
      if (pendingFp === null) return;
      const t = sched.tasks[pendingTask]!;
      const state = STATE_CHAR[t.state] ?? "?";
      // The same acquire event waits or not as the lock is busy or free: two entries.
      if (state === "b") {
        if (!this.memo.has(-id)) this.memo.set(-id, { state, writes: new Map() });
        return;
      }
      if (this.memo.has(id)) return;
      const writes = new Map<string, number | string>();
      for (const x of pendingFp) {
        const c = x.cell;
        if (x.write && isValueCell(c)) writes.set(c.stateName(), c.stateValue());
      }
      this.memo.set(id, { state, writes });
    };

    const commit = (): void => {
      if (pendingTask < 0) return;
      let id = this.eventIds.get(pendingRec);
      if (id === undefined) this.eventIds.set(pendingRec, (id = this.eventIds.size + 1));
      heads[pendingTask] = id;
      learn(id);
      if (pendingFp === null) {
        lastGlobal = id;
        ptEpoch = id;
      } else
        for (const x of pendingFp) {
          const c = x.cell;
          if (!x.write || c instanceof Lock) continue;
          if (c === PAGE_TABLES) {
            ptEpoch = id;
            continue;
          }
          if (!isValueCell(c)) lastWriter.set(c, id);
          for (const h of sched.tasks[pendingTask]!.held) {
            let cells = guarded.get(h.lock);
            if (!cells) guarded.set(h.lock, (cells = new Set()));
            cells.add(c);
          }
        }
      pendingTask = -1;
    };

    // The key of the state now, or (`moved`) of the state right after task `moved.id`
    // takes a step that becomes event `moved.head`, leaves it `moved.state` and sets the
    // named entries in `moved.writes` (a predicted successor: nobody else changes).
    const keyOf = (prev: SimTask | null, relaxed: boolean, moved?: Moved): string => {
      const fixed: string[] = [];
      const swappable: string[] = [];
      for (let i = 0; i < n; i++) {
        const t = sched.tasks[i]!;
        let state = moved?.id === i ? moved.state : (STATE_CHAR[t.state] ?? "?");
        let queued = state === "b" ? (moved?.id === i ? `${moved.queued}` : queuePosition(sched, t)) : "";
        if (moved?.handoff && state === "b" && t.pending?.kind === "acquire" && t.pending.lock === moved.handoff) {
          const at = Number(queued);
          state = at === 0 ? "r" : "b";
          queued = at === 0 ? "" : `${at - 1}`;
        }
        let r = `${code[i]}:${moved?.id === i ? moved.head : heads[i]}${state}${queued}`;
        if (t === prev) r += relaxed ? "*" : this.bound === Infinity ? "" : "^";
        (sym[i] ? swappable : fixed).push(r);
      }
      if (swappable.length > 1) swappable.sort();
      return `${fixed.join(" ")}/${swappable.join(" ")}/${worldDigest(moved)}`;
    };

    // What a step of `t` would lead to, without running it, when that is known: the step
    // (its event: what the task did before and what it would read now) was taken before
    // in some run, so its result is recorded (memo). Only steps that change nothing but
    // named entries and the task itself: reads and writes of entries, a lock granted at
    // once, a release nobody waits for. Returns the successor's key, or null.
    this.predictor = (ctx: ChoiceContext, t: SimTask): string | null => {
      const p = t.pending;
      if (!p || afterRelax) return null;
      if (p.kind === "cpuRelax") return null;
      // An acquire that would wait joins the end of the queue (its code runs at the wake).
      const waits = p.kind === "acquire" && (sched.waitersOf(p.lock).length > 0 || mustWait(p.lock, p.mode, t));
      // A release hands a spinlock or mutex to the first waiter (an rwsem may wake several).
      const handoff = p.kind === "release" && sched.waitersOf(p.lock).length > 0 ? p.lock : undefined;
      if (handoff?.kind === "rwsem") return null;
      const fp = footprintOf(t, sched, false);
      if (fp === null) return null;
      let wrote: (object | string)[] | undefined;
      for (const x of fp) {
        const c = x.cell;
        if (c instanceof Lock) continue;
        if (isValueCell(c)) {
          // An entry not yet tracked still holds its built-world value when nothing has
          // written page tables without naming entries (it would not enter the digest).
          if (!tracked.has(c.stateName()) && (x.write || ptEpoch !== 0)) return null;
        } else if (x.write) {
          if (c === PAGE_TABLES) return null;
          (wrote ??= []).push(c);
        }
      }
      const site = this.siteIds.get(p.site);
      if (site === undefined) return null;
      const head = this.eventIds.get(`${code[t.id]}|${heads[t.id]}|${p.kind}${site}${readsOf(fp, p.kind, false)}`);
      if (head === undefined) return null;
      const m = this.memo.get(waits ? -head : head);
      if (!m) return null;
      void ctx;
      const queued = waits ? sched.waitersOf(p.lock).length : undefined;
      return keyOf(t, false, { id: t.id, head, state: m.state, writes: m.writes, wrote, queued, handoff });
    };

    return (ctx) => {
      commit();
      const ex = this.expected;
      if (ex !== null && ex.step === ctx.step - 1) {
        const key = keyOf(ctx.prev, afterRelax);
        if (key !== ex.key)
          throw new Error(`state cache: the state after step ${ex.step} is ${key}, the predictor said ${ex.key}`);
        this.verified++;
        this.expected = null;
      }
      if (ctx.step >= checkFrom) {
        const key = keyOf(ctx.prev, afterRelax);
        const left = this.bound - preempts;
        const had = this.seen.get(key);
        if (had !== undefined && had >= left) {
          this.hits++;
          throw StateCached.instance;
        }
        this.seen.set(key, left);
      }
      const t: SimTask = inner(ctx);
      if (ctx.prevEligible && t !== ctx.prev) preempts++;
      const p = t.pending!;
      let site = this.siteIds.get(p.site);
      if (site === undefined) this.siteIds.set(p.site, (site = this.siteIds.size));
      pendingFp = footprintOf(t, sched, afterRelax);
      pendingRec = `${code[t.id]}|${heads[t.id]}|${p.kind}${site}${readsOf(pendingFp, p.kind)}`;
      pendingTask = t.id;
      afterRelax = p.kind === "cpuRelax";
      return t;
    };
  }
}
