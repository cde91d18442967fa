// The exploration benchmark in quick mode: schedule counts equal the explorer's, and
// (when spin and gcc exist) Spin's numbers are parsed and its verdicts match ours.
import { describe, expect, it } from "vitest";
import { defaultOptions, type BenchReport } from "../../src/bench/harness";
import { explorationBenchmark, timedExplore } from "../../src/bench/exploration";
import { findTool, parsePan } from "../../src/bench/spin";
import { explore } from "../../src/sched/explore/explorer";
import "../../src/scenarios/index";

const PAN_OUTPUT = `
(Spin Version 6.5.2 -- 6 December 2019)
State-vector 28 byte, depth reached 19, errors: 0
      124 states, stored
       90 states, matched
      214 transitions (= stored+matched)
pan: elapsed time 0.01 seconds
`;

describe("exploration (quick)", () => {
  it("parses pan's report", () => {
    expect(parsePan(PAN_OUTPUT)).toMatchObject({
      statesStored: 124,
      statesMatched: 90,
      transitions: 214,
      depth: 19,
      errors: 0,
      panSeconds: 0.01,
    });
    expect(() => parsePan("nothing")).toThrow(/pan output lacks/);
  });

  it("counts the same schedules as the explorer at bound 2, and Spin agrees on the verdicts", () => {
    const rep = explorationBenchmark.run(defaultOptions(true, () => undefined)) as BenchReport;
    for (const name of ["follow-vs-zap", "vfio-type1-vs-zap"]) {
      const r = rep.rows.find((x) => x.case === `${name} dfs bound 2`)!;
      const direct = explore(name, { strategy: "dfs", preemptions: 2, schedules: 200_000, shrink: false });
      expect(r.extra!.schedules).toBe(direct.schedules);
      expect(r.extra!.exhausted).toBe(true);
      expect(r.extra!.outcomes).toBe(JSON.stringify(direct.outcomes));
      expect(r.value).toBeGreaterThan(0);
    }
    expect(timedExplore("follow-vs-zap", 2).result.outcomes["stale-pfn"]).toBeGreaterThan(0);
    if (findTool("spin") && (findTool("gcc") || findTool("cc"))) {
      const spin = rep.rows.filter((r) => r.case.startsWith("spin follow-vs-zap"));
      expect(spin.length).toBe(8);
      for (const r of spin) {
        expect(r.extra!.statesStored).toBeGreaterThan(0);
        expect(r.extra!.transitions).toBeGreaterThanOrEqual(r.extra!.statesStored as number);
        expect(Number.isFinite(r.value)).toBe(true);
      }
      expect(rep.notes.join("\n")).toMatch(/verdicts agree/);
    } else {
      expect(rep.notes.join("\n")).toMatch(/spin not found|gcc not found/);
    }
  });
});
