import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");
const bin = path.join(root, "dist/cli/main.js");

function pfnlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("pfnlab CLI (built package)", () => {
  beforeAll(() => {
    // dist/ is built by the global setup (test/support/global-setup.ts).
    expect(fs.existsSync(bin)).toBe(true);
    expect(fs.readFileSync(bin, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
  }, 180_000);

  it("explore --json prints exactly scenario, strategy, schedules, exhausted, outcomes, events, firstFailure{replay, trace}", () => {
    const r = pfnlab("explore", "lost-update", "--strategy", "dfs", "--preemptions", "1", "--json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual([
      "scenario",
      "strategy",
      "schedules",
      "exhausted",
      "outcomes",
      "events",
      "firstFailure",
    ]);
    expect(j).toMatchObject({
      scenario: "lost-update",
      strategy: "dfs",
      schedules: 4,
      exhausted: true,
      outcomes: { "lost-update": 2, ok: 2 },
      events: {},
    });
    expect(Object.keys(j.firstFailure)).toEqual(["replay", "trace"]);
    expect(j.firstFailure.replay).toBe("ab");
    expect(j.firstFailure.trace.at(-1)).toBe("outcomes: lost-update");

    const none = JSON.parse(pfnlab("explore", "locked-counter", "-p", "tasks=2", "--preemptions", "0", "--json").out);
    expect(none.firstFailure).toBeNull();
  });

  it("explore --list shows scenarios with their params; replay prints the trace step by step", () => {
    const list = pfnlab("explore", "--list");
    expect(list.code).toBe(0);
    expect(list.out).toContain("lost-update: ");
    expect(list.out).toContain("-p kind (string, one of spinlock|mutex|rwsem; default mutex)");
    const rp = pfnlab("replay", "abba", "ab");
    expect(rp.code).toBe(0);
    expect(rp.out).toContain("deadlock: t0 -> &lock_b (B) -> t1 -> &lock_a (A) -> t0");
  });

  it("unknown subcommands, flags, scenarios and bad param values exit 2 with a message naming them", () => {
    const cases: [string[], RegExp][] = [
      [["frobnicate"], /unknown command 'frobnicate'/],
      [["explore", "lost-update", "--fast"], /unknown flag --fast/],
      [["explore", "nope"], /unknown scenario 'nope'/],
      [["explore", "lost-update", "-p", "tasks=zero"], /param tasks: value 'zero' is not an integer/],
      [["explore", "lost-update", "-p", "tasks"], /pfnlab explore: -p tasks must be written key=value/],
      [["explore", "lost-update", "-p", "tasks=1", "-p", "tasks=2"], /pfnlab explore: -p tasks is given twice/],
      [["replay", "lost-update", "ab", "-p", "tasks=1", "-ptasks=2"], /pfnlab replay: -p tasks is given twice/],
      [["explore", "lost-update", "--strategy", "bfs"], /--strategy bfs is not one of random\|pct\|dfs/],
      [["replay", "lost-update"], /expected <scenario> <replay>/],
    ];
    for (const [args, msg] of cases) {
      const r = pfnlab(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(msg);
    }
  });
});
