/**
 * pud-lock-contention: many tasks each look up their own leaf again and again
 * (mmap_read_lock, follow_pfnmap_start, one MMIO read under the lock, end, unlock), as
 * KVM vCPUs faulting in a big BAR or several VFIO map calls would. Which lock start()
 * takes depends on the leaf level: a PUD leaf takes pud_lock(), which on every
 * architecture is the one mm->page_table_lock for the whole process (the generic
 * pud_lockptr(), include/linux/mm.h:3187), so every task queues on it; PMD and PTE
 * leaves take the split ptlock of their own table page, so tasks on different tables
 * never meet. Meant for simulate() timed runs and lock_stat / timeline figures.
 * Layout: task i's leaf is at vm_start + i GiB, so every level gets its own table page
 * per task (the fairest case for split locks).
 * Models mm/memory.c follow_pfnmap_start's lock choice: pud_lock (include/linux/mm.h,
 * = &mm->page_table_lock), pmd_lock / pte_offset_map_lock (split ptlocks), v6.12.
 */
import { current, step, type Steps } from "../../sched/effect";
import { ownedSite } from "../../sched/site";
import type { TaskSpec } from "../../sched/task";
import { PUD_SIZE } from "../../mm/constants";
import { followPfnmapEndSteps, followPfnmapStartSteps } from "../../mm/follow";
import { followPfnmapArgs } from "../../mm/follow-args";
import { vmfInsertPfn, vmfInsertPfnPmd, vmfInsertPfnPud } from "../../mm/insert";
import { createKernel } from "../../mm/kernel";
import { mmapReadLock, mmapReadLockSteps, mmapReadUnlock, mmapReadUnlockSteps } from "../../mm/mmap-lock";
import { createVfioPciBarDevice } from "../../mm/vfio-device";
import { defineScenario } from "../scenario";
import { leafParam } from "./params";
import { PTLOCK_CLASS } from "../../mm/pagetable";

/** The lock classes the timed summary reports: page-table locks of every level, and mmap_lock. */
const TABLE_AND_MMAP_LOCKS: ReadonlySet<string> = new Set([
  "&mm->page_table_lock",
  PTLOCK_CLASS.pmd,
  PTLOCK_CLASS.pte,
  "&mm->mmap_lock",
]);

export const pudLockContention = defineScenario({
  name: "pud-lock-contention",
  summary:
    "N tasks repeatedly look up their own leaf: PUD leaves share mm->page_table_lock, PMD/PTE leaves use split ptlocks",
  models:
    "mm/memory.c follow_pfnmap_start lock choice (pud_lock = mm->page_table_lock vs pmd_lock / pte_offset_map_lock split ptlocks), v6.12",
  params: [
    leafParam("pud"),
    { name: "tasks", type: "int", default: 4, min: 1, max: 32, doc: "lookup tasks, one per CPU" },
    { name: "lookups", type: "int", default: 5, min: 1, max: 200, doc: "lookups per task" },
    {
      name: "reads",
      type: "int",
      default: 1,
      min: 0,
      max: 100,
      doc: "MMIO reads (pfnUse, ~500 ns each) done while holding the page-table lock",
    },
  ],
  failures: ["deadlock", "livelock", "misuse", "crash"],
  // Every run is up to 32 x 200 lookups (~60k steps): a few hundred schedules show that no
  // schedule deadlocks or breaks a rule; the point of the experiment is the timed run below.
  exploreSchedules: 200,
  timedSummary(r) {
    const rows = r.lockStat.data().rows;
    const lines = [`timed run (simulate): ${r.state ?? ""}, all tasks done at ${r.end.time} ns simulated`];
    const classes = [...new Set(rows.map((x) => x.className))].filter((c) => TABLE_AND_MMAP_LOCKS.has(c));
    const w = Math.max(...classes.map((c) => c.length), 5);
    lines.push(`  ${"lock".padEnd(w)}  acquisitions  contentions  mean wait (ns)  max wait (ns)  mean hold (ns)`);
    for (const c of classes) {
      const mine = rows.filter((x) => x.className === c);
      const sum = (f: (x: (typeof mine)[number]) => number) => mine.reduce((a, x) => a + f(x), 0);
      const acq = sum((x) => x.acquisitions);
      const wait = acq ? sum((x) => x.waittimeTotal) / acq : 0;
      const hold = acq ? sum((x) => x.holdtimeTotal) / acq : 0;
      const maxWait = Math.max(0, ...mine.map((x) => x.waittimeMax));
      lines.push(
        `  ${c.padEnd(w)}  ${String(acq).padStart(12)}  ${String(sum((x) => x.contentions)).padStart(11)}  ${wait.toFixed(1).padStart(14)}  ${String(maxWait).padStart(13)}  ${hold.toFixed(1).padStart(14)}`,
      );
    }
    return lines;
  },
  setup(p) {
    const n = p.tasks as number;
    const k = createKernel({ followPfnmapVariant: "fixed", traceLimit: 0 });
    const mm = k.createMm("proc");
    const bar = k.addIoRegion({ name: "bar0", size: n * PUD_SIZE, align: PUD_SIZE });
    const dev = createVfioPciBarDevice(k, { bar, alignRule: "pfn" });
    const vma = dev.mmapBar(mm, { length: n * PUD_SIZE, align: PUD_SIZE });
    mmapReadLock(mm);
    for (let i = 0; i < n; i++) {
      const a = vma.vmStart + i * PUD_SIZE;
      const pfn = bar.startPfn + i * (PUD_SIZE / 4096);
      if (p.leaf === "pte") for (let j = 0; j < 4; j++) vmfInsertPfn(vma, a + j * 4096, pfn + j);
      else if (p.leaf === "pmd") vmfInsertPfnPmd({ vma, address: a }, pfn, true);
      else vmfInsertPfnPud({ vma, address: a }, pfn, true);
    }
    mmapReadUnlock(mm);
    const done = { lookups: 0, failed: 0 };
    const tasks: TaskSpec[] = [];
    for (let i = 0; i < n; i++) {
      tasks.push({
        name: `cpu${i}`,
        cpu: i,
        body: function* (): Steps<void> {
          const me = yield* current();
          for (let j = 0; j < (p.lookups as number); j++) {
            yield* mmapReadLockSteps(mm);
            const args = followPfnmapArgs(vma, vma.vmStart + i * PUD_SIZE + 4096 * (j % 4));
            const r = yield* followPfnmapStartSteps(args);
            if (r === 0) {
              if ((p.reads as number) > 0)
                yield* step("pfnUse", ownedSite(me.name, `MMIO read under ${args.lock?.className}`), p.reads as number);
              yield* followPfnmapEndSteps(args);
              done.lookups++;
            } else done.failed++;
            yield* mmapReadUnlockSteps(mm);
          }
        },
      });
    }
    return {
      tasks,
      checker: k.checker,
      classify: () => (done.failed > 0 ? ["einval"] : []),
      describe: () => `${done.lookups} lookups done, ${done.failed} failed`,
    };
  },
});
