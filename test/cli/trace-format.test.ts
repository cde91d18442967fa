// The trace `pfnlab replay` prints: a header, one simulated clock for all tasks that only
// grows down the time column, each step number once; and --list says why follow-vs-zap's
// variant default differs from the other races'.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/runner";
import { replay, simulate, traceLines } from "../../src/sched/explore/explorer";
import { listScenarios } from "../../src/scenarios/registry";
import "../../src/scenarios/index";

const pfnlab = (...args: string[]) =>
  spawnSync(process.execPath, [join(projectRoot, "dist/cli/main.js"), ...args], { cwd: projectRoot, encoding: "utf8" });

/** The step and time columns of trace lines (blank on a step's continuation lines). */
function columns(lines: string[]) {
  return lines
    .filter((l) => /^ {0,3}\d+ +\S+ns|^ {0,3}\d+ +[\d.]+us|^ {15}/.test(l))
    .map((l) => ({ step: l.slice(0, 4).trim(), time: l.slice(5, 15).trim() }));
}
const ns = (t: string) => (t.endsWith("us") ? Math.round(parseFloat(t) * 1000) : parseInt(t, 10));

describe("replay traces", () => {
  it("pfnlab replay prints a header, unique step numbers and a time column that never goes back", () => {
    const r = pfnlab("replay", "follow-vs-zap", "a4b", "-p", "variant=v6.12");
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[1]).toMatch(/^step +time task +what +details @ call site$/);
    const cols = columns(lines.slice(2));
    const steps = cols.filter((c) => c.step !== "").map((c) => Number(c.step));
    expect(steps).toEqual([...Array(19).keys()]);
    const times = cols.filter((c) => c.time !== "").map((c) => ns(c.time));
    expect(times.length).toBe(19);
    for (let i = 1; i < times.length; i++) expect(times[i], `step ${i}`).toBeGreaterThanOrEqual(times[i - 1]!);
    // The zap starts (step 4) when the lookup's step 3 started, not at 0 ns on its own clock.
    expect(times[4]).toBe(times[3]);
    expect(r.stdout).toMatch(/^ {16}zap +done +\(at \d+ns\)$/m);
  });

  it("every replayed and timed trace of every scenario has unique steps and a growing time column", () => {
    for (const s of listScenarios()) {
      for (const run of [simulate(s.name), replay(s.name, simulate(s.name).replay)]) {
        const cols = columns(traceLines(run));
        const steps = cols.filter((c) => c.step !== "").map((c) => Number(c.step));
        expect(new Set(steps).size, s.name).toBe(steps.length);
        const times = cols.filter((c) => c.time !== "").map((c) => ns(c.time));
        for (let i = 1; i < times.length; i++) expect(times[i]! >= times[i - 1]!, `${s.name} line ${i}`).toBe(true);
      }
    }
  });

  it("--list: every race defaults to the fixed kernel except follow-vs-zap, which says why", () => {
    const out = pfnlab("explore", "--list").stdout;
    const defaults = [
      ...out.matchAll(
        /^(\S+): .*\n(?: {2}.*\n)*? {2}-p variant \(string, one of v6\.12\|fixed; default (\S+)\): (.*)$/gm,
      ),
    ].map((m) => [m[1], m[2], m[3]]);
    expect(defaults.length).toBeGreaterThanOrEqual(4);
    for (const [name, dflt, doc] of defaults) {
      if (name === "follow-vs-zap") {
        expect(dflt).toBe("v6.12");
        expect(doc).toMatch(
          /Default v6\.12 here, while the caller scenarios default to fixed: this scenario is the v6\.12 bug itself/,
        );
      } else expect(dflt, name).toBe("fixed");
    }
  });
});
