// pfnlab explore: --reduce, the stop message when the cap is hit, progress on stderr,
// and the lookups/callers params in --list (built package, as users run it).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");
const bin = path.join(root, "dist/cli/main.js");

function pfnlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("pfnlab explore: reduction, caps and progress", () => {
  it("--reduce covers the whole space of two lookups in 39 schedules and finds the v6.12 stale pfn shrunk as plain dfs does", () => {
    const r = pfnlab("explore", "follow-vs-zap", "-p", "lookups=2", "--preemptions", "inf", "--reduce");
    expect(r.code).toBe(0);
    expect(r.out).toContain("(dfs with partial-order reduction, no preemption bound;");
    expect(r.out).toContain(
      "schedules: 39 (exhausted: one schedule of every class of equivalent schedules within the bound was run)",
    );
    const plain = pfnlab("explore", "follow-vs-zap", "-p", "lookups=2", "--preemptions", "1");
    const shrunk = (s: string) =>
      /first failure: stale-pfn with 1 preemption\(s\), \d+ steps; replay (\S+)/.exec(s)![1];
    expect(shrunk(r.out)).toBe(shrunk(plain.out));
  });

  it("the fixed variant with three lookups: no failure in the whole space, said as a proof", () => {
    const r = pfnlab(
      "explore",
      "follow-vs-zap",
      "-p",
      "lookups=3",
      "-p",
      "variant=fixed",
      "--preemptions",
      "inf",
      "--reduce",
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain("schedules: 431 (exhausted");
    expect(r.out).toContain("no failure in the whole space");
  });

  it("a search stopped by the cap says so, names the cap and what the scenario is for, and claims no proof", () => {
    const r = pfnlab("explore", "pud-lock-contention", "--schedules", "50");
    expect(r.code).toBe(0);
    expect(r.out).toContain("what it is for: N tasks repeatedly look up their own leaf");
    expect(r.out).toContain("stopped: the cap of 50 schedules was hit before the space was covered");
    expect(r.out).toContain("no failure found in the part explored (not a proof: the cap stopped the search)");
    expect(r.out).not.toContain("exhausted");
  });

  it("--progress prints schedules, rate and time left to stderr for a run longer than a second", () => {
    const r = pfnlab(
      "explore",
      "follow-vs-zap",
      "-p",
      "lookups=2",
      "--preemptions",
      "2",
      "--schedules",
      "2642",
      "--progress",
    );
    expect(r.code).toBe(0);
    // Runs shorter than a second print nothing; the final line always says how it ended.
    for (const line of r.err.split("\n").filter(Boolean))
      expect(line).toMatch(/^explore: [\d,]+ schedules, [\d,]+\/s, [\d.]+ s/);
  });

  it("--list documents lookups (1..8) for follow-vs-zap and callers for the plain callers' races; --reduce with random is a usage error", () => {
    const list = pfnlab("explore", "--list");
    expect(list.out).toMatch(/-p lookups \(int, >= 1, <= 8; default 1\): concurrent lookup tasks/);
    expect(list.out).toMatch(
      /-p callers \(int, >= 1, <= 4; default 1\): concurrent vCPU \(each faults the same gfn\) tasks/,
    );
    expect(list.out).toMatch(/-p callers \(int, >= 1, <= 4; default 1\): concurrent VFIO DMA-map/);
    expect(list.out).toMatch(/-p callers \(int, >= 1, <= 4; default 1\): concurrent s390_pci_mmio_write tasks/);
    const bad = pfnlab("explore", "lost-update", "--strategy", "random", "--reduce");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--reduce needs --strategy dfs \(got random\)/);
    const nine = pfnlab("explore", "follow-vs-zap", "-p", "lookups=9");
    expect(nine.code).toBe(2);
    expect(nine.err).toMatch(/param lookups: value 9 is above the maximum 8/);
  });
});

describe("pfnlab explore --cache", () => {
  it("--cache prints the states explored and finds the shrunk stale pfn plain dfs finds; with --reduce or random it is a usage error", () => {
    const r = pfnlab("explore", "follow-vs-zap", "-p", "lookups=2", "--preemptions", "1", "--cache");
    expect(r.code).toBe(0);
    expect(r.out).toContain("(dfs with state caching, preemption bound 1;");
    expect(r.out).toMatch(/states: \d+ distinct; \d+ schedules stopped at a state explored before/);
    const plain = pfnlab("explore", "follow-vs-zap", "-p", "lookups=2", "--preemptions", "1");
    const shrunk = (s: string) => /first failure: stale-pfn with .*; replay (\S+)/.exec(s)![1];
    expect(shrunk(r.out)).toBe(shrunk(plain.out));
    expect(pfnlab("explore", "follow-vs-zap", "--cache", "--reduce").code).not.toBe(0);
    const rnd = pfnlab("explore", "follow-vs-zap", "--cache", "--strategy", "random");
    expect(rnd.code).not.toBe(0);
    expect(rnd.err).toContain("--cache needs --strategy dfs");
  });
});
