/**
 * Notebook 04 runs in the real tslab kernel, and the numbers behind its figures are the
 * course's claims: v6.12 follow_pfnmap_start gives stale pfns on PMD/PUD leaves and the
 * fix none; VFIO without a notifier reaches a reset BAR, with an interval notifier never;
 * KVM retries and never reaches freed memory. The figures equal what the library builds
 * in this process (deterministic data).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { callerOutcomeBars, raceStepChart } from "../../src/display/race-figures";
import { worstOutcomes } from "../../src/scenarios/mm/tally";
import "../../src/scenarios/index";
import { raceTrace } from "../../src/scenarios/mm/compare";
import { executedNotebook, figureTitled as fig, type NbFig as Fig } from "../support/notebook-outputs";
import { projectRoot } from "../../src/runner";
import { scriptSafeJson } from "../../src/display/html-output";
import { packStepTree } from "../../src/display/stepper/pack";
import { stepTree } from "../../src/sched/explore/step-tree";

const path = join(projectRoot, "notebooks", "04-mmu-notifiers.ipynb");

/** Counts of one outcome class per bar (customdata holds counts when the bars show percent). */
function counts(f: Fig, cls: string): Record<string, number> {
  const t = f.data.find((d) => d.name === cls);
  const groups = f.data[0].x as string[];
  return Object.fromEntries(groups.map((g, i) => [g, t ? ((t.customdata ?? t.y) as number[])[i] : 0]));
}

describe("notebook 04: why callers need MMU notifiers", () => {
  const nb = executedNotebook(path);

  it("shows at least three plotly figures (two replayed races, the level grid, the caller comparisons)", () => {
    expect(nb.figs.length).toBeGreaterThanOrEqual(5);
  });

  it("follow-vs-zap: nothing at bound 0, a stale pfn at bound 1 shrunk to a4b with one preemption; the fixed variant fails cleanly on it", () => {
    expect(nb.text).toContain("v6.12, pmd leaf, bound 0:   2 schedules, exhausted true, outcomes: einval 1, ok 1");
    expect(nb.text).toContain(
      "v6.12, pmd leaf, bound 1:  19 schedules, exhausted true, outcomes: einval 7, ok 9, stale-pfn 3",
    );
    expect(nb.text).toContain("shrunk to a4b (1 preemption)");
    expect(nb.text).toContain("replay variant=fixed/a4b: outcomes einval");
    expect(nb.text).toMatch(/outcomes: stale-pfn; your schedule: a4b/);
    // The race table's text/plain rows: step (⚡ = preemption), task, site, mirror line, what, verdict.
    expect(nb.text).toMatch(/^ +⚡4 +zap +i_mmap_lock_read +src\/mm\/mapping.ts:\d+/m);
    expect(nb.text).toMatch(
      /^ +15 +follow +followPfnmapStart: pmd_lock +src\/mm\/follow\.ts:\d+ \(follow_pfnmap_start\) +takes ptlock \(PMD\) \[W\] +lookup stale-pfn:/m,
    );
  });

  it("the replayed race figure is the library's step chart of a4b, with the stale verdicts", () => {
    const f = fig(nb.figs, /^follow-vs-zap, v6.12, pmd leaf: replay a4b/);
    expect(f.data.find((d) => d.name === "sanitizer: stale-pfn")!.y).toEqual([15, 16]);
    const rebuilt = raceStepChart(raceTrace("follow-vs-zap", "a4b"), { title: f.layout.title.text });
    // Jupyter stores JSON with sorted keys: compare values, not strings.
    expect(f).toEqual(JSON.parse(JSON.stringify(rebuilt)));
  });

  it("the level grid: stale-pfn only for v6.12 on PMD and PUD leaves, none for fixed on any level (exhaustive, bound 2)", () => {
    const f = fig(nb.figs, /^follow-vs-zap: every schedule with ≤ 2 preemptions/);
    expect(counts(f, "stale pfn")).toEqual({
      "v6.12 · pte leaf": 0,
      "v6.12 · pmd leaf": 25,
      "v6.12 · pud leaf": 22,
      "fixed · pte leaf": 0,
      "fixed · pmd leaf": 0,
      "fixed · pud leaf": 0,
    });
    expect(nb.text).toMatch(/fixed · pud leaf\s+116 schedules, exhausted true, stale-pfn in 0/);
  });

  it("VFIO: use-after-free through the IOMMU at bound 1, none with an interval notifier at bound 2 (retried instead)", () => {
    expect(nb.text).toContain(
      "vfio-type1-vs-zap (no notifier), bound 1: 24 schedules: einval 12, ok 9, use-after-free 3",
    );
    expect(nb.text).toMatch(
      / vfio .* access use-after-free: dma-write of pfn 0x10000005 by iommu iova 0x100000: was bar0 generation 1, now bar0 generation 2/,
    );
    expect(nb.text).toContain(
      "vfio-type1-vs-zap notifier=interval, bound 2: 344 schedules, exhausted true: einval 258, ok 86, retried 102",
    );
    const f = fig(nb.figs, /^VFIO type1 without a notifier/);
    expect(f.data.find((d) => d.name === "sanitizer: use-after-free")!.y).toEqual([23]);
  });

  it("more CPUs: the whole space with partial-order reduction finds the stale pfn with 1-3 lookups in v6.12 and proves the fix", () => {
    expect(nb.text).toContain(
      'v6.12, pmd leaf, 1 lookup(s):      5 schedules cover the whole space (exhausted true), outcomes {"einval":1,"ok":2,"stale-pfn":2}',
    );
    expect(nb.text).toContain(
      'v6.12, pmd leaf, 3 lookup(s):    431 schedules cover the whole space (exhausted true), outcomes {"einval":109,"ok":115,"stale-pfn":273}',
    );
    expect(nb.text).toContain(
      'fixed, pmd leaf, 3 lookup(s):    431 schedules cover the whole space (exhausted true), outcomes {"einval":316,"ok":115}',
    );
  });

  it("KVM: retried, never use-after-free at bound 2; without the retry check, use-after-free", () => {
    expect(nb.text).toContain("kvm-vs-zap, bound 2: 519 schedules, exhausted true: einval 433, ok 86, retried 254");
    expect(nb.text).toMatch(/kvm-vs-zap check=skip, bound 1: 34 schedules: [^;\n]*use-after-free 2/);
    const f = fig(nb.figs, /^KVM: the notifier zaps sptes/);
    expect(f.data.find((d) => d.name === "sanitizer: retried")!.y).toEqual([31]);
  });

  it("KVM with the v6.12 lookup: stale lookups on PMD and PUD leaves, all dropped by the retry, no stale-pfn run (bound 2, PMD and PUD)", () => {
    expect(nb.text).toContain(
      'kvm-vs-zap v6.12, pmd leaf, bound 2: 490 schedules, exhausted true\n  outcomes {"einval":408,"ok":82,"retried":267}\n  events   {"lookup:stale-pfn":55,"lookup:stale-pfn-dropped":55}',
    );
    expect(nb.text).toContain(
      'kvm-vs-zap v6.12, pud leaf, bound 2: 409 schedules, exhausted true\n  outcomes {"einval":332,"ok":77,"retried":229}\n  events   {"lookup:stale-pfn":50,"lookup:stale-pfn-dropped":50}',
    );
  });

  it("generic_access_phys: the recheck catches the move (retried, never stale); on v6.12 the recheck is fooled", () => {
    expect(nb.text).toContain(
      "generic-access-phys-vs-zap, bound 2: 811 schedules, exhausted true: einval 356, ok 374, retried 81",
    );
    expect(nb.text).toMatch(/retried: recheck under the lock: pfn 0x10000005 -> 0x10000205/);
    expect(nb.text).toMatch(/generic-access-phys-vs-zap variant=v6.12, bound 1: [^;\n]*use-after-free 2/);
  });

  it("callers side by side: use-after-free only for VFIO without a notifier and the naive driver; KVM and the interval notifier never", () => {
    const f = fig(nb.figs, /^Worst outcome per schedule, by caller \(fixed follow_pfnmap_start, PTE leaves/);
    const uaf = counts(f, "use after free");
    expect(uaf["VFIO type1"]).toBe(33);
    expect(uaf["naive follow_pte"]).toBe(36);
    for (const safe of [
      "follow (start/use/end)",
      "s390 MMIO",
      "x86 PAT",
      "generic_access_phys",
      "KVM",
      "VFIO + interval notifier",
    ])
      expect(uaf[safe], safe).toBe(0);
    expect(counts(f, "retried").KVM).toBe(281);
    expect(counts(f, "stale pfn")["x86 PAT"]).toBe(15);
    // Deterministic: the same figure built again in this process.
    const again = callerOutcomeBars(worstOutcomes({ preemptions: 2 }), { percent: true, title: f.layout.title.text });
    expect(f).toEqual(JSON.parse(JSON.stringify(again)));
  });

  it("with the v6.12 lookup on PMD leaves, the callers that trust the lookup get use-after-free; KVM and the interval notifier do not", () => {
    const f = fig(nb.figs, /^Worst outcome per schedule, by caller \(v6.12 follow_pfnmap_start, PMD leaves/);
    const uaf = counts(f, "use after free");
    expect(uaf["follow (start/use/end)"]).toBeGreaterThan(0);
    expect(uaf["s390 MMIO"]).toBeGreaterThan(0);
    expect(uaf.generic_access_phys).toBeGreaterThan(0);
    expect(uaf.KVM).toBe(0);
    expect(uaf["VFIO + interval notifier"]).toBe(0);
    // KVM's lookup returned stale pfns, and its retry dropped every one: no stale-pfn run.
    expect(nb.text).toMatch(/KVM\s+stale lookups {2}3 \(retry dropped {2}3\), runs: stale-pfn {2}0, use-after-free 0/);
  });

  it("be the scheduler: two steppers, the library's step trees of follow-vs-zap v6.12 and fixed (bound 2); only v6.12 has failing schedules", () => {
    const html = nb.r.notebook.cells
      .flatMap((c) => (c.outputs ?? []) as { data?: Record<string, unknown> }[])
      .map((o) => [o.data?.["text/html"] ?? ""].flat().join(""))
      .filter((h) => h.includes('class="pfnlab-stepper"'));
    expect(html).toHaveLength(2);
    const trees = (["v6.12", "fixed"] as const).map((variant) =>
      stepTree("follow-vs-zap", { params: { variant, leaf: "pmd" } }),
    );
    trees.forEach((t, i) => {
      expect(html[i]).toContain(scriptSafeJson(packStepTree(t)));
    });
    const failing = trees.map((t) => t.nodes.filter((n) => n.end?.failed).map((n) => n.end!.replay));
    expect(failing[0]).toContain("a4b");
    expect(failing[1]).toEqual([]);
  });
});
