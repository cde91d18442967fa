/**
 * The Linux 6.12 oracle end to end: build the module and the guest, boot qemu once, run
 * every case, compare with the model. Runs when qemu, the Debian 6.12 kernel image and
 * headers, gcc, static libc and a static busybox are on the machine (.ci/run installs
 * them); otherwise it is skipped and says what is missing.
 */
import { describe, expect, it } from "vitest";
import { findGuestTools } from "../../oracle/host/guest";
import { runOracle } from "../../oracle/host/oracle";

const { tools, missing } = findGuestTools();
if (!tools) console.log(`oracle (Linux 6.12 in qemu) skipped: missing ${missing.join("; ")}`);

describe.skipIf(!tools)("the model against Linux 6.12 in qemu", () => {
  it(
    "agrees on every step of the seeded sequences (one boot)",
    async () => {
      const lines: string[] = [];
      const run = await runOracle({ seed: 14, count: 70, log: (s) => lines.push(s) });
      expect(run, lines.join("\n")).not.toBeNull();
      const c = run!.comparison;
      expect(run!.kernel).toMatch(/^6\.12\./);
      expect(c.missing, lines.join("\n")).toEqual([]);
      expect(c.disagreements, lines.join("\n")).toEqual([]);
      expect(c.lookups.compared).toBeGreaterThanOrEqual(500);
    },
    20 * 60_000,
  );
});
