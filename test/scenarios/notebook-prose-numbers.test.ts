/**
 * Numbers typed into the prose of notebook 03 (section 4, the lock contention experiment)
 * must be what the model gives with the notebook's own parameters, so a change of the
 * cost model cannot leave the text wrong. The parameters are read from the notebook's
 * parameters cell; each number is found in the prose by the sentence around it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { lookupContention } from "../../src/scenarios/experiments/lookup-contention";
import { DEFAULT_COSTS } from "../../src/sched/cost-model";
import { PMD_SIZE, PUD_SIZE } from "../../src/mm/constants";

const src = fs.readFileSync(path.resolve(__dirname, "../../notebooks/src/03-huge-pfnmaps.txt"), "utf8");
/** The markdown of the notebook as one paragraph of text (comment markers and line breaks removed). */
const prose = src
  .split("\n")
  .filter((l) => l.startsWith("// ") || l === "//")
  .map((l) => l.slice(3))
  .join(" ")
  .replace(/\s+/g, " ");

function param(name: string): number {
  const m = new RegExp(`^const ${name} = (\\d+);`, "m").exec(src);
  if (!m) throw new Error(`notebook 03 has no parameter ${name}`);
  return Number(m[1]);
}

function number(re: RegExp): number[] {
  const m = re.exec(prose);
  if (!m) throw new Error(`notebook 03 prose no longer says ${re}`);
  return m.slice(1).map(Number);
}

describe("notebook 03: the numbers in the contention prose are the model's", () => {
  const opts = { tasks: param("TASKS"), lookupsPerTask: param("LOOKUPS_PER_TASK"), seed: param("SEED") };
  const runs = (["pud", "pmd", "pte"] as const).map((leaf) => lookupContention({ ...opts, leaf }));
  const [pud, , pte] = runs;

  it('"hold times ... 60-70 ns": the range of the mean hold of the leaf lock over the three levels', () => {
    const [lo, hi] = number(/unlock: (\d+)-(\d+) ns\)/);
    const holds = runs.map((r) => r.leafLock.meanHoldNs);
    expect(Math.floor(Math.min(...holds))).toBe(lo);
    expect(Math.ceil(Math.max(...holds))).toBe(hi);
  });

  it('"cacheLineBounce, 100 ns": the cost model\'s cache-line bounce', () => {
    expect(number(/`cacheLineBounce`, (\d+) ns/)[0]).toBe(DEFAULT_COSTS.cacheLineBounce);
  });

  it('"one lookup per ~185 ns": PUD run time over PUD lock acquisitions, to the nearest 5 ns', () => {
    const [n] = number(/one lookup per ~(\d+) ns/);
    expect(Math.round(pud!.elapsedNs / pud!.leafLock.acquisitions / 5) * 5).toBe(n);
  });

  it('"8x longer": mmap_lock mean hold with PUD leaves over PTE leaves, rounded', () => {
    const [n] = number(/Its hold time, though, is (\d+)x longer with PUD leaves/);
    const hold = (r: typeof pud) => {
      const c = r!.lockStat.classes.find((x) => x.className === "&mm->mmap_lock")!;
      return c.read.holdtime.total / c.read.holdtime.nr;
    };
    expect(Math.round(hold(pud) / hold(pte))).toBe(n);
  });

  it('"4 PMD-table locks ... 2048 PTE-table locks": tables of the default 4 GiB BAR', () => {
    const [pmdLocks] = number(/spread over (\d+) PMD-table locks/);
    const [pteLocks] = number(/over (\d+) PTE-table locks/);
    const bar = pud!.options.barSize;
    expect(bar / PUD_SIZE).toBe(pmdLocks);
    expect(bar / PMD_SIZE).toBe(pteLocks);
  });
});
