/**
 * The stepper's step tree: every state a student can reach by choosing who runs, up to a
 * preemption bound, computed with the real model. Its leaves must be exactly the
 * explorer's schedules at that bound, and every leaf's replay string must reproduce it.
 */
import { describe, expect, it } from "vitest";
import "../../src/scenarios/index";
import { explore, replay } from "../../src/sched/explore/explorer";
import { stepTree, type StepNode, type StepTree } from "../../src/sched/explore/step-tree";
import { packStepTree, unpackNode } from "../../src/display/stepper/pack";

const v612 = stepTree("follow-vs-zap", { params: { variant: "v6.12", leaf: "pmd" }, bound: 2 });

function leaves(t: StepTree): StepNode[] {
  return t.nodes.filter((n) => n.end);
}

/** Follow a path of task letters from the root; the node reached. */
function walk(t: StepTree, letters: string): StepNode {
  let n = t.nodes[0]!;
  for (const c of letters) {
    const nx = n.next[c.charCodeAt(0) - 97];
    if (typeof nx !== "number") throw new Error(`walk: ${c} cannot run at step ${n.step} (${String(nx)})`);
    n = t.nodes[nx]!;
  }
  return n;
}

describe("stepTree", () => {
  it("has one leaf per schedule the explorer enumerates at the same bound, with the same outcome counts", () => {
    for (const [name, params, bound] of [
      ["follow-vs-zap", { variant: "v6.12", leaf: "pmd" }, 2],
      ["follow-vs-zap", { variant: "fixed", leaf: "pud" }, 1],
      ["lost-update", {}, 2],
      ["abba", {}, 1],
    ] as const) {
      const t =
        name === "follow-vs-zap" && bound === 2 && params.variant === "v6.12"
          ? v612
          : stepTree(name, { params, bound });
      const e = explore(name, { strategy: "dfs", preemptions: bound, params });
      expect(e.exhausted).toBe(true);
      expect(t.schedules, `${name} ${JSON.stringify(params)} bound ${bound}`).toBe(e.schedules);
      const tally: Record<string, number> = {};
      for (const l of leaves(t)) for (const o of l.end!.outcomes) tally[o] = (tally[o] ?? 0) + 1;
      expect(tally).toEqual(e.outcomes);
    }
  });

  it("every leaf's replay string reproduces its outcomes with pfnlab replay", () => {
    for (const l of leaves(v612)) {
      const r = replay("follow-vs-zap", l.end!.replay, { params: { leaf: "pmd" } });
      expect(r.outcomes, l.end!.replay).toEqual(l.end!.outcomes);
      expect(l.end!.command).toBe(`npx pfnlab replay follow-vs-zap ${l.end!.replay}`);
    }
  });

  it("the v6.12 race a4b: the PMD entry goes from present to none under zap, then follow's start() returns the stale pfn", () => {
    const before = walk(v612, "aaaa");
    expect(before.tasks[0]!.action).toMatch(/^acquire ptlock \(PMD\).*pmd_lock/);
    expect(before.view.find(([k]) => k.startsWith("pmd entry"))![1]).toMatch(/^pfn 0x10000000 \[present\|.*pse/);
    const zapped = walk(v612, "aaaabbbbbbbbbb");
    expect(zapped.view.find(([k]) => k.startsWith("pmd entry"))![1]).toBe("none");
    expect(zapped.view.find(([k]) => k === "sanitizer")![1]).toBe("nothing wrong yet");
    const end = walk(v612, "aaaabbbbbbbbbbbaaaa");
    expect(end.end).toMatchObject({ outcomes: ["stale-pfn"], failed: true, replay: "a4b" });
    expect(end.view.find(([k]) => k === "sanitizer")![1]).toMatch(
      /^stale-pfn: lookup of 0x7effffe05000 returned pfn 0x10000005/,
    );
  });

  it("every task that can run names the src/ file:line of the mirror it is at", () => {
    for (const n of v612.nodes)
      for (const t of n.tasks) if (t.state === "runnable") expect(t.at, t.action).toMatch(/^src\/[\w/.-]+\.ts:\d+$/);
    expect(walk(v612, "aaaa").tasks[0]!.at).toMatch(/^src\/mm\/follow\.ts:\d+$/);
  });

  it("never goes past the bound: a step that would need one more preemption is marked 'bound', not expanded", () => {
    const t = stepTree("follow-vs-zap", { params: { variant: "v6.12" }, bound: 0 });
    expect(t.nodes.every((n) => n.preemptions === 0)).toBe(true);
    expect(t.nodes.some((n) => n.next.includes("bound"))).toBe(true);
    expect(leaves(t).every((l) => !l.end!.failed)).toBe(true);
    for (const n of v612.nodes) expect(n.preemptions).toBeLessThanOrEqual(2);
  });

  it("is deterministic: the same scenario and bound give the same tree", () => {
    expect(JSON.stringify(stepTree("follow-vs-zap", { params: { variant: "v6.12", leaf: "pmd" }, bound: 2 }))).toBe(
      JSON.stringify(v612),
    );
  });

  it("stops with an error naming the scenario and the bound past maxNodes, and rejects a bad bound", () => {
    expect(() => stepTree("follow-vs-zap", { bound: 2, maxNodes: 100 })).toThrow(
      /^stepTree: follow-vs-zap has more than 100 states within 2 preemption\(s\); lower the bound or raise maxNodes/,
    );
    expect(() => stepTree("follow-vs-zap", { bound: -1 })).toThrow("stepTree: bound -1 must be an integer from 0 to 6");
  });
});

describe("packStepTree", () => {
  it("keeps every node (unpacked equal but for the path) and is far smaller than plain JSON", () => {
    const p = packStepTree(v612);
    for (let i = 0; i < v612.nodes.length; i++) expect(unpackNode(p, i)).toEqual({ ...v612.nodes[i], path: "" });
    expect(JSON.stringify(p).length * 5).toBeLessThan(JSON.stringify(v612).length);
  });
});
