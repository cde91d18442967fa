/**
 * Exercise "safe-caller": write a secondary-MMU caller (a driver that puts the pfn of a
 * user address into an IOMMU, as VFIO type1 does in drivers/vfio/vfio_iommu_type1.c)
 * that stays correct while the mapping is zapped and the BAR reset: an
 * mmu_interval_notifier (mm/mmu_notifier.c) whose invalidate callback removes the IOMMU
 * entry, and mmu_interval_read_begin()/read_retry() around the lookup. The check proves
 * it with exhaustive exploration (dfs, every schedule with <= 2 preemptions), then a
 * device DMA through whatever the IOMMU still maps at the end of each run.
 */
import { walkData } from "../../mm/explain";
import { Iommu } from "../../notifiers/iommu";
import type { CallerEnv, CallerInstance } from "../../notifiers/callers/types";
import type { Steps } from "../../sched/effect";
import { explore, type ExploreResult } from "../../sched/explore/explorer";
import { defineScenario, type Scenario } from "../../scenarios/scenario";
import { RACE_FAILURES } from "../../scenarios/mm/params";
import { buildRaceWorld, raceRun, type Leaf } from "../../scenarios/mm/world";
import { attempt, describeValue, fail, needChoice, pass, type Verdict } from "./verdict";

const EX = "safe-caller";

export type MakeCaller = (env: CallerEnv, iommu: Iommu) => CallerInstance;

export interface SafeCallerParams {
  /** "pte", "pmd" or "pud". */
  leaf: string;
  /** "reset-bar" or "move-bar". */
  release: string;
}

/** Bad outcome classes, worst first. */
const BAD = ["use-after-free", "stale-pfn", "misuse", "crash", "deadlock", "livelock"];

function checkParams(p: SafeCallerParams): void {
  needChoice("safeCallerScenario", "leaf", p.leaf, ["pte", "pmd", "pud"] as const);
  needChoice("safeCallerScenario", "release", p.release, ["reset-bar", "move-bar"] as const);
}

function world(p: SafeCallerParams) {
  return buildRaceWorld({
    scenario: "student-caller-vs-zap",
    leaf: p.leaf as Leaf,
    variant: "fixed",
    zap: "unmap_mapping_range",
    release: p.release as "reset-bar" | "move-bar",
    refault: false,
  });
}

/**
 * The student's caller against the zapper (unmap_mapping_range, then the release), as a
 * scenario for explore()/replay(). After each run the device DMAs once through every
 * entry the IOMMU still holds; the sanitizer judges that access too.
 */
export function safeCallerScenario(makeCaller: MakeCaller, p: SafeCallerParams): Scenario {
  checkParams(p);
  return defineScenario({
    name: "student-caller-vs-zap",
    summary: "your IOMMU caller vs unmap_mapping_range + BAR reset/move, then a final device DMA",
    models: "drivers/vfio/vfio_iommu_type1.c pattern + mm/mmu_notifier.c interval notifiers",
    params: [],
    failures: RACE_FAILURES,
    setup() {
      const w = world(p);
      const iommu = new Iommu("iommu", w.san);
      const run = raceRun(w, [makeCaller(w, iommu)]);
      return {
        ...run,
        classify: (end) => {
          for (const key of [...iommu.ptes.keys()])
            w.kernel.run(iommu.dmaSteps(key * 4096, true), w.kernel.createContext("device", 9), "iommuDma");
          return run.classify(end);
        },
      };
    },
  });
}

/** Run the caller alone (nobody zaps): it must map the pfn the address maps, without breaking a rule. */
function aloneHint(makeCaller: MakeCaller, p: SafeCallerParams): string | null {
  const w = world(p);
  const iommu = new Iommu("iommu", w.san);
  const r = attempt(() => {
    const c = makeCaller(w, iommu);
    if (!c || typeof c !== "object" || typeof c.body !== "function")
      throw new Error(`it returned ${describeValue(c)}, not { name, source, body }`);
    // Errors name the caller (a caller without a name is "caller").
    w.kernel.run(c.body(w.kernel.ctx.task) as Steps<unknown>, w.kernel.ctx, String(c.name || "caller"));
  });
  if (r.error !== null) return `run alone (nobody zapping), your caller failed: ${r.error}`;
  if (w.kernel.checker.violations.length > 0)
    return `run alone, your caller broke a rule: ${w.kernel.checker.violations[0]!.rule} (${w.kernel.checker.violations[0]!.message.slice(0, 160)}...)`;
  const want = walkData(w.mm, w.address).pfn;
  const entries = [...iommu.ptes.values()];
  if (entries.length !== 1 || entries[0]!.pfn !== want) {
    return `run alone (nobody zapping), your caller left ${entries.length} IOMMU entr${entries.length === 1 ? "y" : "ies"}${entries.length ? ` for pfn ${entries.map((e) => describeValue(e.pfn)).join(", ")}` : ""}: it must map exactly one iova to the pfn env.address maps (look it up with follow_pfnmap_start under mmap_lock).`;
  }
  return null;
}

function raceHint(r: ExploreResult, p: SafeCallerParams): string | null {
  const bad = BAD.find((c) => (r.outcomes[c] ?? 0) > 0);
  if (!bad)
    return r.exhausted
      ? null
      : `the search did not finish within ${r.schedules} schedules: keep the caller small (one lookup attempt per loop iteration, a bounded number of retries).`;
  const replayStr = r.firstFailure?.replay ?? "?";
  const why: Record<string, string> = {
    "use-after-free":
      "The device reached memory that was reset or moved: an IOMMU entry outlived the zap. Who removes it when the CPU mapping goes away?",
    "stale-pfn":
      "A pfn was used after the address stopped mapping it: a lookup that raced an invalidation must not be installed; compare the notifier's sequence under the same lock the invalidate callback takes.",
    misuse:
      "An API rule was broken (see the checker's report in the replay): mmap_lock across start()..end(), outputs read only before end(), locks released in order.",
    crash: "A task threw: replay the schedule to see where.",
    deadlock:
      "Two tasks wait on each other: never sleep on the notifier (read_begin) while holding a lock the invalidation path needs.",
    livelock: "A task spins forever: bound the retries, and read_begin before looking up again.",
  };
  return `${bad} in ${r.outcomes[bad]} of ${r.schedules} schedules (${p.leaf} leaf, release ${p.release}); replay(safeCallerScenario(safeCaller, { leaf: "${p.leaf}", release: "${p.release}" }), "${replayStr}") shows one. ${why[bad]}`;
}

export interface SafeCallerOptions {
  /** Also prove it for the other release kind (hidden check). */
  strict?: boolean;
}

export function verifySafeCaller(makeCaller: unknown, p: SafeCallerParams, opts: SafeCallerOptions = {}): Verdict {
  checkParams(p);
  if (typeof makeCaller !== "function")
    return fail(EX, `safeCaller is ${describeValue(makeCaller)}: it must be a function (env, iommu) => caller.`);
  const mk = makeCaller as MakeCaller;
  const configs: SafeCallerParams[] = [p];
  if (opts.strict) configs.push({ leaf: p.leaf, release: p.release === "reset-bar" ? "move-bar" : "reset-bar" });
  let schedules = 0;
  for (const c of configs) {
    const alone = aloneHint(mk, c);
    if (alone) return fail(EX, alone);
    const r = attempt(() => explore(safeCallerScenario(mk, c), { strategy: "dfs", preemptions: 2, schedules: 20000 }));
    if (r.error !== null) return fail(EX, `exploring your caller failed: ${r.error}`);
    const hint = raceHint(r.value, c);
    if (hint) return fail(EX, hint);
    schedules += r.value.schedules;
  }
  return pass(
    EX,
    `no stale pfn, use-after-free or misuse in any of ${schedules} schedules with <= 2 preemptions (exhaustive)`,
  );
}
