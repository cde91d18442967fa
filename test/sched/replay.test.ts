import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { explore, replay, simulate, traceLines } from "../../src/sched/explore/explorer";
import { decodeSchedule, encodeSchedule, parseReplay } from "../../src/sched/explore/replay-string";
import { getScenario } from "../../src/scenarios/registry";
import "../../src/scenarios/index";

describe("replay", () => {
  it("reproduces the reported failure exactly: same trace lines, outcomes and replay string", () => {
    const r = explore("abba", { preemptions: 2 });
    const f = r.firstFailure!;
    const again = replay("abba", f.replay);
    expect(traceLines(again)).toEqual(f.trace);
    expect(again.replay).toBe(f.replay);
    expect(again.preemptions).toBe(f.preemptions);
  });

  it("carries non-default params in the string and rejects a contradicting -p", () => {
    const r = explore("lost-update", { preemptions: 1, params: { tasks: 3 } });
    const rs = r.firstFailure!.replay;
    expect(rs.startsWith("tasks=3/")).toBe(true);
    expect(replay("lost-update", rs).params).toEqual({ tasks: 3, increments: 1 });
    expect(replay("lost-update", rs, { params: { increments: "1" } }).outcomes).toContain("lost-update");
    expect(() => replay("lost-update", rs, { params: { tasks: "2" } })).toThrow(/contradicts tasks=3/);
  });

  it("a timed run's schedule replays in controlled mode with identical times", () => {
    const t = simulate("locked-counter", { params: { tasks: 3, increments: 2, kind: "mutex" } });
    const again = replay("locked-counter", t.replay);
    expect(traceLines(again)).toEqual(traceLines(t));
    expect(again.end.time).toBe(t.end.time);
  });

  it("a schedule naming a task that cannot run is rejected with the step and the runnable tasks", () => {
    expect(() => replay("lost-update", "a5")).toThrow(
      /step 2 wants task a \(inc0\), which cannot run there \(runnable: b=inc1\)/,
    );
    expect(() => replay("lost-update", "a?")).toThrow(/unexpected '\?' at position 1/);
    expect(() => replay("lost-update", "foo=1/ab")).toThrow(/unknown param 'foo'/);
  });

  it("schedule encoding round-trips, including task indices above 25", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 60 }), (ids) => {
        expect(decodeSchedule(encodeSchedule(ids))).toEqual(ids);
      }),
    );
    expect(encodeSchedule([0, 0, 0, 1, 1, 0, 27])).toBe("a3b2a[27]");
    expect(parseReplay(getScenario("interleave"), "steps=4/ab3").schedule).toEqual([0, 1, 1, 1]);
  });
});
