/**
 * figures: milliseconds to build each teaching figure from representative model data
 * (a mapped BAR, a simulated race's lock_stat, an explored race's outcomes, a replayed
 * race), and to render it to PNG without a browser (renderPng: plotly in jsdom, then
 * resvg). The data is prepared once, outside the timing: only the builder and the
 * renderer are measured. The first PNG of the process also loads plotly into jsdom;
 * that one-time cost is reported on its own line.
 */
import { PMD_SIZE, PUD_SIZE } from "../mm/constants";
import { handleMmFault } from "../mm/fault";
import { mmapReadLock, mmapReadUnlock } from "../mm/mmap-lock";
import { createVfioPciBarDevice } from "../mm/vfio-device";
import { createKernel } from "../mm/kernel";
import { lookupLeaf } from "../mm/pagetable";
import { simulate, explore } from "../sched/explore/explorer";
import { hasScenario } from "../scenarios/registry";
import "../scenarios/index";
import { raceTrace } from "../scenarios/mm/compare";
import {
  contentionSweepFigure,
  faultLevelsFigure,
  layoutFigure,
  lockTimelineFigure,
  lockTimesFigure,
  outcomeBars,
  physMemoryFigure,
  raceStepChart,
  renderPng,
  scalingFigure,
  vmaLeafStrip,
  walkDiagram,
  type PlotlyFigure,
} from "../display/index";
import { mapBar, LEAF_KINDS, LEAF_BYTES } from "./bar-world";
import { floorBytes } from "./scale";
import {
  median,
  repeat,
  row,
  timeMs,
  type BenchOptions,
  type BenchReport,
  type BenchRow,
  type Benchmark,
} from "./harness";

export interface FigureCase {
  name: string;
  build: () => PlotlyFigure;
}

/** The figure cases with their data prepared (the builders run only when timed). */
export function figureCases(): FigureCase[] {
  const cases: FigureCase[] = [];
  const pmd = mapBar("pmd", PUD_SIZE);
  const pte = mapBar("pte", 8 * PMD_SIZE);
  cases.push({ name: "walkDiagram (PMD leaf)", build: () => walkDiagram(pmd.mm, pmd.vma.vmStart + 5 * 4096) });
  cases.push({ name: "physMemoryFigure", build: () => physMemoryFigure(pmd.k) });
  cases.push({ name: "layoutFigure", build: () => layoutFigure(pte.mm) });
  cases.push({
    name: "vmaLeafStrip (4 KiB leaves, 16 MiB)",
    build: () => vmaLeafStrip([{ name: "bar0", vma: pte.vma }]),
  });

  // Faults through a vfio-pci-like device: the PUD -> PMD -> PTE fallback per fault.
  const k = createKernel({ traceLimit: 0 });
  const bar = k.addIoRegion({ name: "bar0", size: 2 * PUD_SIZE });
  const dev = createVfioPciBarDevice(k, { bar, alignRule: "align-down" });
  const mm = k.createMm("faults");
  const vma = dev.mmapBar(mm, { length: 2 * PUD_SIZE, align: PMD_SIZE, addr: 0x7f0000200000 });
  const faults: { addressVa: number; level: "pte" | "pmd" | "pud" }[] = [];
  mmapReadLock(mm);
  for (let a = vma.vmStart; a < vma.vmEnd; a += 64 * PMD_SIZE) {
    handleMmFault(vma, a, 0);
    const hit = lookupLeaf(mm, a);
    if (!hit.leaf || hit.level === "pgd") throw new Error(`figures: the fault at ${a} mapped nothing`);
    faults.push({ addressVa: a, level: hit.level });
  }
  mmapReadUnlock(mm);
  cases.push({
    name: "faultLevelsFigure",
    build: () =>
      faultLevelsFigure({ rows: [{ label: "2 MiB aligned", startVa: vma.vmStart, endVa: vma.vmEnd, faults }] }),
  });

  // Page-table bytes per leaf size (the scale benchmark's formula).
  const sizes = [PUD_SIZE, 8 * PUD_SIZE, 64 * PUD_SIZE, 128 * PUD_SIZE];
  cases.push({
    name: "scalingFigure",
    build: () =>
      scalingFigure({
        metric: "page-table bytes",
        unit: "bytes",
        series: LEAF_KINDS.map((leaf) => ({ leaf, sizesBytes: sizes, values: sizes.map((s) => floorBytes(leaf, s)) })),
      }),
  });
  cases.push({
    name: "contentionSweepFigure",
    build: () =>
      contentionSweepFigure(
        LEAF_KINDS.flatMap((leaf) =>
          [1, 2, 4, 8].map((tasks) => ({ leaf, tasks, meanWaitNs: (tasks - 1) * Math.log2(LEAF_BYTES[leaf]) })),
        ),
      ),
  });

  if (hasScenario("follow-vs-zap")) {
    const sim = simulate("follow-vs-zap");
    const data = sim.lockStat.data();
    cases.push({
      name: "lockTimesFigure (follow-vs-zap)",
      build: () => lockTimesFigure([{ label: "follow-vs-zap", data }]),
    });
    cases.push({ name: "lockTimelineFigure (follow-vs-zap)", build: () => lockTimelineFigure(data) });
    const found = explore("follow-vs-zap", { preemptions: 1 });
    const trace = raceTrace("follow-vs-zap", found.firstFailure?.replay ?? sim.replay);
    cases.push({ name: "raceStepChart (follow-vs-zap)", build: () => raceStepChart(trace) });
    const groups = ["follow-vs-zap", "vfio-type1-vs-zap"]
      .filter(hasScenario)
      .map((s) => ({ group: s, counts: explore(s, { preemptions: 2, shrink: false }).outcomes }));
    cases.push({ name: "outcomeBars (2 races, bound 2)", build: () => outcomeBars({ groups, groupAxis: "scenario" }) });
  }
  return cases;
}

export const figuresBenchmark: Benchmark = {
  name: "figures",
  description: "ms per figure to build it from model data and to render its PNG (renderPng)",
  run(opts: BenchOptions): BenchReport {
    const cases = figureCases();
    const rows: BenchRow[] = [];
    // The first render loads plotly into jsdom: time it apart from the per-figure numbers.
    const first = cases[0]!.build();
    const coldMs = timeMs(() => renderPng(first));
    rows.push(row("figures", "first renderPng of the process (loads plotly in jsdom)", "ms", [coldMs]));
    const reps = opts.quick ? 1 : Math.max(3, opts.reps);
    for (const c of cases) {
      opts.log(`figures: ${c.name}`);
      let fig: PlotlyFigure | null = null;
      const build = repeat(reps, () => timeMs(() => (fig = c.build())));
      let bytes = 0;
      const png = repeat(reps, () => timeMs(() => (bytes = renderPng(fig!).length)));
      const traces = (fig as PlotlyFigure | null)?.data.length ?? 0;
      rows.push(row("figures", c.name, "ms to build", build, { extra: { traces } }));
      rows.push(row("figures", c.name, "ms to render PNG", png, { extra: { pngBytes: bytes } }));
    }
    const totalBuild = rows.filter((r) => r.unit === "ms to build").reduce((s, r) => s + r.value, 0);
    const totalPng = rows.filter((r) => r.unit === "ms to render PNG").reduce((s, r) => s + r.value, 0);
    return {
      name: "figures",
      description: this.description,
      rows,
      notes: [
        `${cases.length} figures: building all takes ${totalBuild.toFixed(1)} ms, rendering all ${totalPng.toFixed(0)} ms ` +
          `(median ${median(rows.filter((r) => r.unit === "ms to render PNG").map((r) => r.value)).toFixed(0)} ms per PNG)`,
      ],
      seconds: 0,
    };
  },
};
