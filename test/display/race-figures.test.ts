/**
 * The library behind notebook 04's tables and figures: replayed races as rows and step
 * charts, worst-outcome tallies per caller and their stacked bars. Numbers are checked
 * against the scenarios themselves (explore, compareCallers), and every figure is
 * deterministic (built twice, same JSON).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import "../../src/scenarios/index";
import { compareCallers, raceTrace } from "../../src/scenarios/mm/compare";
import { SEVERITY, paramGridCases, tallyOutcomes, worstOutcomeOf, worstOutcomes } from "../../src/scenarios/mm/tally";
import { explore } from "../../src/sched/explore/explorer";
import { DfsStrategy } from "../../src/sched/explore/dfs";
import { finishRun, prepareRun } from "../../src/sched/explore/runner";
import { resolveScenario } from "../../src/sched/explore/explorer";
import { resolveParams } from "../../src/scenarios/scenario";
import {
  callerOutcomeBars,
  contextSwitches,
  sanitizerEventOf,
  raceStepChart,
  raceTable,
  raceTableMarkdown,
  raceTableText,
} from "../../src/display/race-figures";
import type { PlotlyTrace } from "../../src/display/types";

const stale = () => raceTrace("follow-vs-zap", "a4b"); // v6.12, pmd leaf: the shrunk one-preemption race

describe("a replayed race names the line of our mirror each task is at", () => {
  it("every step's file:line is the line of src/ that yields it", () => {
    const t = stale();
    const withLine = t.steps.filter((s) => s.kind !== "note");
    expect(withLine.length).toBeGreaterThan(15);
    for (const s of withLine) {
      expect(s.line, `step ${s.step} ${s.site}`).toMatch(/^src\/[\w/-]+\.ts:\d+$/);
      const [file, n] = s.line!.split(":");
      const src = readFileSync(join(__dirname, "..", "..", file), "utf8").split("\n")[Number(n) - 1];
      // That line is where the model yields the step: a `yield*` of an effect helper.
      expect(src, `${s.line} for "${s.site}"`).toMatch(/yield\*/);
    }
  });
});

describe("raceTable: one row per scheduling step, with the mirror and the sanitizer's verdict", () => {
  it("the v6.12 follow-vs-zap race: follow walks locklessly, is preempted at step 4, zap clears the leaf, follow returns a stale pfn", () => {
    const rows = raceTable(stale());
    expect(rows.map((r) => r.step)).toEqual([...Array(19).keys()]);
    expect(rows.slice(0, 4).every((r) => r.task === "follow")).toBe(true);
    expect(rows[3]).toMatchObject({
      site: "followPfnmapStart: pmdp_get_lockless",
      kernelFn: "follow_pfnmap_start",
      what: "reads a page-table entry",
    });
    expect(rows[3].mirrorFile).toMatch(/^src\/mm\/follow\.ts:\d+$/);
    expect(rows[4]).toMatchObject({ task: "zap", switchIn: "preemption", what: "takes &mapping->i_mmap_rwsem [R]" });
    expect(rows[11]).toMatchObject({
      task: "zap",
      site: "unmap_mapping_range: zap_huge_pmd clears the pmd leaf",
      what: "writes a page-table entry",
    });
    expect(rows[11].mirrorFile).toMatch(/^src\/mm\/zap\.ts:\d+$/);
    expect(rows[14].what).toBe("drops &mapping->i_mmap_rwsem, then returns");
    expect(rows[15]).toMatchObject({ task: "follow", switchIn: "switch", what: "takes ptlock (PMD) [W]" });
    expect(rows[15].verdict).toMatch(
      /^lookup stale-pfn: lookup of 0x7effffe05000 returned pfn 0x10000005 but the page table maps nothing there now; hold: /,
    );
    expect(rows[16].verdict).toMatch(/access stale-pfn: cpu-read of pfn 0x10000005/);
    expect(rows[18].what).toBe("drops &mm->mmap_lock, then returns (0)");
    expect(rows.filter((r) => r.verdict !== "").map((r) => r.step)).toEqual([15, 16]);
  });

  it("the fixed variant on the same schedule rereads under the lock and fails cleanly", () => {
    const rows = raceTable(raceTrace("follow-vs-zap", "a4b", { variant: "fixed" }));
    expect(rows[16].site).toBe("followPfnmapStart: pmdp_get under pmd_lock");
    expect(rows[17].verdict).toMatch(/^lookup einval: .* failed \(-22\)$/);
    expect(rows.some((r) => /stale|use-after-free/.test(r.verdict))).toBe(false);
  });

  it("markdown: a header, one line per row, the preemption marked, bad verdicts in bold, pipes escaped", () => {
    const rows = raceTable(stale());
    const md = raceTableMarkdown(rows).split("\n");
    expect(md).toHaveLength(2 + rows.length);
    expect(md[0]).toBe(
      "| step | task | site in our mirror | mirror line (kernel function) | what happened | sanitizer |",
    );
    expect(md[2 + 4]).toMatch(/^\| ⚡ 4 \| zap \| `i_mmap_lock_read` \|/);
    expect(md[2 + 15]).toContain("| **lookup stale-pfn: ");
    const piped = raceTableMarkdown([{ ...rows[0], what: "a | b" }]).split("\n")[2];
    expect(piped).toContain("a \\| b");
    expect(() => raceTableMarkdown(null as never)).toThrow(/raceTableMarkdown: rows must be an array/);
  });

  it("bold comes from the sanitizer's outcome class (the row's bad flag), not from the verdict's words", () => {
    const rows = raceTable(stale());
    expect(rows.filter((r) => r.bad).map((r) => r.step)).toEqual([15, 16]);
    expect(Object.keys(rows[15]!)).not.toContain("bad");
    const worded = raceTableMarkdown([{ ...rows[0]!, verdict: "retried: not a stale-pfn" }]).split("\n")[2];
    expect(worded).toContain("| retried: not a stale-pfn |");
  });

  it("text: the preempting step starred, verdicts after =>", () => {
    const lines = raceTableText(raceTable(stale())).split("\n");
    expect(lines[4].startsWith("*  4 zap")).toBe(true);
    expect(lines[15]).toContain("=> lookup stale-pfn");
  });
});

describe("contextSwitches", () => {
  it("counts exactly the preemptions the scheduler counted, on every schedule of follow-vs-zap (v6.12, pmd) with <= 2 preemptions", () => {
    const sc = resolveScenario("follow-vs-zap");
    const params = resolveParams(sc, {});
    const dfs = new DfsStrategy(2);
    let n = 0;
    for (;;) {
      const prepared = prepareRun(sc, params, { trace: false });
      const choose = dfs.nextRun(n, prepared.sched.tasks.length);
      if (!choose) break;
      prepared.sched.run(choose);
      const report = finishRun(sc, params, prepared);
      n++;
      const t = raceTrace("follow-vs-zap", report.replay);
      expect(contextSwitches(t).filter((c) => c.preemption).length, report.replay).toBe(t.preemptions);
    }
    expect(n).toBe(143);
  });

  it("a switch away from a task that yielded (KVM's retry) or finished is not a preemption", () => {
    const t = raceTrace("kvm-vs-zap", "a9b");
    expect(contextSwitches(t)).toEqual([
      { step: 9, from: "kvm", to: "zap", preemption: true },
      { step: 30, from: "zap", to: "kvm", preemption: false },
    ]);
  });
});

describe("raceStepChart", () => {
  const markerTraces = (data: PlotlyTrace[]) =>
    data.filter((d) => d.mode === "markers+text" && !String(d.name).startsWith("sanitizer"));

  it("one marker per step in its task's column, lock holds as bars, the stale verdicts in the last column, one preemption line", () => {
    const fig = raceStepChart(stale());
    const markers = markerTraces(fig.data);
    const xs = markers.flatMap((d) => d.x as number[]);
    const ys = markers.flatMap((d) => d.y as number[]);
    expect([...ys].sort((a, b) => a - b)).toEqual([...Array(19).keys()]);
    expect(ys.filter((_, i) => xs[i] === 1).sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    const ptl = fig.data.find((d) => d.name === "holds ptlock (PMD)")!;
    // zap holds the PMD lock over steps 9-12, follow over 15-17 (x left of each column)
    expect(ptl.y).toEqual([9, 12, null, 15, 17, null]);
    expect((ptl.x as number[])[0]).toBeLessThan(1);
    expect((ptl.x as number[])[3]).toBeLessThan(0);
    const v = fig.data.find((d) => d.name === "sanitizer: stale-pfn")!;
    expect(v.x).toEqual([2, 2]);
    expect(v.text).toEqual(["lookup stale-pfn (follow)", "access stale-pfn (follow)"]);
    const lines = fig.layout.shapes as { y0: number; line: { dash: string } }[];
    expect(lines.filter((s) => s.line.dash === "dash").map((s) => s.y0)).toEqual([3.5]);
    expect((fig.layout.xaxis as { ticktext: string[] }).ticktext).toEqual(["follow", "zap", "sanitizer verdict"]);
    expect(fig.layout.title).toMatchObject({ text: "Replay a4b of follow-vs-zap: stale-pfn (1 preemption)" });
  });

  it("shows retries and secondary-MMU faults (an EPT violation) in the verdict column", () => {
    const fig = raceStepChart(raceTrace("vfio-type1-vs-zap", "notifier=interval/a10b"));
    expect(fig.data.find((d) => d.name === "sanitizer: retried")!.y).toEqual([27]);
    expect(fig.data.find((d) => d.name === "sanitizer: fault")).toBeUndefined(); // DMA never happened: lookup failed
    const kvm = raceStepChart(raceTrace("kvm-vs-zap", "a9b"));
    expect(kvm.data.find((d) => d.name === "sanitizer: fault")!.text).toEqual(["fault: nothing touched (kvm)"]);
  });

  it("is deterministic and plain JSON", () => {
    const a = JSON.stringify(raceStepChart(stale()));
    expect(JSON.stringify(raceStepChart(stale()))).toBe(a);
    expect(JSON.parse(a).data.length).toBeGreaterThan(3);
  });

  it("rejects what is not a RaceTrace", () => {
    expect(() => raceStepChart({} as never)).toThrow(/raceStepChart: trace must be a RaceTrace/);
  });
});

describe("worst outcome per schedule", () => {
  it("worstOutcomeOf ranks ok < einval < retried < stale-pfn < use-after-free < misuse", () => {
    expect(worstOutcomeOf(["ok"])).toBe("ok");
    expect(worstOutcomeOf(["retried", "einval"])).toBe("retried");
    expect(worstOutcomeOf(["use-after-free", "stale-pfn"])).toBe("use-after-free");
    expect(worstOutcomeOf(["misuse", "use-after-free"])).toBe("misuse");
    expect(() => worstOutcomeOf([])).toThrow(/worstOutcomeOf: outcomes must be a non-empty array/);
  });

  it("worstOutcomeOf returns a member no other member outranks (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SEVERITY), { minLength: 1, maxLength: 6 }), (cls) => {
        const w = worstOutcomeOf(cls);
        expect(cls).toContain(w);
        for (const c of cls) expect(SEVERITY.indexOf(c)).toBeLessThanOrEqual(SEVERITY.indexOf(w));
      }),
    );
  });

  it("tallyOutcomes partitions the schedules and its 'occurred' counts equal explore()'s", () => {
    for (const [name, params] of [
      ["kvm-vs-zap", {}],
      ["vfio-type1-vs-zap", { notifier: "interval" }],
      ["follow-vs-zap", {}],
    ] as const) {
      const t = tallyOutcomes(name, { preemptions: 1, params });
      const r = explore(name, { preemptions: 1, params });
      expect(t.exhausted).toBe(true);
      expect(t.schedules).toBe(r.schedules);
      expect(Object.values(t.outcomes).reduce((a, b) => a + b, 0)).toBe(t.schedules);
      for (const [k, n] of Object.entries(r.outcomes)) expect(t.occurred[k], `${name} ${k}`).toBe(n);
    }
  });

  it("tallyOutcomes' first replay of each class replays to a run showing that class", () => {
    const t = tallyOutcomes("kvm-vs-zap", { preemptions: 1 });
    expect(t.outcomes).toMatchObject({ retried: 11, "use-after-free": 0 });
    expect(raceTrace("kvm-vs-zap", t.firstReplay.retried!).outcomes).toContain("retried");
    const v = tallyOutcomes("vfio-type1-vs-zap", { preemptions: 1 });
    expect(v.replay).toBe(v.firstReplay["use-after-free"]);
    expect(raceTrace("vfio-type1-vs-zap", v.replay!).outcomes).toEqual(["use-after-free"]);
  });

  it("tallyOutcomes stops at the limit and says it did not exhaust", () => {
    const t = tallyOutcomes("follow-vs-zap", { preemptions: 2, limit: 10 });
    expect(t.schedules).toBe(10);
    expect(t.exhausted).toBe(false);
    expect(() => tallyOutcomes("follow-vs-zap", { preemptions: -1 })).toThrow(
      /tallyOutcomes: preemptions -1 must be an integer >= 0/,
    );
    expect(() => tallyOutcomes("no-such-scenario")).toThrow(/no-such-scenario/);
  });

  it("worstOutcomes compares the same callers as compareCallers, with the same schedules and occurrences", () => {
    const w = worstOutcomes({ preemptions: 1 });
    const c = compareCallers({ preemptions: 1 });
    expect(w.map((x) => x.caller)).toEqual(c.map((x) => x.caller));
    w.forEach((x, i) => {
      expect(x.schedules).toBe(c[i].schedules);
      for (const [k, n] of Object.entries(c[i].outcomes)) expect(x.occurred[k] ?? 0, `${x.caller} ${k}`).toBe(n);
    });
    const byCaller = Object.fromEntries(w.map((x) => [x.caller, x.outcomes]));
    expect(byCaller["VFIO type1"]["use-after-free"]).toBeGreaterThan(0);
    expect(byCaller["VFIO + interval notifier"]["use-after-free"]).toBe(0);
    expect(byCaller.KVM["use-after-free"]).toBe(0);
    expect(byCaller.KVM.retried).toBeGreaterThan(0);
  });

  it("paramGridCases: every combination, labelled", () => {
    const cases = paramGridCases("follow-vs-zap", { variant: ["v6.12", "fixed"], leaf: ["pte", "pmd", "pud"] });
    expect(cases.map((c) => c.caller)).toEqual([
      "v6.12 · pte",
      "v6.12 · pmd",
      "v6.12 · pud",
      "fixed · pte",
      "fixed · pmd",
      "fixed · pud",
    ]);
    expect(cases[4].params).toEqual({ variant: "fixed", leaf: "pmd" });
    expect(() => paramGridCases("follow-vs-zap", { leaf: [] })).toThrow(
      /paramGridCases: grid.leaf must be a non-empty array/,
    );
  });
});

describe("callerOutcomeBars", () => {
  const rows = [
    { caller: "a", outcomes: { ok: 3, einval: 1, retried: 0, "stale-pfn": 2, "use-after-free": 0, misuse: 0 } },
    { caller: "b", outcomes: { ok: 4, einval: 0, retried: 0, "stale-pfn": 0, "use-after-free": 0, misuse: 0 } },
  ];

  it("one stacked trace per class that occurred, in severity order", () => {
    const fig = callerOutcomeBars(rows);
    expect(fig.data.map((d) => d.name)).toEqual(["ok", "-EINVAL", "stale pfn"]);
    expect(fig.data[2].y).toEqual([2, 0]);
    expect(fig.layout.barmode).toBe("stack");
  });

  it("percent: shares of each caller's schedules, counts in customdata", () => {
    const fig = callerOutcomeBars(rows, { percent: true });
    expect(fig.data[0].y).toEqual([50, 100]);
    expect(fig.data[0].customdata).toEqual([3, 4]);
  });

  it("the follow-vs-zap grid: stale-pfn only for v6.12 on PMD and PUD leaves (bound 1), deterministic", () => {
    const build = () =>
      callerOutcomeBars(
        worstOutcomes({
          cases: paramGridCases("follow-vs-zap", { variant: ["v6.12", "fixed"], leaf: ["pte", "pmd", "pud"] }),
          preemptions: 1,
          common: { release: "none" },
        }),
      );
    const fig = build();
    expect(fig.data.find((d) => d.name === "stale pfn")!.y).toEqual([0, 3, 3, 0, 0, 0]);
    expect(JSON.stringify(build())).toBe(JSON.stringify(fig));
  });

  it("rejects empty or malformed rows", () => {
    expect(() => callerOutcomeBars([])).toThrow(/callerOutcomeBars: rows must be a non-empty array/);
    expect(() => callerOutcomeBars([{ caller: 1 as never, outcomes: {} as never }])).toThrow(
      /rows\[0\]\.caller must be a string/,
    );
  });
});

describe("trace records carry their lock and sanitizer verdicts as data", () => {
  it("a lock record names the lock_stat class and the instance in their own fields, the printed name joins them", () => {
    const r = stale().report.trace.find((x) => x.kind === "acquire" && x.lockClass === "ptlock (PMD)")!;
    expect(r.lockName).toMatch(/^proc pmd-table@0x[0-9a-f]+$/);
    expect(r.lock).toBe(`ptlock (PMD) (${r.lockName})`);
    const plain = raceTrace("abba", "ab").report.trace.find((x) => x.kind === "acquire")!;
    expect(plain).toMatchObject({ lockClass: "&lock_a", lockName: "A", lock: "&lock_a (A)" });
  });

  it("an owned site keeps its owner as data, also on the record of a lock acquired after waiting; its text joins the parts", () => {
    const recs = raceTrace("abba", "ordered=true/abaaaaab").report.trace;
    const woken = recs.find((x) => x.kind === "acquired")!;
    expect(woken).toMatchObject({ task: "t1", site: "t1: lock A", siteParts: { owner: "t1", what: "lock A" } });
    for (const r of recs) if (r.siteParts) expect(r.site).toBe(`${r.siteParts.owner}: ${r.siteParts.what}`);
    const mirrored = stale().report.trace.find((x) => x.site.startsWith("followPfnmapStart"))!;
    expect(mirrored.siteParts).toBeUndefined();
  });

  it("the step chart labels a task's own sites without the owner, and a site another owner's code runs in the task with it", () => {
    const fig = raceStepChart(raceTrace("kvm-vs-zap", "a9b"), { maxLabel: 200 });
    const labels = fig.data.flatMap((d) => (d.mode === "markers+text" ? (d.text as string[]) : []));
    expect(labels).toContain("kvm_faultin_pfn: mmu_seq = kvm->mmu_invalidate_seq; smp_rmb()"); // kvm's column
    expect(labels).toContain("kvm: invalidate_range_start KVM_MMU_LOCK"); // KVM's notifier, in zap's column
    expect(labels.some((l) => l.startsWith("kvm: kvm_faultin_pfn"))).toBe(false);
  });

  it("a sanitizer note carries kind, outcome and detail, and its text is their printed form", () => {
    const notes = stale().report.trace.filter((x) => x.kind === "note");
    const events = notes.map((x) => sanitizerEventOf(x)).filter((e) => e !== null);
    expect(events.length).toBeGreaterThan(0);
    expect(events.some((e) => e?.kind === "lookup" && e.outcome === "stale-pfn")).toBe(true);
    for (const n of notes) {
      const e = sanitizerEventOf(n);
      if (e) expect(n.text).toBe(`sanitizer: ${e.kind}${e.outcome ? ` ${e.outcome}` : ""}: ${e.detail}`);
    }
  });
});
