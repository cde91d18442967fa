/**
 * Invisible steps for the state cache: a step that only reads cells no task ever writes
 * (a pgd or pud entry above the leaf the race is about, an rwsem nobody takes for write)
 * commutes with every step of every task, so from a state where some task can take such a
 * step, dfs explores that step alone (a persistent set of one task, Godefroid 1996): every
 * state reachable otherwise is reached with the invisible step moved to the front, and the
 * values every task reads are the same, so outcomes and failures are too.
 *
 * "No task ever writes it" is learnt, optimistically: a cell counts as stable until some
 * run writes it (a declared write of that entry or lock, or any step that writes page
 * tables without naming the entry, or a global step). A write of a cell an earlier choice
 * relied on invalidates the exploration, which restarts knowing it (explorer.ts); writes
 * are found because an exploration that relied on a cell being stable still runs every
 * step of every task (the first write of it in any execution is reached, up to moving
 * invisible reads before it). Only without a preemption bound (moving a step to the front
 * changes what counts as a preemption), and not around cpu_relax() (who ran last decides
 * who may run next).
 */
import { isValueCell, PAGE_TABLES } from "../effect";
import { Lock } from "../lock";
import type { ChoiceContext, Scheduler } from "../scheduler";
import { footprintOf, type Footprint } from "./footprint";

/** Thrown when a run wrote a cell an earlier choice took to be stable: explore again. */
export class StableViolated extends Error {
  constructor(readonly cell: string) {
    super(`state cache: ${cell} was taken to be written by nobody, and a run wrote it (the exploration restarts)`);
  }
}

const ANY = "*";

function cellKey(c: object | string): string | null {
  if (c instanceof Lock) return `lock ${c.kind} ${c.className} ${c.name}`;
  if (isValueCell(c)) return `entry ${c.stateName()}`;
  return null;
}

/** What the explorations of one explore() call learnt about which cells are ever written. */
export class StableCells {
  private readonly written = new Set<string>();
  private readonly relied = new Set<string>();
  /** The first relied-on cell a run wrote (the exploration is invalid), else null. */
  violated: string | null = null;
  /** Explorations restarted because a relied-on cell was written. */
  restarts = 0;

  /** A step with footprint `fp` was taken: note what it wrote. */
  noteStep(fp: Footprint): void {
    if (fp === null) return this.noteWrite(ANY);
    for (const x of fp) {
      if (!x.write) continue;
      if (x.cell === PAGE_TABLES) this.noteWrite(ANY);
      else {
        const k = cellKey(x.cell);
        if (k !== null) this.noteWrite(k);
      }
    }
  }

  private noteWrite(k: string): void {
    if (this.written.has(k)) return;
    this.written.add(k);
    if (this.violated === null && (this.relied.has(k) || (k === ANY && this.relied.size > 0))) this.violated = k;
  }

  /** Forget what this exploration relied on (it is being restarted); keep what was written. */
  restart(): void {
    this.relied.clear();
    this.violated = null;
    this.restarts++;
  }

  /**
   * The eligible task whose next step is invisible (lowest id first), or null. `afterRelax`:
   * the previous step was cpu_relax().
   */
  solo(ctx: ChoiceContext, sched: Scheduler, afterRelax: boolean): number | null {
    if (afterRelax || this.written.has(ANY) || ctx.eligible.length < 2) return null;
    for (const t of ctx.eligible) if (t.pending?.kind === "cpuRelax") return null;
    for (const t of ctx.eligible) {
      const keys = this.invisibleStep(t, sched);
      if (keys === null) continue;
      for (const k of keys) this.relied.add(k);
      return t.id;
    }
    return null;
  }

  /** The cells of `t`'s next step when it only reads cells nobody has written, else null. */
  private invisibleStep(t: ChoiceContext["eligible"][number], sched: Scheduler): string[] | null {
    const p = t.pending;
    if (!p || (p.kind !== "step" && p.kind !== "acquire" && p.kind !== "release")) return null;
    const fp = footprintOf(t, sched, false);
    if (fp === null) return null;
    const keys: string[] = [];
    for (const x of fp) {
      if (x.write) return null;
      const k = cellKey(x.cell);
      if (k === null || this.written.has(k)) return null;
      keys.push(k);
    }
    return keys;
  }
}
