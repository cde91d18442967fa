/** The oracle's case generation, without qemu: deterministic, round-trips through the case file, covers what it should. */
import { describe, expect, it } from "vitest";
import { caseFile, parseCaseFile } from "../../oracle/host/cases";
import { generate } from "../../oracle/host/generate";
import { runModel } from "../../oracle/host/model-run";

describe("oracle case generation", () => {
  const seqs = generate(14, 30);

  it("gives the same case file for the same seed and another for another seed", () => {
    expect(caseFile(generate(14, 30))).toBe(caseFile(seqs));
    expect(caseFile(generate(15, 30))).not.toBe(caseFile(seqs));
  });

  it("writes a case file that parses back to the same sequences", () => {
    expect(parseCaseFile(caseFile(seqs))).toEqual(seqs);
  });

  it("uses every mapping kind and alignment rule, read-only and writable, and every operation", () => {
    const lines = caseFile(seqs).split("\n");
    for (const kind of [0, 1, 2])
      expect(
        lines.some((l) => l.startsWith(`mode ${kind} `)),
        `kind ${kind}`,
      ).toBe(true);
    for (const rule of [0, 1, 2])
      expect(
        lines.some((l) => l.startsWith("mode ") && l.split(" ")[2] === String(rule)),
        `rule ${rule}`,
      ).toBe(true);
    for (const op of ["mmap", "anon", "touch", "follow", "zap", "umr", "munmap"])
      expect(
        lines.some((l) => l.startsWith(`${op} `)),
        op,
      ).toBe(true);
    expect(lines.some((l) => l.startsWith("mmap ") && l.endsWith(" 0"))).toBe(true);
    expect(lines.some((l) => l.startsWith("mmap ") && l.endsWith(" 1"))).toBe(true);
  });

  it("never asks the model for something it rejects as bad input", () => {
    for (const [id, steps] of runModel(seqs))
      for (const s of steps) expect(s.threw, `sequence ${id} step ${s.i}`).toBeUndefined();
  });
});

describe("oracle tools", () => {
  it("names what is missing, so npm test can say why the qemu oracle was skipped", async () => {
    const { findGuestTools } = await import("../../oracle/host/guest");
    const { tools, missing } = findGuestTools("/nonexistent");
    expect(tools).toBeNull();
    expect(missing.join("; ")).toMatch(/qemu-system-x86_64 \(Debian package qemu-system-x86\)/);
    expect(missing.join("; ")).toMatch(/gcc/);
  });
});
