// `pfnlab step`: be the scheduler in a terminal, through the built CLI.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");
const bin = path.join(root, "dist/cli/main.js");

function pfnlab(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8", input: input ?? "" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("pfnlab step", () => {
  it("--script aaaab,end causes the v6.12 stale pfn and prints the replay string that pfnlab replay reproduces", () => {
    const r = pfnlab(["step", "follow-vs-zap", "-p", "variant=v6.12", "-p", "leaf=pmd", "--script", "aaaab,end"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("finished: stale-pfn (a failure)");
    const replay = /^replay: (\S+)/m.exec(r.out)![1]!;
    expect(replay).toBe("a4b");
    const rp = pfnlab(["replay", "follow-vs-zap", replay, "-p", "variant=v6.12", "--json"]);
    expect(JSON.parse(rp.out).outcomes).toEqual(["stale-pfn"]);
  });

  it("the same choices against the fixed variant end without a failure", () => {
    const r = pfnlab(["step", "follow-vs-zap", "-p", "variant=fixed", "--script", "aaaab,end"]);
    expect(r.out).toMatch(/^finished: einval$/m);
    expect(r.out).toContain("replay: variant=fixed/a4b");
  });

  it("shows each task's mirror line and next action, and the PMD entry", () => {
    const r = pfnlab(["step", "follow-vs-zap", "-p", "variant=v6.12", "--script", "aaaa"]);
    expect(r.out).toMatch(
      /^ {2}a {2}follow +runnable src\/mm\/follow\.ts:\d+ {2}acquire ptlock \(PMD\).*pmd_lock {2}\(default\)$/m,
    );
    expect(r.out).toMatch(
      /^ {2}b {2}zap +runnable src\/mm\/mapping\.ts:\d+ {2}acquire &mapping->i_mmap_rwsem.*\(preempts\)$/m,
    );
    expect(r.out).toMatch(/^ {2}pmd entry for 0x7effffe05000: pfn 0x10000000 \[present\|/m);
  });

  it("reads commands from stdin: undo takes a step back, an impossible step is refused with the reason", () => {
    const r = pfnlab(["step", "lost-update"], "a\nu\nb\nq\n");
    expect(r.code).toBe(0);
    const steps = [...r.out.matchAll(/^step (\d+), (\d+) preemption/gm)].map((m) => Number(m[1]));
    expect(steps).toEqual([0, 1, 0, 1]);
    const bad = pfnlab(["step", "abba", "--script", "z"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("pfnlab step: no task 'z' (tasks: a=");
  });

  it("rejects an unknown scenario or param as a usage error (exit 2)", () => {
    expect(pfnlab(["step", "nope"]).code).toBe(2);
    const r = pfnlab(["step", "follow-vs-zap", "-p", "leaf=p4d"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/leaf/);
  });
});
