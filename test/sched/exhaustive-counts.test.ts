import { describe, expect, it } from "vitest";
import { explore } from "../../src/sched/explore/explorer";
import "../../src/scenarios/index";

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

describe("exhaustive exploration counts match closed forms", () => {
  it("two tasks of n steps without a bound: C(2n, n) interleavings, and the space is exhausted", () => {
    for (let n = 1; n <= 6; n++) {
      const r = explore("interleave", { preemptions: Infinity, params: { tasks: 2, steps: n } });
      expect(r.schedules).toBe(binomial(2 * n, n));
      expect(r.exhausted).toBe(true);
      expect(r.outcomes).toEqual({ ok: binomial(2 * n, n) });
    }
  });

  it("three tasks of n steps without a bound: the multinomial (3n)! / (n!)^3", () => {
    // n = 2: 6! / (2! 2! 2!) = 720 / 8 = 90.
    const r = explore("interleave", { preemptions: Infinity, params: { tasks: 3, steps: 2 } });
    expect(r.schedules).toBe(90);
    expect(r.exhausted).toBe(true);
  });

  it("preemption bound 0: only the order in which whole tasks run, 2 schedules for two tasks", () => {
    // With no preemption a task runs until it finishes (its steps never block), so the
    // only choice is which task starts: a^n b^n or b^n a^n.
    for (let n = 1; n <= 6; n++) {
      const r = explore("interleave", { preemptions: 0, params: { tasks: 2, steps: n } });
      expect(r.schedules).toBe(2);
      expect(r.exhausted).toBe(true);
    }
  });

  it("preemption bound 1: 2n schedules for two tasks of n steps", () => {
    // Counted by hand. A schedule is a sequence of blocks. Switching away from a task that
    // still has steps left is a preemption; switching after it finished is free.
    //  - 0 preemptions: a^n b^n and b^n a^n                                      -> 2
    //  - exactly 1: start with a, preempt it after i steps (1 <= i <= n-1), then b
    //    must run to its end (leaving b early would be a 2nd preemption), then a
    //    finishes for free: a^i b^n a^(n-i)                                      -> n-1
    //    and symmetrically b^i a^n b^(n-i)                                       -> n-1
    // Total 2 + 2(n-1) = 2n. (n = 3: aaabbb bbbaaa abbbaa aabbba baaabb bbaaab.)
    for (let n = 1; n <= 6; n++) {
      const r = explore("interleave", { preemptions: 1, params: { tasks: 2, steps: n } });
      expect(r.schedules).toBe(2 * n);
      expect(r.exhausted).toBe(true);
    }
  });

  it("preemption bound 2 lies between bound 1 and the full space, and is exhausted", () => {
    // Exactly 2 preemptions: a^i b^j a^(n-i) b^(n-j) with 1<=i,j<=n-1, and the mirror:
    // 2(n-1)^2 more, so 2n + 2(n-1)^2 in total (n = 4: 8 + 18 = 26; C(8,4) = 70).
    const r = explore("interleave", { preemptions: 2, params: { tasks: 2, steps: 4 } });
    expect(r.schedules).toBe(26);
    expect(r.exhausted).toBe(true);
  });

  it("a schedule limit below the space size stops early and says the space was not exhausted", () => {
    const r = explore("interleave", { preemptions: Infinity, schedules: 10, params: { tasks: 2, steps: 4 } });
    expect(r.schedules).toBe(10);
    expect(r.exhausted).toBe(false);
    const exact = explore("interleave", { preemptions: Infinity, schedules: 70, params: { tasks: 2, steps: 4 } });
    expect(exact.schedules).toBe(70);
    expect(exact.exhausted).toBe(true);
  });
});
