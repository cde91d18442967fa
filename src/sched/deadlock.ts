/**
 * Deadlock and livelock reports.
 *
 * Deadlock: no task can run but some wait for locks. We follow the wait-for graph
 * (a waiting task -> the lock it waits for -> the holders of that lock) and name the
 * first cycle, e.g. "A -> &b -> B -> &a -> A". A wait with no cycle means a holder
 * finished (or crashed) without releasing: that is named too.
 *
 * Livelock: tasks keep running but nobody makes progress. Progress is a task finishing or
 * a step that is not spinning; a spinning step is a cpu_relax() or the step right after
 * one (the re-read of what the spinner waits for). More than a bound of spinning steps in
 * a row is a livelock, however long the work that came before it; the task that took the
 * most of them is named as the spinning one. A loop that never spins nor finishes is caught
 * by a second, much larger bound on steps without any task finishing ("runaway").
 */
import type { SimTask } from "./task";

export interface DeadlockReport {
  /** Human-readable cycle "task -> lock -> task ... -> task", or the leaked-lock chain. */
  cycle: string;
  /** Tasks on the cycle (or the chain), in order. */
  tasks: string[];
  /** Locks on the cycle, in order. */
  locks: string[];
  /** Every task still blocked, with what it waits for. */
  blocked: { task: string; lock: string; site: string; holders: string[] }[];
}

export interface LivelockReport {
  /** The task that took the most steps without progress. */
  task: string;
  /** Where it is spinning (site of its pending effect). */
  site: string;
  /** Steps taken since the last progress, by that task / by all. */
  steps: number;
  totalSteps: number;
  /** "spin": spinning steps without progress; "runaway": no task finished within the step bound. */
  kind: "spin" | "runaway";
}

/** One line for a livelock report, e.g. "waiter spins at waiter: cpu_relax (500 of 500 steps without progress)". */
export function describeLivelock(l: LivelockReport): string {
  if (l.kind === "runaway") {
    return `no task finished in ${l.totalSteps} steps (${l.task} took ${l.steps}, now at ${l.site}): a loop that never ends, or more work than the scheduler's stepBound`;
  }
  return `${l.task} spins at ${l.site} (${l.steps} of ${l.totalSteps} steps without progress)`;
}

/**
 * Counts steps without progress (see above) and names the livelock once a bound is
 * passed. The scheduler calls `stepping` before it executes each step and `stepped`
 * after it.
 */
export class LivelockWatch {
  /** Spinning steps since the last progress, by all tasks and per task id. */
  private sinceProgress = 0;
  private readonly spinsByTask: number[] = [];
  /** Steps since a task last finished, by all tasks and per task id. */
  private sinceFinish = 0;
  private readonly sinceFinishByTask: number[] = [];

  constructor(
    readonly livelockBound: number,
    readonly stepBound: number,
  ) {}

  /** `task` is about to run a step; `spinning`: a cpu_relax(), or the re-read right after one. */
  stepping(task: SimTask, spinning: boolean): void {
    if (spinning) {
      this.sinceProgress++;
      this.spinsByTask[task.id] = (this.spinsByTask[task.id] ?? 0) + 1;
    } else if (this.sinceProgress > 0) {
      this.sinceProgress = 0;
      this.spinsByTask.fill(0);
    }
    this.sinceFinish++;
    this.sinceFinishByTask[task.id] = (this.sinceFinishByTask[task.id] ?? 0) + 1;
  }

  /** `task` ran its step: a task that finished (or crashed) is progress; else the livelock, once a bound is passed. */
  stepped(task: SimTask, tasks: readonly SimTask[]): LivelockReport | null {
    if (task.state === "done" || task.state === "crashed") {
      this.sinceProgress = 0;
      this.sinceFinish = 0;
      this.spinsByTask.fill(0);
      this.sinceFinishByTask.fill(0);
      return null;
    }
    if (this.sinceProgress <= this.livelockBound && this.sinceFinish <= this.stepBound) return null;
    const kind = this.sinceProgress > this.livelockBound ? "spin" : "runaway";
    let worst = task;
    let most = -1;
    for (const t of tasks) {
      const n = (kind === "spin" ? this.spinsByTask[t.id] : this.sinceFinishByTask[t.id]) ?? 0;
      if (n > most) {
        most = n;
        worst = t;
      }
    }
    return {
      task: worst.name,
      site: worst.site,
      steps: most,
      totalSteps: kind === "spin" ? this.sinceProgress : this.sinceFinish,
      kind,
    };
  }
}

/** The wait-for cycle among `tasks`, or null when some task can still run or none waits. */
export function findDeadlock(tasks: readonly SimTask[]): DeadlockReport | null {
  if (tasks.some((t) => t.state === "runnable")) return null;
  const blocked = tasks.filter((t) => t.state === "blocked" && t.waiting);
  if (blocked.length === 0) return null;
  const holdersOf = (t: SimTask): SimTask[] =>
    [...t.waiting!.lock.holders.keys()].map((h) => h as SimTask).sort((a, b) => a.id - b.id);
  const list = blocked.map((t) => ({
    task: t.name,
    lock: String(t.waiting!.lock),
    site: t.waiting!.site,
    holders: holdersOf(t).map((h) => h.name),
  }));

  for (const start of blocked) {
    // Depth-first along wait-for edges; the path is task, lock, task, lock, ...
    const path: SimTask[] = [];
    const onPath = new Set<SimTask>();
    const walk = (t: SimTask): SimTask[] | null => {
      if (onPath.has(t)) return path.slice(path.indexOf(t));
      if (t.state !== "blocked" || !t.waiting) return null;
      path.push(t);
      onPath.add(t);
      for (const h of holdersOf(t)) {
        const c = walk(h);
        if (c) return c;
      }
      path.pop();
      onPath.delete(t);
      return null;
    };
    const cyc = walk(start);
    if (cyc) {
      const parts: string[] = [];
      for (const t of cyc) parts.push(t.name, String(t.waiting!.lock));
      parts.push(cyc[0]!.name);
      return {
        cycle: parts.join(" -> "),
        tasks: cyc.map((t) => t.name),
        locks: cyc.map((t) => String(t.waiting!.lock)),
        blocked: list,
      };
    }
  }
  // No cycle: somebody waits for a lock whose holder is gone (finished or crashed holding it).
  const t = blocked[0]!;
  const hs = holdersOf(t);
  const h = hs[0];
  const why = h ? `${h.name} (${h.state} while holding it)` : "nobody (no holder; the waiter was never woken)";
  return {
    cycle: `${t.name} -> ${t.waiting!.lock} -> ${why}`,
    tasks: h ? [t.name, h.name] : [t.name],
    locks: [String(t.waiting!.lock)],
    blocked: list,
  };
}
