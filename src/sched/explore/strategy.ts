/**
 * An exploration strategy hands out one chooser per schedule and learns from the finished
 * run. `nextRun` returns null when the strategy has covered its whole space (only the
 * exhaustive one can).
 */
import type { Chooser } from "../scheduler";
import type { RunReport } from "./runner";

export interface Strategy {
  readonly name: string;
  nextRun(run: number, tasks: number): Chooser | null;
  finished(report: RunReport): void;
  /** Exhaustive strategies: estimated fraction of the space covered so far (progress.ts). */
  coverage?(): number;
}
