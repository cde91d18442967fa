import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");
const bin = path.join(root, "dist/cli/main.js");

function pfnlab(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("pfnlab explore on the mm race scenarios (built package)", () => {
  beforeAll(() => {
    // dist/ is built by the global setup (test/support/global-setup.ts).
    expect(fs.existsSync(path.join(root, "dist/scenarios/mm/follow-vs-zap.js"))).toBe(true);
  }, 180_000);

  it("follow-vs-zap -p variant=v6.12 -p leaf=pmd --strategy dfs --preemptions 1 --json finds the stale pfn; the fixed variant none at bound 2", () => {
    const r = pfnlab(
      "explore",
      "follow-vs-zap",
      "-p",
      "variant=v6.12",
      "-p",
      "leaf=pmd",
      "--strategy",
      "dfs",
      "--preemptions",
      "1",
      "--json",
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ scenario: "follow-vs-zap", strategy: "dfs", exhausted: true });
    expect(j.outcomes).toEqual({ einval: 7, ok: 9, "stale-pfn": 3 });
    expect(j.firstFailure.replay).toBe("a4b");
    expect(j.firstFailure.trace.at(-1)).toBe("outcomes: stale-pfn");
    const fixed = JSON.parse(
      pfnlab("explore", "follow-vs-zap", "-p", "variant=fixed", "-p", "leaf=pud", "--preemptions", "2", "--json").out,
    );
    expect(Object.keys(fixed.outcomes)).toEqual(["einval", "ok"]);
    expect(fixed.firstFailure).toBeNull();
  });

  it("vfio-type1-vs-zap reports use-after-free without a notifier and none with -p notifier=interval", () => {
    const bad = JSON.parse(pfnlab("explore", "vfio-type1-vs-zap", "--preemptions", "1", "--json").out);
    expect(bad.outcomes["use-after-free"]).toBe(3);
    const good = JSON.parse(
      pfnlab("explore", "vfio-type1-vs-zap", "-p", "notifier=interval", "--preemptions", "2", "--json").out,
    );
    expect(good.exhausted).toBe(true);
    expect(Object.keys(good.outcomes).sort()).toEqual(["einval", "ok", "retried"]);
  });

  it("explore --list shows every mm scenario with its documented params", () => {
    const list = pfnlab("explore", "--list").out;
    for (const n of [
      "follow-vs-zap",
      "vfio-type1-vs-zap",
      "kvm-vs-zap",
      "generic-access-phys-vs-zap",
      "s390-mmio-vs-zap",
      "naive-follow-pte-vs-zap",
      "pud-lock-contention",
    ]) {
      expect(list).toContain(`${n}: `);
    }
    expect(list).toContain("-p leaf (string, one of pte|pmd|pud; default pmd)");
    expect(list).toContain("-p variant (string, one of v6.12|fixed; default v6.12)");
  });
});
