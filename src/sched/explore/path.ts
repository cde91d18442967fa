/**
 * The path of a run: which task ran each step, what the non-preemptive default was
 * there, and how many steps preempted a task that could have gone on (as loom's
 * rt/path.rs records a run's branch choices). The scheduler appends one entry per step;
 * strategies, replay strings and shrinking read it.
 */
export class Path {
  /** Task id of every executed step: the full schedule. */
  readonly schedule: number[] = [];
  /** For every step, the id of the non-preemptive default task (see ChoiceContext). */
  readonly defaults: number[] = [];
  /** Steps that switched away from a task that was still eligible. */
  preemptions = 0;

  /** A step ran `task` where `defaultTask` was the default; `preempted`: it switched away from an eligible task. */
  push(task: number, defaultTask: number, preempted: boolean): void {
    this.schedule.push(task);
    this.defaults.push(defaultTask);
    if (preempted) this.preemptions++;
  }

  /**
   * The shortest prefix of the schedule that reproduces it when every later step takes
   * the default task (at least one step). This is what replay strings encode.
   */
  replayPrefix(): number[] {
    let last = 0;
    for (let i = 0; i < this.schedule.length; i++) if (this.schedule[i] !== this.defaults[i]) last = i;
    return this.schedule.slice(0, Math.min(this.schedule.length, last + 1));
  }
}
