// The race-scaling benchmark in quick mode (N = 1, 2): our counts are the explorer's
// own, the verdicts are the expected ones, and Spin (when installed) agrees with them.
import { describe, expect, it } from "vitest";
import { defaultOptions, type BenchReport } from "../../src/bench/harness";
import { exploreLookups, raceScalingBenchmark } from "../../src/bench/race-scaling";
import { findTool } from "../../src/bench/spin";
import { explore } from "../../src/sched/explore/explorer";
import "../../src/scenarios/index";

describe("race-scaling (quick)", () => {
  it("reports the explorer's own whole-space counts per N and variant, and Spin's verdicts match ours", () => {
    const rep = raceScalingBenchmark.run(defaultOptions(true, () => undefined)) as BenchReport;
    for (const n of [1, 2]) {
      for (const variant of ["fixed", "v6.12"]) {
        const r = rep.rows.find((x) => x.case === `lookups=${n} ${variant}: ours (dpor, whole space)`)!;
        const direct = explore("follow-vs-zap", {
          preemptions: Infinity,
          reduction: "dpor",
          shrink: false,
          params: { lookups: n, variant },
        });
        expect(r.extra!.oursSchedules).toBe(direct.schedules);
        expect(r.extra!.oursVerdict).toBe(variant === "fixed" ? "safe" : "stale pfn");
        if (findTool("spin") && (findTool("gcc") || findTool("cc"))) {
          expect(r.extra!.spinVerdict).toBe(r.extra!.oursVerdict);
          expect(r.extra!.spinStates).toBeGreaterThan(0);
        }
      }
    }
    const n2 = rep.rows.find((x) => x.case === "lookups=2 fixed: ours (dpor, whole space)")!;
    const n1 = rep.rows.find((x) => x.case === "lookups=1 fixed: ours (dpor, whole space)")!;
    expect(n2.extra!.oursGrowth).toBeCloseTo(
      (n2.extra!.oursSchedules as number) / (n1.extra!.oursSchedules as number),
      2,
    );
  }, 300_000);

  it("the dfs + state cache rows report the explorer's own state counts and the expected verdicts", () => {
    const rep = raceScalingBenchmark.run(defaultOptions(true, () => undefined)) as BenchReport;
    for (const variant of ["fixed", "v6.12"]) {
      const r = rep.rows.find((x) => x.case === `lookups=2 ${variant}: ours (dfs + state cache, whole space)`)!;
      const direct = explore("follow-vs-zap", {
        preemptions: Infinity,
        cache: true,
        shrink: false,
        params: { lookups: 2, variant },
      });
      expect(r.extra!.states).toBe(direct.states);
      expect(r.extra!.runs).toBe(direct.schedules + direct.pruned);
      expect(r.extra!.verdict).toBe(variant === "fixed" ? "safe" : "stale pfn");
    }
  }, 300_000);

  it("a budget that runs out leaves the space uncovered and says so", () => {
    const r = exploreLookups(3, "fixed", 0);
    expect(r.outOfTime).toBe(true);
    expect(r.result.exhausted).toBe(false);
    expect(r.result.stoppedBy).toBe("stopped");
  });
});
