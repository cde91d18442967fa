// Small inputs for every builder, shared by the display tests.
import {
  faultLevelsFigure,
  lockTimeline,
  lockTimesBoxPlot,
  outcomeBars,
  pageTableWalkDiagram,
  physMemoryMap,
  scalingFigure,
  virtToPhysLayout,
  type PlotlyFigure,
} from "../../src/display/index";

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export function sampleFigures(): Record<string, PlotlyFigure> {
  return {
    lockTimesBoxPlot: lockTimesBoxPlot({
      classes: [
        { lockClass: "&mm->page_table_lock", holdNs: [30, 40, 35], waitNs: [0, 200, 400] },
        { lockClass: "ptlock (PTE)", holdNs: [10, 12], waitNs: [0, 5] },
      ],
    }),
    lockTimeline: lockTimeline({
      intervals: [
        { task: "follower", lock: "ptl", lockClass: "ptlock (PTE)", phase: "wait", startNs: 50, endNs: 120 },
        { task: "follower", lock: "ptl", lockClass: "ptlock (PTE)", phase: "hold", startNs: 120, endNs: 260 },
        { task: "zapper", lock: "ptl", lockClass: "ptlock (PTE)", phase: "hold", startNs: 20, endNs: 120 },
      ],
      markers: [{ task: "follower", atNs: 300, label: "use pfn", outcome: "stale-pfn" }],
    }),
    outcomeBars: outcomeBars({
      groups: [
        { group: "vfio", counts: { ok: 40, "use-after-free": 6 } },
        { group: "kvm", counts: { ok: 45, retried: 4 } },
      ],
      groupAxis: "caller",
    }),
    scalingFigure: scalingFigure({
      metric: "page-table bytes",
      unit: "bytes",
      series: [
        { leaf: "pte", sizesBytes: [2 * MiB, GiB], values: [8192, 2 * MiB + 8192] },
        { leaf: "pud", sizesBytes: [2 * MiB, GiB], values: [0, 8192] },
      ],
    }),
    pageTableWalkDiagram: pageTableWalkDiagram({
      address: 0x7f0000201010,
      steps: [
        { level: "pgd", index: 254, entry: 0x1234067, present: true, leaf: false },
        { level: "pud", index: 0, entry: 0x1235067, present: true, leaf: false },
        { level: "pmd", index: 1, entry: 0x1236067, present: true, leaf: false },
        {
          level: "pte",
          index: 1,
          entry: "0x80000000fe001267",
          present: true,
          leaf: true,
          special: true,
          lock: "ptlock (PTE)",
        },
      ],
      result: { pfn: 0xfe001, outcome: "ok" },
    }),
    physMemoryMap: physMemoryMap({
      regions: [
        { name: "System RAM", startPa: 0, sizeBytes: 2 * GiB, kind: "ram", hasStructPage: true },
        { name: "BAR0", startPa: 0xfe000000, sizeBytes: 16 * MiB, kind: "bar", hasStructPage: false },
      ],
    }),
    virtToPhysLayout: virtToPhysLayout({
      vmas: [
        { name: "bar mmap", startVa: 0x7f0000000000, endVa: 0x7f0000000000 + 4 * MiB, flags: ["VM_IO", "VM_PFNMAP"] },
      ],
      phys: [{ name: "BAR0", startPa: 0xfe000000, sizeBytes: 16 * MiB, kind: "bar" }],
      mappings: Array.from({ length: 512 }, (_, i) => ({
        startVa: 0x7f0000000000 + i * 4096,
        sizeBytes: 4096,
        startPa: 0xfe000000 + i * 4096,
      })),
    }),
    faultLevelsFigure: faultLevelsFigure({
      rows: [
        {
          label: "2 MiB aligned",
          startVa: 0x7f0000200000,
          endVa: 0x7f0000600000,
          faults: [
            { addressVa: 0x7f0000200000, level: "pmd" },
            { addressVa: 0x7f0000400000, level: "pmd" },
          ],
        },
      ],
    }),
  };
}
