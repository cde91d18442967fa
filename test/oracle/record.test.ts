/** What the notebooks print about the oracle (src/oracle/record.ts). */
import { describe, expect, it } from "vitest";
import { loadOracleRecord, oracleSummary } from "../../src/oracle/record";

describe("oracle summary for the notebooks", () => {
  const r = loadOracleRecord()!;

  it("says how many lookups agree with which kernel", () => {
    const text = oracleSummary("leaves", r);
    expect(text).toContain(
      `These lookups agree with Linux ${r.kernel} in qemu: ${r.lookups.agree} of ${r.lookups.compared} cases`,
    );
    expect(text).toMatch(/PUD leaf \(1 GiB\)\s+\d+ of \d+\s+&mm->page_table_lock x\d+/);
  });

  it("lists every -EINVAL cause with its count", () => {
    const text = oracleSummary("einval", r);
    for (const cause of ["outside", "not-pfnmap", "p4d-none", "pud-none", "pmd-none", "pte-none"]) {
      const n = r.lookups.byStop[`EINVAL:${cause}`];
      expect(text, cause).toContain(`${r.lookups.agreeByStop[`EINVAL:${cause}`]} of ${n}`);
    }
  });

  it("puts the kernel's VmPTE beside the model's bytes for each leaf size", () => {
    const text = oracleSummary("pagetables", r);
    expect(text).toMatch(/4 KiB\s+2056\s+2056/);
    expect(text).toMatch(/2 MiB\s+8\s+8/);
    expect(text).toMatch(/1 GiB\s+4\s+4/);
  });

  it("says so when no run is recorded", () => {
    expect(oracleSummary("leaves", null)).toMatch(/No oracle run is recorded/);
    expect(loadOracleRecord("/nonexistent/last-run.json")).toBeNull();
  });
});
