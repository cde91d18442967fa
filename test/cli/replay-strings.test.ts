// Issue 15, item 8: replay strings that are too long or malformed fail at once with a
// clear, bounded error (no V8 abort, no gigabytes), and no error starts with an internal
// function name.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import "../../src/scenarios/index";
import { resolveScenario } from "../../src/sched/explore/explorer";
import {
  MAX_REPLAY_STEPS,
  ReplayStringError,
  decodeSchedule,
  parseReplay,
} from "../../src/sched/explore/replay-string";

const root = path.resolve(__dirname, "../..");
const bin = path.join(root, "dist/cli/main.js");

function pfnlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("replay strings are bounded and checked", () => {
  it.each([
    ["a99999999999999999999b", /run length 99999999999999999999 at position 1 is over the limit of 100000 steps/],
    ["a100000000b", /run length 100000000 at position 1 is over the limit of 100000 steps/],
    ["a60000b60000", /is over the limit of 100000 steps in all/],
    ["[99999999999]a", /task index 99999999999 at position 0 is over the limit of 1000 tasks/],
    ["variant=%E0%A4%A/a4b", /param value '%E0%A4%A' has a malformed %-escape/],
  ])("pfnlab replay follow-vs-zap %s exits 2 at once", (rs, msg) => {
    const r = pfnlab("replay", "follow-vs-zap", rs);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg);
    expect(r.err.split("\n")[0]).toMatch(/^pfnlab replay: replay string '/);
    expect(r.err.split("replay string ").length, "the string is named once").toBe(2);
  });

  it("parseReplay's errors are ReplayStringErrors that carry the string, so the CLI need not read the message", () => {
    const s = resolveScenario("follow-vs-zap");
    for (const rs of ["", "a/", "x=1,y/a", "variant=%E0%A4%A/a4b", "[99999999999]a"]) {
      let err: unknown;
      try {
        parseReplay(s, rs);
      } catch (e) {
        err = e;
      }
      expect(err, rs).toBeInstanceOf(ReplayStringError);
      expect((err as ReplayStringError).replay).toBe(rs);
      expect((err as Error).name).toBe("Error");
    }
  });

  it("a schedule that does not fit the scenario is reported without an internal name first", () => {
    const r = pfnlab("replay", "follow-vs-zap", "a100b");
    expect(r.code).toBe(2);
    expect(r.err.split("\n")[0]).toMatch(
      /^pfnlab replay: replay string 'a100b': step \d+ wants task a \(follow\), which cannot run there/,
    );
  });

  it("the limit is exactly MAX_REPLAY_STEPS (documented in replay-string.ts)", () => {
    expect(MAX_REPLAY_STEPS).toBe(100_000);
    expect(decodeSchedule(`a${MAX_REPLAY_STEPS}`)).toHaveLength(MAX_REPLAY_STEPS);
    expect(() => decodeSchedule(`a${MAX_REPLAY_STEPS}b`)).toThrow(/over the limit/);
  });
});
