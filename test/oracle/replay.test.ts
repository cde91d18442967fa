/**
 * The last oracle run (test/oracle/last-run.*, written by `npm run oracle`) replayed
 * through today's model, without qemu: every step the kernel answered must still get
 * the same answer from the model, and the recorded run must cover what issue 14 asks.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCaseFile } from "../../oracle/host/cases";
import { compare } from "../../oracle/host/compare";
import { runModel } from "../../oracle/host/model-run";
import { parseGuestOutput } from "../../oracle/host/results";

const dir = join(__dirname);
const cases = parseCaseFile(readFileSync(join(dir, "last-run.cases.txt"), "utf8"));
const guest = parseGuestOutput(readFileSync(join(dir, "last-run.guest.txt"), "utf8"));
const record = JSON.parse(readFileSync(join(dir, "last-run.json"), "utf8"));

describe("the recorded Linux 6.12 oracle run", () => {
  const c = compare(cases, runModel(cases), guest.seqs);

  it("was a complete run of a Debian 6.12 kernel", () => {
    expect(guest.uname).toMatch(/^6\.12\./);
    expect(guest.done).toBe(true);
    expect(guest.errors).toEqual([]);
    expect(c.missing).toEqual([]);
    expect(record.kernel).toBe(guest.uname);
  });

  it("agrees with today's model on every step: rc, pfn, writable, special, lock class, where the walk stops, VmPTE", () => {
    expect(c.disagreements).toEqual([]);
    expect(c.steps.agree).toBe(c.steps.compared);
    expect(record.steps).toEqual(c.steps);
  });

  it("has at least 50 sequences and 500 lookups over PTE, PMD and PUD leaves and every -EINVAL cause a process can cause", () => {
    expect(c.sequences).toBeGreaterThanOrEqual(50);
    expect(c.lookups.compared).toBeGreaterThanOrEqual(500);
    for (const stop of ["pte-leaf", "pmd-leaf", "pud-leaf"])
      expect(c.lookups.byStop[stop] ?? 0, stop).toBeGreaterThanOrEqual(10);
    for (const cause of ["outside", "not-pfnmap", "p4d-none", "pud-none", "pmd-none", "pte-none"]) {
      expect(c.lookups.byStop[`EINVAL:${cause}`] ?? 0, cause).toBeGreaterThanOrEqual(10);
    }
  });

  it("has VmPTE equal to the model's PUD+PMD+PTE table bytes at every lookup of a 4 KiB, 2 MiB and 1 GiB leaf", () => {
    for (const leaf of ["pte", "pmd", "pud"] as const) {
      expect(c.vmpte[leaf].compared, leaf).toBeGreaterThan(0);
      expect(c.vmpte[leaf].agree, leaf).toBe(c.vmpte[leaf].compared);
    }
    expect(record.barTable.map((r: { kernelVmPteKb: number }) => r.kernelVmPteKb)).toEqual([
      4 * (1 + 1 + 512),
      4 * 2,
      4,
    ]);
  });

  it("has huge leaves at a misaligned pfn (the v6.12 vfio rule) whose rounded-down pfn the kernel returns too", () => {
    expect(c.lookups.wrongPfnByLeaf.pmd ?? 0).toBeGreaterThan(0);
    expect(record.lookups.wrongPfnByLeaf).toEqual(c.lookups.wrongPfnByLeaf);
  });

  it("agrees with the v6.12 variant too: its recheck bug needs a zap between the unlocked read and the lock, which no single thread does", () => {
    expect(compare(cases, runModel(cases, "v6.12"), guest.seqs).disagreements).toEqual([]);
  });

  it("reports a changed kernel answer as a disagreement naming the field", () => {
    const seq = cases.find((s) => guest.seqs.get(s.id)!.some((r) => r.op === "follow" && r.rc === 0))!;
    const kernel = new Map(guest.seqs);
    const steps = kernel.get(seq.id)!.map((r) => ({ ...r }));
    const hit = steps.find((r) => r.op === "follow" && r.rc === 0)!;
    hit.pfnOff = hit.pfnOff! + 1;
    hit.lock = hit.lock === "pte_ptlock" ? "page_table_lock" : "pte_ptlock";
    kernel.set(seq.id, steps);
    const d = compare([seq], runModel([seq]), kernel).disagreements;
    expect(d.map((x) => x.field).sort()).toEqual(["lock", "pfnOff"]);
  });
});
