/**
 * The mirror of a race step comes from its call stack (scenarios/mm/mirrors.ts): these tests
 * hold the table to the code, so a moved or renamed function cannot leave it pointing at
 * the wrong file (as the old site-text table did: remapPfnRange -> insert.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import "../../src/scenarios/index";
import { raceTrace } from "../../src/scenarios/mm/compare";
import { MIRRORS, mirrorOfFrames } from "../../src/scenarios/mm/mirrors";
import { listScenarios } from "../../src/scenarios/registry";
import { explore } from "../../src/sched/explore/explorer";

const root = resolve(__dirname, "..", "..");

/** Is `name` declared as a function, generator or method in `text`? */
function defines(text: string, name: string): boolean {
  return new RegExp(
    `(function\\*?\\s*${name}\\b|^\\s*\\*?${name}\\s*\\(|\\b${name}\\s*[:=]\\s*(function|\\())`,
    "m",
  ).test(text);
}

describe("the mirror table agrees with where the functions are defined", () => {
  it("every file of the table exists and defines each function listed for it", () => {
    for (const m of MIRRORS) {
      const file = join(root, m.file);
      expect(existsSync(file), m.file).toBe(true);
      const text = readFileSync(file, "utf8");
      for (const f of m.functions ?? []) expect(defines(text, f), `${f} in ${m.file}`).toBe(true);
    }
  });

  it("remap_pfn_range is mirrored in remap.ts, and a frame there (not the site's words) says so", () => {
    expect(mirrorOfFrames([{ fn: "remapPfnRangeSteps", file: "src/mm/remap.ts", line: 60 }])).toEqual({
      fn: "remap_pfn_range",
      file: "src/mm/remap.ts",
    });
    expect(defines(readFileSync(join(root, "src/mm/remap.ts"), "utf8"), "remapPfnRangeSteps")).toBe(true);
  });

  it("a helper frame outside the table falls through to its caller; follow.ts tells start from end by function", () => {
    const helper = { fn: "pteOffsetMapLockSteps", file: "src/mm/follow.ts", line: 180 };
    expect(mirrorOfFrames([helper, { fn: "followPteSteps", file: "src/mm/follow-pte.ts", line: 40 }])?.fn).toBe(
      "follow_pte",
    );
    expect(mirrorOfFrames([helper, { fn: "followPfnmapStartSteps", file: "src/mm/follow.ts", line: 200 }])?.fn).toBe(
      "follow_pfnmap_start",
    );
    expect(mirrorOfFrames([{ fn: "followPfnmapEndSteps", file: "src/mm/follow.ts", line: 285 }])?.fn).toBe(
      "follow_pfnmap_end",
    );
    expect(mirrorOfFrames([{ fn: "Object.body", file: "src/scenarios/toy/abba.ts", line: 9 }])).toBeNull();
  });

  it("in every scenario's first failing race, each step's mirror file is the file of a frame that yielded it", () => {
    let checked = 0;
    for (const s of listScenarios()) {
      const r = explore(s.name, { strategy: "dfs", preemptions: 1 });
      if (!r.firstFailure) continue;
      const t = raceTrace(s.name, r.firstFailure.replay);
      const recs = t.report.trace;
      for (const step of t.steps) {
        if (!step.mirror) continue;
        const rec = recs.find((x) => x.step === step.step && x.task === step.task && x.kind === step.kind)!;
        const frames =
          rec.frames ?? recs.filter((x) => x.task === step.task && x.frames && x.step < step.step).at(-1)?.frames;
        expect(
          frames?.some((f) => f.file === step.mirror!.file),
          `${s.name} step ${step.step} ${step.site}`,
        ).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });
});
