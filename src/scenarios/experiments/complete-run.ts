/**
 * Experiments hand their numbers to tables and figures; numbers from a run that did not
 * complete (livelock, deadlock, a crashed task) would be wrong without looking wrong. So
 * an experiment asks this first and stops with a clear message instead.
 */
import { describeLivelock } from "../../sched/deadlock";
import type { RunEnd } from "../../sched/scheduler";

/** Throws unless every task of the run finished; `fn` and `what` name the experiment and the run. */
export function assertCompleteRun(fn: string, what: string, end: RunEnd): void {
  if (end.crashed.length > 0)
    throw new Error(`${fn}: ${what}: task ${end.crashed[0].task} crashed: ${end.crashed[0].error}`);
  if (end.status === "done") return;
  const why = end.livelock
    ? `livelock: ${describeLivelock(end.livelock)}`
    : end.deadlock
      ? `deadlock: ${end.deadlock.cycle}`
      : end.status;
  throw new Error(
    `${fn}: ${what} did not complete (${why}) after ${end.steps} steps; its numbers would be wrong, so none are returned`,
  );
}
