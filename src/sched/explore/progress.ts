/**
 * Progress of a long exploration, for the CLI and notebooks: schedules run, rate, and
 * for an exhaustive search an estimate of how much of the space is covered and how long
 * the rest takes. Wall-clock time is used here only for display (rates, ETA); it never
 * influences which schedules are run or what is reported.
 *
 * The coverage estimate of a depth-first search: the current schedule's position in the
 * tree, each step weighted as if every alternative at it had a subtree of the same size
 * (sum over steps of done/alternatives times the product of 1/alternatives above it).
 * It is exact for a uniform tree and otherwise a rough guide, so the ETA is labelled "~".
 * With the state cache there is no estimate: the first subtrees hold most of the states
 * and later ones mostly meet explored states, so that guess was off by 40x at 6 lookups
 * (~2% covered, "3 min left", done 4.5 s later). The states found and their rate are shown.
 */
export interface ExploreProgress {
  schedules: number;
  /** dpor or cache: runs cut short (all their continuations covered elsewhere). */
  pruned: number;
  /** cache: distinct states explored so far (null without cache). */
  states: number | null;
  /** cache: states per second so far (null without cache). */
  stateRate: number | null;
  /** Steps executed so far over all runs. */
  steps: number;
  elapsedMs: number;
  /** Schedules per second so far. */
  rate: number;
  /** The schedule cap. */
  cap: number;
  /** Estimated fraction of the space covered (exhaustive strategies only). */
  covered: number | null;
  /** Estimated milliseconds to finish: to cover the space, or to reach the cap if that comes first. */
  etaMs: number | null;
  /** Why there is no estimate of coverage or time left although the search is exhaustive (else null). */
  noEstimate: string | null;
  /** Outcome classes counted so far. */
  outcomes: Record<string, number>;
  /** The last call: exploration ended. */
  done: boolean;
  /** Set with done: the space was covered. */
  exhausted: boolean;
}

export class ProgressMeter {
  private readonly t0 = Date.now();
  private last = this.t0;

  constructor(
    private readonly report: (p: ExploreProgress) => void,
    private readonly cap: number,
    private readonly everyMs: number,
    private readonly exhaustive: boolean,
    private readonly coverage: () => number | null = () => null,
    private readonly states: () => number | null = () => null,
    /** Why an exhaustive search gives no estimate (coverage and ETA are then null), or null. */
    private readonly noEstimate: string | null = null,
  ) {}

  tick(
    schedules: number,
    pruned: number,
    steps: number,
    counts: Map<string, number>,
    done: boolean,
    exhausted = false,
  ): void {
    const now = Date.now();
    if (!done && now - this.last < this.everyMs) return;
    this.last = now;
    const elapsedMs = now - this.t0;
    const rate = elapsedMs > 0 ? (schedules * 1000) / elapsedMs : 0;
    const estimate = this.noEstimate === null;
    const covered = this.exhaustive ? (done && exhausted ? 1 : estimate ? this.coverage() : null) : null;
    let etaMs: number | null = null;
    if (!done && rate > 0 && estimate) {
      const toCap = ((this.cap - schedules) / rate) * 1000;
      const toEnd = covered !== null && covered > 0 ? (elapsedMs * (1 - covered)) / covered : Infinity;
      etaMs = Math.min(toCap, toEnd);
    }
    const outcomes: Record<string, number> = {};
    for (const k of [...counts.keys()].sort()) outcomes[k] = counts.get(k)!;
    const states = this.states();
    this.report({
      schedules,
      pruned,
      states,
      stateRate: states === null ? null : elapsedMs > 0 ? (states * 1000) / elapsedMs : 0,
      steps,
      elapsedMs,
      rate,
      cap: this.cap,
      covered,
      etaMs,
      noEstimate: this.exhaustive ? this.noEstimate : null,
      outcomes,
      done,
      exhausted,
    });
  }
}

/** One line for a terminal or a notebook, e.g. "12,345 schedules, 8,100/s, ~41% of the space, ~3 s left". */
export function formatProgress(p: ExploreProgress): string {
  const n = (x: number) => Math.round(x).toLocaleString("en-US");
  const parts = [`${n(p.schedules)} schedules`];
  if (p.pruned > 0) parts.push(`${n(p.pruned)} cut`);
  if (p.states !== null) parts.push(`${n(p.states)} states (${n(p.stateRate ?? 0)}/s)`);
  parts.push(`${n(p.rate)}/s`, `${(p.elapsedMs / 1000).toFixed(1)} s`);
  if (p.covered !== null && !p.done)
    parts.push(
      p.covered < 0.001
        ? "< 0.1% of the space"
        : `~${(p.covered * 100).toFixed(p.covered < 0.1 ? 1 : 0)}% of the space`,
    );
  if (p.etaMs !== null && Number.isFinite(p.etaMs)) parts.push(`~${formatDuration(p.etaMs)} left`);
  if (p.noEstimate !== null && !p.done) parts.push(`no ETA (${p.noEstimate})`);
  if (p.done) parts.push(p.exhausted ? "done: space covered" : "stopped");
  return parts.join(", ");
}

function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  if (s < 86400 * 2) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(0)} days`;
}
