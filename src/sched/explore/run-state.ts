/**
 * One run's view of the state for the state cache (state-cache.ts explains what a state
 * is): each task's latest event, the named page-table entries it touched, the last writers
 * of other cells, what each lock's holders wrote under it; the key of the state now, and
 * the key of the state one step would lead to (the predictor).
 */
import { isValueCell, PAGE_TABLES, type ValueCell } from "../effect";
import { Lock, mustWait } from "../lock";
import type { Scheduler } from "../scheduler";
import type { SimTask } from "../task";
import { type Footprint, footprintOf } from "./footprint";
import type { StableCells } from "./invisible";

const UNKNOWN = Symbol("unknown");

const STATE_CHAR: Record<string, string> = { runnable: "r", blocked: "b", done: "d", crashed: "x" };

/**
 * A task's scheduler state in keys. A task woken with a lock it waited for ("w") has the
 * same latest event as one whose acquire was granted at once ("r"), but its code after
 * the acquire has not run yet: different states.
 */
function stateChar(t: SimTask): string {
  return t.state === "runnable" && t.pending?.kind === "wake" ? "w" : (STATE_CHAR[t.state] ?? "?");
}

/** What event `id` did when taken: the task's state after it and the named entries it wrote (by interned name). */
export interface EventResult {
  state: string;
  writes: Map<number, number | string>;
}

/** The interning tables shared by every run of one exploration (the same number means the same thing in every run). */
export interface CacheTables {
  readonly eventIds: Map<string, number>;
  readonly siteIds: Map<string, number>;
  /** ValueCell.stateName -> number. */
  readonly cellIds: Map<string, number>;
  /** Event -> its result (an acquire that waited: under -event). */
  readonly memo: Map<number, EventResult>;
  /** What is ever written, for invisible steps (invisible.ts); null when not used. */
  readonly stable: StableCells | null;
}

/** A named entry the run touched: its interned name and its value in the built world (if known). */
interface Tracked {
  cell: ValueCell;
  id: number;
  initial: number | string | typeof UNKNOWN;
}

/** A predicted step: task `id` becomes event `head`, in state `state`, having written `writes`. */
interface Moved {
  id: number;
  head: number;
  state: string;
  writes: Map<number, number | string>;
  /** Cells without a readable value it wrote (it becomes their last writer). */
  wrote?: (object | string)[];
  /** Blocked: its place in the lock's queue. */
  queued?: number;
  /** A release that hands this lock to its first waiter (the others move up). */
  handoff?: Lock;
}

/** A named entry in a digest: `|name=value` when `value` is not its built-world value, else nothing. */
function changed(t: Tracked, value: number | string): string {
  return value !== t.initial ? `|${t.id}=${value}` : "";
}

/** A blocked task's place in the queue of the lock it waits for (who gets it first). */
function queuePosition(sched: Scheduler, t: SimTask): string {
  const p = t.pending;
  if (!p || (p.kind !== "acquire" && p.kind !== "wake")) return "";
  return `${sched.waitersOf(p.lock).findIndex((w) => w.task === t.name)}`;
}

export class RunState {
  private readonly n: number;
  /** Per task, its code in keys: the task, or its symmetry name. */
  private readonly code: string[];
  /** Per task, whether it enters keys as a member of a sorted multiset (symmetry). */
  private readonly sym: boolean[];
  private readonly heads: Int32Array;
  /** Fallback cells (no readable value): the event that wrote each last. */
  private readonly lastWriter = new Map<object | string, number>();
  private readonly tracked = new Map<ValueCell, Tracked>();
  /** The same, ordered by interned name (the digest lists them in that order). */
  private trackedList: Tracked[] = [];
  /** worldDigest() until the next step or newly tracked entry. */
  private digest: string | null = null;
  /** The last writers part of it, until a step writes such a cell. */
  private writers: string | null = null;
  /** Per lock, the cells some holder of it wrote while holding it: what taking it may read. */
  private readonly guarded = new Map<Lock, Set<object | string>>();
  /** Latest global step; latest step that wrote page tables without naming the entry. */
  private lastGlobal = 0;
  private ptEpoch = 0;

  constructor(
    readonly sched: Scheduler,
    private readonly tables: CacheTables,
    /** Preemption bound (Infinity: who ran last counts only after cpu_relax()). */
    private readonly bound: number,
    groups: readonly (string | null | undefined)[],
    symmetry: boolean,
  ) {
    this.n = sched.tasks.length;
    this.code = sched.tasks.map((t, i) => (symmetry && groups[i] ? `s${groups[i]}` : `t${t.id}`));
    this.sym = sched.tasks.map((_t, i) => symmetry && !!groups[i]);
    this.heads = new Int32Array(this.n);
  }

  /** The record of the step `t` would take now (interned: its event). `tracking`: start tracking the entries it names. */
  record(t: SimTask, fp: Footprint, tracking = true): string | null {
    const p = t.pending!;
    const { siteIds } = this.tables;
    let site = siteIds.get(p.site);
    if (site === undefined) {
      if (!tracking) return null; // a site no run has reached: no event to look up
      siteIds.set(p.site, (site = siteIds.size));
    }
    if (tracking) this.trackReads(t, fp);
    return `${this.code[t.id]}|${this.heads[t.id]}|${p.kind}${site}${this.readsOf(fp, p.kind)}`;
  }

  /**
   * What `record` does to the run besides naming the step: start tracking the entries the
   * step of `t` would read. Alone for a replayed step, whose event is known from the run before.
   */
  trackReads(t: SimTask, fp: Footprint): void {
    if (fp === null) return;
    const kind = t.pending!.kind;
    for (const x of fp) {
      const c = x.cell;
      if (c instanceof Lock) {
        if (kind !== "acquire" && kind !== "wake") continue;
        const cells = this.guarded.get(c);
        if (cells) for (const g of cells) if (isValueCell(g)) this.track(g);
      } else if (isValueCell(c)) this.track(c);
    }
  }

  /** Task `task` took the step recorded as `rec` with footprint `fp`: it is now event (returned). */
  commit(task: number, rec: string, fp: Footprint): number {
    const { eventIds } = this.tables;
    let id = eventIds.get(rec);
    if (id === undefined) eventIds.set(rec, (id = eventIds.size + 1));
    this.learn(task, id, fp);
    this.tables.stable?.noteStep(fp, task);
    this.apply(task, id, fp);
    return id;
  }

  /**
   * Task `task` took a step that is event `id`, with footprint `fp`: update the run's
   * view. Alone (no `learn`, no `noteStep`) for a replayed step: the run that first took
   * it learnt its result and noted what it touched, and nothing learnt since can
   * contradict that (invisible.ts relies only on what was seen).
   */
  apply(task: number, id: number, fp: Footprint): void {
    this.heads[task] = id;
    if (fp === null) {
      this.lastGlobal = id;
      this.ptEpoch = id;
    } else
      for (const x of fp) {
        const c = x.cell;
        if (!x.write || c instanceof Lock) continue;
        if (c === PAGE_TABLES) {
          this.ptEpoch = id;
          continue;
        }
        if (!isValueCell(c)) {
          this.lastWriter.set(c, id);
          this.writers = null;
        }
        for (const h of this.sched.tasks[task]!.held) {
          let cells = this.guarded.get(h.lock);
          if (!cells) this.guarded.set(h.lock, (cells = new Set()));
          cells.add(c);
        }
      }
    this.digest = null;
  }

  // A named entry's value when first touched is its value in the built world if no step
  // had written page tables without naming entries yet (ptEpoch 0); otherwise unknown.
  private track(c: ValueCell): Tracked {
    let t = this.tracked.get(c);
    if (t) return t;
    const name = c.stateName();
    let id = this.tables.cellIds.get(name);
    if (id === undefined) this.tables.cellIds.set(name, (id = this.tables.cellIds.size));
    this.tracked.set(c, (t = { cell: c, id, initial: this.ptEpoch === 0 ? c.stateValue() : UNKNOWN }));
    this.trackedList = [...this.trackedList, t].sort((a, b) => a.id - b.id);
    this.digest = null;
    return t;
  }

  // The page tables as far as the run can tell them apart: the latest step that wrote
  // them (or anything) without naming entries, and every named entry that no longer holds
  // its value in the built world. Entries still at that value are left out, so the digest
  // does not depend on which entries the run happened to touch.
  private ptDigest(writes?: Map<number, number | string>): string {
    let s = `p${this.ptEpoch}`;
    for (const t of this.trackedList) s += changed(t, writes?.get(t.id) ?? t.cell.stateValue());
    return s;
  }

  // Everything a step could read: the page tables, the latest global step, and the last
  // writer of every other cell (their set names the cells' contents: each event records
  // the writes it followed).
  private worldDigest(moved?: Moved): string {
    const plain = moved === undefined || (moved.writes.size === 0 && moved.wrote === undefined);
    if (plain && this.digest !== null) return this.digest;
    const d = `G${this.lastGlobal}/${this.ptDigest(moved?.writes)}/${moved?.wrote ? this.writersOf(moved) : (this.writers ??= this.writersOf())}`;
    if (plain) this.digest = d;
    return d;
  }

  // The set of last writers, sorted (a predicted step that writes cells becomes theirs).
  private writersOf(moved?: Moved): string {
    const set = new Set<number>();
    for (const [c, id] of this.lastWriter) if (!moved?.wrote?.includes(c)) set.add(id);
    if (moved?.wrote) set.add(moved.head);
    return [...set].sort((a, b) => a - b).join(",");
  }

  // What taking `lock` lets the code right after it read: what holders of the lock wrote
  // under it (a named entry by value when it differs from the built world, any other
  // cell by its last writer) and what global steps wrote.
  private guardedBy(lock: Lock): string {
    let s = `${this.lastGlobal}`;
    const cells = this.guarded.get(lock);
    if (!cells) return s;
    for (const c of cells) {
      if (isValueCell(c)) s += changed(this.track(c), c.stateValue());
      else s += `|${this.lastWriter.get(c) ?? 0}`;
    }
    return s;
  }

  private readsOf(fp: Footprint, kind: string): string {
    if (fp === null) return this.worldDigest();
    let s = "";
    for (const x of fp) {
      const c = x.cell;
      if (c instanceof Lock) {
        // Code right after taking a lock may read what the lock protects (footprint.ts):
        // the page tables and what earlier holders wrote under it. Holders and waiters
        // are not values: they follow from the tasks' histories and the waiter queues (key).
        if (kind === "acquire" || kind === "wake") s += `|A${this.guardedBy(c)}`;
      } else if (isValueCell(c)) {
        s += `|${x.write ? "w" : "r"}${c.stateValue()}`;
      } else if (c === PAGE_TABLES) {
        s += `|P${this.ptDigest()}`;
      } else {
        s += `|${x.write ? "w" : "r"}${this.lastWriter.get(c) ?? 0}`;
      }
    }
    return s;
  }

  // Record what event `id` (the step just taken) did, for the predictor: the task's state
  // after it and the named entries it wrote. Only for steps the predictor handles.
  private learn(task: number, id: number, fp: Footprint): void {
    if (fp === null) return;
    const t = this.sched.tasks[task]!;
    const state = stateChar(t);
    // The same acquire event waits or not as the lock is busy or free: two entries.
    if (state === "b") {
      if (!this.tables.memo.has(-id)) this.tables.memo.set(-id, { state, writes: new Map() });
      return;
    }
    if (this.tables.memo.has(id)) return;
    const writes = new Map<number, number | string>();
    for (const x of fp) {
      const c = x.cell;
      if (x.write && isValueCell(c)) writes.set(this.track(c).id, c.stateValue());
    }
    this.tables.memo.set(id, { state, writes });
  }

  // The key of the state now, or (`moved`) of the state right after task `moved.id`
  // takes a step that becomes event `moved.head`, leaves it `moved.state` and sets the
  // named entries in `moved.writes` (a predicted successor: nobody else changes).
  keyOf(prev: SimTask | null, relaxed: boolean, moved?: Moved): string {
    const fixed: string[] = [];
    const swappable: string[] = [];
    for (let i = 0; i < this.n; i++) {
      const t = this.sched.tasks[i]!;
      let state = moved?.id === i ? moved.state : stateChar(t);
      let queued = state === "b" ? (moved?.id === i ? `${moved.queued}` : queuePosition(this.sched, t)) : "";
      if (moved?.handoff && state === "b" && t.pending?.kind === "acquire" && t.pending.lock === moved.handoff) {
        const at = Number(queued);
        state = at === 0 ? "w" : "b";
        queued = at === 0 ? "" : `${at - 1}`;
      }
      let r = `${this.code[i]}:${moved?.id === i ? moved.head : this.heads[i]}${state}${queued}`;
      if (t === prev) r += relaxed ? "*" : this.bound === Infinity ? "" : "^";
      (this.sym[i] ? swappable : fixed).push(r);
    }
    if (swappable.length > 1) swappable.sort();
    return `${fixed.join(" ")}/${swappable.join(" ")}/${this.worldDigest(moved)}`;
  }

  // What a step of `t` would lead to, without running it, when that is known: the step
  // (its event: what the task did before and what it would read now) was taken before
  // in some run, so its result is recorded (memo). Only steps that change nothing but
  // named entries and the task itself: reads and writes of entries, a lock granted at
  // once, a release nobody waits for. Returns the successor's key, or null.
  predict(t: SimTask, afterRelax: boolean): string | null {
    const p = t.pending;
    if (!p || afterRelax) return null;
    if (p.kind === "cpuRelax") return null;
    // An acquire that would wait joins the end of the queue (its code runs at the wake).
    const waits = p.kind === "acquire" && (this.sched.waitersOf(p.lock).length > 0 || mustWait(p.lock, p.mode, t));
    // A release hands a spinlock or mutex to the first waiter (an rwsem may wake several).
    const handoff = p.kind === "release" && this.sched.waitersOf(p.lock).length > 0 ? p.lock : undefined;
    if (handoff?.kind === "rwsem") return null;
    const fp = footprintOf(t, this.sched, false);
    if (fp === null) return null;
    let wrote: (object | string)[] | undefined;
    for (const x of fp) {
      const c = x.cell;
      if (c instanceof Lock) continue;
      if (isValueCell(c)) {
        // An entry not yet tracked still holds its built-world value when nothing has
        // written page tables without naming entries (it would not enter the digest).
        if (!this.tracked.has(c) && (x.write || this.ptEpoch !== 0)) return null;
      } else if (x.write) {
        if (c === PAGE_TABLES) return null;
        (wrote ??= []).push(c);
      }
    }
    const rec = this.record(t, fp, false);
    const head = rec === null ? undefined : this.tables.eventIds.get(rec);
    if (head === undefined) return null;
    const m = this.tables.memo.get(waits ? -head : head);
    if (!m) return null;
    const queued = waits ? this.sched.waitersOf(p.lock).length : undefined;
    return this.keyOf(t, false, { id: t.id, head, state: m.state, writes: m.writes, wrote, queued, handoff });
  }
}
