import { describe, expect, it } from "vitest";
import { explore } from "../../src/sched/explore/explorer";
import { formatProgress, type ExploreProgress } from "../../src/sched/explore/progress";
import "../../src/scenarios/index";

describe("exploration progress", () => {
  it("reports every schedule when asked to (progressMs 0), ends with one done report that matches the result", () => {
    const seen: ExploreProgress[] = [];
    const r = explore("interleave", {
      preemptions: Infinity,
      params: { tasks: 2, steps: 4 },
      onProgress: (p) => seen.push(p),
      progressMs: 0,
    });
    expect(r.schedules).toBe(70);
    const last = seen[seen.length - 1]!;
    expect(seen.filter((p) => p.done)).toHaveLength(1);
    expect(last).toMatchObject({
      done: true,
      exhausted: true,
      schedules: 70,
      covered: 1,
      etaMs: null,
      outcomes: { ok: 70 },
      cap: 100000,
    });
    // The dfs coverage estimate grows with the schedules and stays within [0, 1].
    const cov = seen.filter((p) => !p.done).map((p) => p.covered!);
    for (let i = 1; i < cov.length; i++) expect(cov[i]!).toBeGreaterThanOrEqual(cov[i - 1]!);
    expect(cov[0]!).toBeGreaterThanOrEqual(0);
    expect(cov[cov.length - 1]!).toBeLessThan(1);
  });

  it("the state cache gives states and their rate but no coverage or ETA, and says why", () => {
    const seen: ExploreProgress[] = [];
    const r = explore("follow-vs-zap", {
      preemptions: Infinity,
      cache: true,
      schedules: 1e9,
      params: { lookups: 2 },
      onProgress: (p) => seen.push(p),
      progressMs: 0,
    });
    const running = seen.filter((p) => !p.done);
    expect(running.length).toBeGreaterThan(5);
    for (const p of running) {
      expect(p).toMatchObject({ covered: null, etaMs: null, noEstimate: "state cache" });
      expect(p.states).toBeGreaterThan(0);
    }
    expect(formatProgress(running[0]!)).toMatch(/ states \(.*\/s\), .*no ETA \(state cache\)$/);
    expect(seen[seen.length - 1]).toMatchObject({ done: true, exhausted: true, covered: 1, states: r.states });
  });

  it("random exploration has no coverage or space ETA, only the time to the cap", () => {
    const seen: ExploreProgress[] = [];
    explore("lost-update", { strategy: "random", schedules: 20, onProgress: (p) => seen.push(p), progressMs: 0 });
    expect(seen.every((p) => p.covered === null)).toBe(true);
    expect(seen[seen.length - 1]).toMatchObject({ done: true, exhausted: false, schedules: 20 });
  });

  it("dpor reports its cut runs and ends exhausted", () => {
    const seen: ExploreProgress[] = [];
    const r = explore("follow-vs-zap", {
      preemptions: Infinity,
      reduction: "dpor",
      params: { lookups: 2 },
      onProgress: (p) => seen.push(p),
      progressMs: 0,
    });
    expect(seen[seen.length - 1]).toMatchObject({
      done: true,
      exhausted: true,
      schedules: r.schedules,
      pruned: r.pruned,
      steps: r.steps,
    });
  });

  it("formats one line: schedules, rate, elapsed, coverage and time left while running; how it ended at the end", () => {
    const base: ExploreProgress = {
      schedules: 12345,
      pruned: 0,
      states: null,
      stateRate: null,
      steps: 1,
      elapsedMs: 4200,
      rate: 2939.3,
      cap: 100000,
      covered: 0.41,
      etaMs: 6043,
      noEstimate: null,
      outcomes: {},
      done: false,
      exhausted: false,
    };
    expect(formatProgress(base)).toBe("12,345 schedules, 2,939/s, 4.2 s, ~41% of the space, ~6.0 s left");
    expect(formatProgress({ ...base, covered: 0.0004, etaMs: 3 * 3600e3 })).toBe(
      "12,345 schedules, 2,939/s, 4.2 s, < 0.1% of the space, ~3.0 h left",
    );
    expect(formatProgress({ ...base, pruned: 7, done: true, exhausted: true, covered: 1, etaMs: null })).toBe(
      "12,345 schedules, 7 cut, 2,939/s, 4.2 s, done: space covered",
    );
    expect(formatProgress({ ...base, done: true, covered: null, etaMs: null })).toBe(
      "12,345 schedules, 2,939/s, 4.2 s, stopped",
    );
    expect(
      formatProgress({ ...base, states: 900, stateRate: 214.3, covered: null, etaMs: null, noEstimate: "state cache" }),
    ).toBe("12,345 schedules, 900 states (214/s), 2,939/s, 4.2 s, no ETA (state cache)");
  });
});
