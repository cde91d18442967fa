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
import { footprintOf, type Footprint } from "./footprint";

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

function groupOf(c: object | string): object | string | undefined {
  return typeof c === "object" && c !== null ? (c as { group?: object | string }).group : undefined;
}

export interface StateCacheStats {
  /** Distinct states seen (with symmetry: up to swapping interchangeable tasks). */
  states: number;
  /** Runs cut short at a state explored before. */
  hits: number;
  /** Distinct events (task steps with what they saw). */
  events: number;
}

export class StateCache {
  /** State key -> most preemptions left at any visit. */
  private readonly seen = new Map<string, number>();
  private readonly eventIds = new Map<string, number>();
  private readonly siteIds = new Map<string, number>();
  hits = 0;

  constructor(
    readonly bound: number = Infinity,
    readonly symmetry = false,
  ) {}

  get stats(): StateCacheStats {
    return { states: this.seen.size, hits: this.hits, events: this.eventIds.size };
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
    const lastWriter = new Map<object | string, number>();
    const members = new Map<object | string, Set<object | string>>();
    let lastGlobal = 0;
    let preempts = 0;
    let afterRelax = false;
    let pendingTask = -1;
    let pendingRec = "";
    let pendingFp: Footprint = null;

    const w = (c: object | string): number => lastWriter.get(c) ?? 0;
    const readsOf = (fp: Footprint): string => {
      if (fp === null) {
        // A global step reads everything: the latest global step and every cell's last writer.
        const all: number[] = [];
        for (const v of lastWriter.values()) all.push(v);
        all.sort((a, b) => a - b);
        return `G${lastGlobal}:${all.join(",")}`;
      }
      let s = `g${lastGlobal}`;
      for (const x of fp) {
        const c = x.cell;
        const g = groupOf(c);
        s += x.write ? "|w" : "|r";
        if (g !== undefined) {
          s += `${w(c)},${w(g)}`;
        } else {
          s += w(c);
          const m = members.get(c);
          if (m) {
            // A touch of a whole group (all page tables) sees each member's last write.
            const ws: number[] = [];
            for (const y of m) if (w(y) !== 0) ws.push(w(y));
            ws.sort((a, b) => a - b);
            s += `[${ws.join(",")}]`;
          }
        }
      }
      return s;
    };

    const commit = (): void => {
      if (pendingTask < 0) return;
      let id = this.eventIds.get(pendingRec);
      if (id === undefined) this.eventIds.set(pendingRec, (id = this.eventIds.size + 1));
      heads[pendingTask] = id;
      if (pendingFp === null) lastGlobal = id;
      else
        for (const x of pendingFp) {
          if (!x.write) continue;
          lastWriter.set(x.cell, id);
          const g = groupOf(x.cell);
          if (g !== undefined) {
            let m = members.get(g);
            if (!m) members.set(g, (m = new Set()));
            m.add(x.cell);
          }
        }
      pendingTask = -1;
    };

    const keyOf = (ctx: ChoiceContext): string => {
      const prev = ctx.prev;
      const fixed: string[] = [];
      const swappable: string[] = [];
      for (let i = 0; i < n; i++) {
        const t = sched.tasks[i]!;
        let r = `${code[i]}:${heads[i]}${STATE_CHAR[t.state] ?? "?"}`;
        if (t === prev) r += afterRelax ? "*" : this.bound === Infinity ? "" : "^";
        (sym[i] ? swappable : fixed).push(r);
      }
      if (swappable.length > 1) swappable.sort();
      return `${fixed.join(" ")}/${swappable.join(" ")}`;
    };

    return (ctx) => {
      commit();
      if (ctx.step >= checkFrom) {
        const key = keyOf(ctx);
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
      pendingRec = `${code[t.id]}|${heads[t.id]}|${p.kind}${site}|${readsOf(pendingFp)}`;
      pendingTask = t.id;
      afterRelax = p.kind === "cpuRelax";
      return t;
    };
  }
}
