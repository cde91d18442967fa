import { describe, expect, it } from "vitest";
import { explore, replay } from "../../src/sched/explore/explorer";
import "../../src/scenarios/index";

describe("kvm-vs-zap and vfio-type1-vs-zap with several callers (-p callers=N)", () => {
  it("two vCPUs faulting the same gfn: KVM's retry still holds (retried, never a stale pfn or use-after-free) at bound 1", () => {
    const r = explore("kvm-vs-zap", { preemptions: 1, params: { callers: 2 } });
    expect(r.exhausted).toBe(true);
    expect(r.outcomes.retried).toBeGreaterThan(0);
    expect(r.outcomes["use-after-free"]).toBeUndefined();
    expect(r.outcomes["stale-pfn"]).toBeUndefined();
    expect(r.firstFailure).toBeNull();
  });

  it("two vCPUs without the retry check (check=skip): a use-after-free, replayed with three tasks (kvm0, kvm1, zap)", () => {
    const r = explore("kvm-vs-zap", { preemptions: 1, params: { callers: 2, check: "skip" } });
    expect(r.firstFailure!.failure).toBe("use-after-free");
    expect(r.firstFailure!.replay).toMatch(/^check=skip,callers=2\//);
    const again = replay("kvm-vs-zap", r.firstFailure!.replay);
    expect(again.taskNames).toEqual(["kvm0", "kvm1", "zap"]);
    expect(again.outcomes).toContain("use-after-free");
  });

  it("two VFIO DMA maps at their own iova: each survives the zap without a notifier (use-after-free), and the cache finds the same as plain dfs", () => {
    const plain = explore("vfio-type1-vs-zap", { preemptions: 1, params: { callers: 2 } });
    const cached = explore("vfio-type1-vs-zap", { preemptions: 1, params: { callers: 2 }, cache: true });
    expect(plain.outcomes["use-after-free"]).toBeGreaterThan(0);
    expect(Object.keys(cached.outcomes).sort()).toEqual(Object.keys(plain.outcomes).sort());
    expect(cached.firstFailure!.replay).toBe(plain.firstFailure!.replay);
    expect(replay("vfio-type1-vs-zap", plain.firstFailure!.replay).taskNames).toEqual(["vfio0", "vfio1", "zap"]);
  });

  it("callers outside 1..4 are refused naming the param and the rule", () => {
    expect(() => explore("kvm-vs-zap", { params: { callers: 5 } })).toThrow(
      /param callers: value 5 is above the maximum 4/,
    );
    expect(() => explore("vfio-type1-vs-zap", { params: { callers: 0 } })).toThrow(
      /param callers: value 0 is below the minimum 1/,
    );
  });
});
