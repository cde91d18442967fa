/**
 * Invisible steps for the state cache: a step that only reads cells no other task ever
 * writes (a pgd or pud entry above the leaf the race is about, an rwsem nobody takes for
 * write, the zap's own recheck of the pmd only it writes) and only writes cells no other
 * task ever touches (the TLB only the zap flushes) commutes with every step of every other
 * task, so from a state where some task can take such a
 * step, dfs explores that step alone (a persistent set of one task, Godefroid 1996): every
 * state reachable otherwise is reached with the invisible step moved to the front, and the
 * values every task reads are the same, so outcomes and failures are too.
 *
 * Who touches what is learnt, optimistically: a cell counts as untouched by others until
 * some run shows otherwise (a declared access of that entry, lock or named cell; any step
 * that writes page tables without naming the entry, or a global step, touches everything).
 * An access that breaks what an earlier choice relied on invalidates the exploration, which
 * restarts knowing it (explorer.ts); such accesses are found because an exploration that
 * relied on them not happening still runs every step of every task (the first such access
 * in any execution is reached, up to moving invisible steps before it). Only without a preemption bound (moving a step to the front
 * changes what counts as a preemption), and not around cpu_relax() (who ran last decides
 * who may run next).
 */
import { isValueCell, PAGE_TABLES, type Touch } from "../effect";
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
  if (typeof c === "string" && c !== PAGE_TABLES) return `cell ${c}`;
  return null;
}

/** Tasks (by id) that read, and that write, one cell. */
interface Access {
  r: Set<number>;
  w: Set<number>;
}

function accessOf(m: Map<string, Access>, k: string): Access {
  let a = m.get(k);
  if (!a) m.set(k, (a = { r: new Set(), w: new Set() }));
  return a;
}

function hasOther(s: Set<number>, me: number): boolean {
  for (const x of s) if (x !== me) return true;
  return false;
}

/** What the explorations of one explore() call learnt about who touches which cell. */
export class StableCells {
  /** Who was seen touching each cell. */
  private readonly seen = new Map<string, Access>();
  /** Who was taken to be alone with each cell: r, no other writer; w, no other reader or writer. */
  private readonly relied = new Map<string, Access>();
  private blind = false;
  /** The first cell whose access broke what a choice relied on (the exploration is invalid), else null. */
  violated: string | null = null;
  /** Explorations restarted because of that. */
  restarts = 0;

  /** Task `task` took a step with footprint `fp`: note what it touched. */
  noteStep(fp: Footprint, task: number): void {
    if (fp === null) {
      this.noteAny();
      return;
    }
    for (const x of fp) {
      if (x.cell === PAGE_TABLES) {
        if (x.write) this.noteAny();
        continue;
      }
      const k = cellKey(x.cell);
      if (k === null) continue;
      const a = accessOf(this.seen, k);
      (x.write ? a.w : a.r).add(task);
      const rel = this.relied.get(k);
      if (this.violated === null && rel && (hasOther(rel.w, task) || (x.write && hasOther(rel.r, task))))
        this.violated = k;
    }
  }

  private noteAny(): void {
    this.blind = true;
    if (this.violated === null && this.relied.size > 0) this.violated = ANY;
  }

  /** Forget what this exploration relied on (it is being restarted); keep what was seen. */
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
    if (afterRelax || this.blind || ctx.eligible.length < 2) return null;
    for (const t of ctx.eligible) if (t.pending?.kind === "cpuRelax") return null;
    for (const t of ctx.eligible) {
      const fp = this.invisibleStep(t, sched);
      if (fp === null) continue;
      for (const x of fp) {
        const a = accessOf(this.relied, cellKey(x.cell)!);
        (x.write ? a.w : a.r).add(t.id);
      }
      return t.id;
    }
    return null;
  }

  /** The footprint of `t`'s next step when no other task was seen touching what it touches that way, else null. */
  private invisibleStep(t: ChoiceContext["eligible"][number], sched: Scheduler): readonly Touch[] | null {
    const p = t.pending;
    if (!p || (p.kind !== "step" && p.kind !== "acquire" && p.kind !== "release" && p.kind !== "wake")) return null;
    const fp = footprintOf(t, sched, false);
    if (fp === null) return null;
    for (const x of fp) {
      const k = cellKey(x.cell);
      if (k === null) return null;
      const a = this.seen.get(k);
      if (a && (hasOther(a.w, t.id) || (x.write && hasOther(a.r, t.id)))) return null;
    }
    return fp;
  }
}
