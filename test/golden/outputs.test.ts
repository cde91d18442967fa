/**
 * Golden outputs: what `pfnlab explore` and `pfnlab replay` print for every registered
 * scenario, and the race table/step chart of each first failure, byte for byte as recorded
 * in test/golden/fixtures/ (line numbers of src/ files aside). Refactors (issue 17) must leave these unchanged; a change that
 * is meant (a fixed bug) is re-recorded with GOLDEN_UPDATE=1 and named in its commit.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import "../../src/scenarios/index";
import { listScenarios } from "../../src/scenarios/registry";
import { raceTrace } from "../../src/scenarios/mm/compare";
import { raceStepChart, raceTable, raceTableText } from "../../src/display/race-figures";

const root = resolve(__dirname, "..", "..");
const bin = join(root, "dist/cli/main.js");
const dir = join(__dirname, "fixtures");
const update = process.env.GOLDEN_UPDATE === "1";

function pfnlab(...args: string[]): string {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8" });
  return `$ pfnlab ${args.join(" ")}\nexit ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

function golden(name: string, text: string): void {
  const file = join(dir, name);
  if (update || !existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, text);
    if (!update) throw new Error(`golden ${name} was missing and is now recorded: check it in and run again`);
    return;
  }
  // Line numbers of our own source (call sites, "src/mm/follow.ts:201") move with any edit
  // above them; the file and everything else must stay the same.
  const lines = (t: string) => t.replace(/(src\/[\w/.-]+\.ts):\d+ */g, "$1:N ");
  expect(lines(text), `${name} differs from its recorded golden output`).toBe(lines(readFileSync(file, "utf8")));
}

const names = listScenarios().map((s) => s.name);

/** Extra parameter sets that make failing scenarios fail (v6.12, broken checks, no setter). */
const EXTRA: Record<string, string[][]> = {
  "follow-vs-zap": [["leaf=pud"], ["leaf=pte", "release=free-ram"]],
  "generic-access-phys-vs-zap": [["variant=v6.12"], ["ioremap=under-lock"]],
  "kvm-vs-zap": [["variant=v6.12"], ["check=skip"]],
  "s390-mmio-vs-zap": [["variant=v6.12"]],
  "vfio-type1-vs-zap": [["notifier=interval"]],
  "x86-pat-vs-zap": [["variant=v6.12", "leaf=pmd"]],
  abba: [["kind=spinlock"]],
  "pud-lock-contention": [["tasks=2", "lookups=1"]],
};

describe("explore and replay print the recorded output for every scenario", () => {
  it("knows at least the 13 scenarios recorded when the golden test was written", () => {
    expect(names.length).toBeGreaterThanOrEqual(13);
  });
  const cases = names.flatMap((s) => [
    [s, []] as [string, string[]],
    ...(EXTRA[s] ?? []).map((p) => [s, p] as [string, string[]]),
  ]);
  for (const [s, ps] of cases) {
    const pargs = ps.flatMap((p) => ["-p", p]);
    const params = Object.fromEntries(
      ps
        .map((p) => p.split("="))
        .map(([k, v]) => [k!, v === "true" ? true : v === "false" ? false : /^\d+$/.test(v!) ? Number(v) : v!]),
    );
    const tag = ps.length ? `${s}@${ps.join(",")}` : s;
    it(`${tag}: explore (dfs, 1 preemption; text and json), replay of its first failure (text, json, lockstat), race table and step chart`, () => {
      const explore = ["explore", s, "--strategy", "dfs", "--preemptions", "1", ...pargs];
      const json = pfnlab(...explore, "--json");
      const text = pfnlab(...explore);
      const out = [json, text];
      const body = json.split("--- stdout\n")[1]!.split("--- stderr\n")[0]!;
      const replay: string | undefined = JSON.parse(body).firstFailure?.replay;
      if (replay) {
        out.push(
          pfnlab("replay", s, replay, ...pargs),
          pfnlab("replay", s, replay, "--json", ...pargs),
          pfnlab("replay", s, replay, "--lockstat", ...pargs),
        );
        const t = raceTrace(s, replay, params);
        const rows = raceTable(t);
        out.push(JSON.stringify({ steps: t.steps, outcomes: t.outcomes, state: t.state }, null, 1));
        out.push(JSON.stringify(rows, null, 1), raceTableText(rows), JSON.stringify(raceStepChart(t)));
      }
      golden(`${tag.replace(/[=,@]/g, "_")}.txt`, out.join("\n=====\n") + "\n");
    });
  }
});
