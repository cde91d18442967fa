import { describe, expect, it } from "vitest";
import { simulate } from "../../src/sched/explore/explorer";
import { listScenarios, describeParams } from "../../src/scenarios/index";
import { compareCallers, raceTrace, CALLER_CASES } from "../../src/scenarios/mm/index";
import { PFN_OUTCOMES } from "../../src/checks/sanitizer";

const RACES = [
  "follow-vs-zap",
  "vfio-type1-vs-zap",
  "kvm-vs-zap",
  "generic-access-phys-vs-zap",
  "s390-mmio-vs-zap",
  "naive-follow-pte-vs-zap",
  "x86-pat-vs-zap",
];

describe("scenario declarations", () => {
  it("every mm scenario is registered, names the kernel code it models and documents leaf (and variant for races)", () => {
    const byName = new Map(listScenarios().map((s) => [s.name, s]));
    for (const n of [...RACES, "pud-lock-contention"]) {
      const s = byName.get(n)!;
      expect(s, n).toBeDefined();
      expect(s.models, n).toMatch(/\.c /);
      expect(s.params.find((p) => p.name === "leaf")?.choices, n).toEqual(["pte", "pmd", "pud"]);
      if (n !== "pud-lock-contention")
        expect(s.params.find((p) => p.name === "variant")?.choices, n).toEqual(["v6.12", "fixed"]);
      for (const line of describeParams(s)) expect(line.length, `${n}: ${line}`).toBeGreaterThan(30);
    }
  });
});

describe("helpers for notebooks", () => {
  it("compareCallers: outcome counts per caller with every class present; only VFIO without a notifier and the naive driver reach freed memory", () => {
    const rows = compareCallers({ preemptions: 1 });
    expect(rows.map((r) => r.caller)).toEqual(CALLER_CASES.map((c) => c.caller));
    for (const r of rows) {
      expect(r.exhausted).toBe(true);
      expect(Object.keys(r.outcomes)).toEqual([...PFN_OUTCOMES]);
    }
    const uaf = rows.filter((r) => r.outcomes["use-after-free"] > 0).map((r) => r.caller);
    expect(uaf).toEqual(["VFIO type1", "naive follow_pte"]);
    expect(rows.find((r) => r.caller === "KVM")!.outcomes.retried).toBeGreaterThan(0);
    expect(rows.find((r) => r.caller === "VFIO type1")!.replay).toMatch(/^[a-z0-9=/.-]+$/);
  });

  it("raceTrace: each step of a replayed race names the task, the site and the file of our mirror", () => {
    const t = raceTrace("follow-vs-zap", "a4b");
    expect(t.outcomes).toEqual(["stale-pfn"]);
    expect(t.preemptions).toBe(1);
    const switched = t.steps.findIndex((s) => s.task === "zap");
    expect(t.steps[switched - 1]).toMatchObject({
      task: "follow",
      site: "followPfnmapStart: pmdp_get_lockless",
      mirror: { file: "src/mm/follow.ts" },
    });
    const lock = t.steps.find((s) => s.site === "followPfnmapStart: pmd_lock")!;
    expect(lock.step).toBeGreaterThan(t.steps.filter((s) => s.task === "zap").at(-1)!.step);
    for (const s of t.steps) if (s.kind !== "note" && s.site) expect(s.mirror, s.site).not.toBeNull();
    expect(t.state).toMatch(/stale-pfn: lookup of 0x/);
  });

  it("pud-lock-contention (timed): PUD leaves contend on mm->page_table_lock, PTE leaves on split ptlocks never do", () => {
    const pud = simulate("pud-lock-contention", { params: { leaf: "pud", tasks: 4, lookups: 5 } });
    const pte = simulate("pud-lock-contention", { params: { leaf: "pte", tasks: 4, lookups: 5 } });
    expect(pud.outcomes).toEqual(["ok"]);
    expect(pte.outcomes).toEqual(["ok"]);
    const row = (r: typeof pud, cls: string) => r.lockStat.data().rows.find((x) => x.className === cls);
    expect(row(pud, "&mm->page_table_lock")!.acquisitions).toBe(20);
    expect(row(pud, "&mm->page_table_lock")!.contentions).toBeGreaterThan(10);
    expect(row(pte, "ptlock (PTE)")!.acquisitions).toBe(20);
    expect(row(pte, "ptlock (PTE)")!.contentions).toBe(0);
    expect(pud.end.time).toBeGreaterThan(2 * pte.end.time);
  });
});
