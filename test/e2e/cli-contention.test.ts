// The issue's call, as a user types it: `pfnlab explore pud-lock-contention -p tasks=32
// -p lookups=200` (inside the documented limits) completes with no livelock and shows what
// the experiment is for: the lock_stat summary of a timed run, every lookup counted.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/runner";

describe("pfnlab explore pud-lock-contention at its documented maximum", () => {
  it("completes: every schedule ok, no livelock, and the timed run's lock_stat counts 32 x 200 = 6400 acquisitions", () => {
    const r = spawnSync(
      process.execPath,
      [join(projectRoot, "dist/cli/main.js"), "explore", "pud-lock-contention", "-p", "tasks=32", "-p", "lookups=200"],
      {
        cwd: projectRoot,
        encoding: "utf8",
      },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/livelock: /);
    expect(r.stdout).toMatch(/^schedules: 200\b/m);
    expect(r.stdout).toMatch(/^ {2}ok +200$/m);
    expect(r.stdout).toMatch(
      /^timed run \(simulate\): 6400 lookups done, 0 failed, all tasks done at \d+ ns simulated$/m,
    );
    const row = r.stdout.split("\n").find((l) => l.trim().startsWith("&mm->page_table_lock"));
    expect(row?.trim().split(/\s+/).slice(1, 3)).toEqual(["6400", "6399"]);
    expect(r.stdout).toMatch(/no failure found/);
  }, 300_000);
});
