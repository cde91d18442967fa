/**
 * A step tree packed for a page: every string once in a table, task and lock views
 * shared between the nodes that look the same, nodes as arrays of indices. The follow-
 * vs-zap tree at bound 2 (1,449 nodes) goes from ~1.4 MB of plain JSON to well under
 * 200 KB, small enough for one notebook output (Jupyter's iopub limit is 1 MB/s).
 */
import type { StepNode, StepTree } from "../../sched/explore/step-tree";

/** [letter, name, state, at, action, held[]] as string indices. */
export type PackedTask = [number, number, number, number, number, number[]];
/** [name, holders[], waiters[]] as string indices. */
export type PackedLock = [number, number[], number[]];
/** [outcomes[], failures[], failed (0|1), replay, command]. */
export type PackedEnd = [number[], number[], 0 | 1, number, number];
/**
 * [step, preemptions, tasks[] (PackedTask indices), locks[] (PackedLock indices),
 *  view (label, value string indices, flattened), log[], next[] (node, -1 = over the
 *  bound, -2 = cannot run), preempts bitmask, default task (-1 at the end), end or 0].
 */
export type PackedNode = [
  number,
  number,
  number[],
  number[],
  number[],
  number[],
  number[],
  number,
  number,
  PackedEnd | 0,
];

export interface PackedStepTree {
  format: "pfnlab-step-tree/1";
  scenario: string;
  summary: string;
  /** "variant=v6.12, leaf=pmd, ..." (every param, resolved). */
  params: string;
  bound: number;
  taskNames: string[];
  schedules: number;
  strings: string[];
  tasks: PackedTask[];
  locks: PackedLock[];
  nodes: PackedNode[];
}

class Interner<T> {
  readonly items: T[] = [];
  private readonly index = new Map<string, number>();
  constructor(private readonly key: (x: T) => string = (x) => JSON.stringify(x)) {}
  add(x: T): number {
    const k = this.key(x);
    let i = this.index.get(k);
    if (i === undefined) {
      i = this.items.length;
      this.items.push(x);
      this.index.set(k, i);
    }
    return i;
  }
}

export function packStepTree(tree: StepTree): PackedStepTree {
  const str = new Interner<string>((s) => s);
  const tasks = new Interner<PackedTask>();
  const locks = new Interner<PackedLock>();
  const s = (x: string): number => str.add(x);
  const packNode = (n: StepNode): PackedNode => {
    const t = n.tasks.map((v) => tasks.add([s(v.letter), s(v.name), s(v.state), s(v.at), s(v.action), v.held.map(s)]));
    const l = n.locks.map((v) => locks.add([s(v.name), v.holders.map(s), v.waiters.map(s)]));
    const view = n.view.flatMap(([k, v]) => [s(k), s(v)]);
    const next = n.next.map((x) => (x === null ? -2 : x === "bound" ? -1 : x));
    const pre = n.preempts.reduce((m, p, i) => (p ? m | (1 << i) : m), 0);
    const end: PackedEnd | 0 = n.end
      ? [n.end.outcomes.map(s), n.end.failures.map(s), n.end.failed ? 1 : 0, s(n.end.replay), s(n.end.command)]
      : 0;
    return [n.step, n.preemptions, t, l, view, n.log.map(s), next, pre, n.defaultTask, end];
  };
  const nodes = tree.nodes.map(packNode);
  const params = Object.entries(tree.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(", ");
  return {
    format: "pfnlab-step-tree/1",
    scenario: tree.scenario,
    summary: tree.summary,
    params,
    bound: tree.bound,
    taskNames: tree.taskNames,
    schedules: tree.schedules,
    strings: str.items,
    tasks: tasks.items,
    locks: locks.items,
    nodes,
  };
}

/** The inverse, for tests and for tools that read a packed tree back. */
export function unpackNode(p: PackedStepTree, i: number): StepNode {
  const n = p.nodes[i];
  if (!n) throw new Error(`unpackNode: node ${i} is outside the tree (0..${p.nodes.length - 1})`);
  const S = (k: number): string => p.strings[k]!;
  const [step, preemptions, t, l, view, log, next, pre, defaultTask, end] = n;
  const node: StepNode = {
    step,
    preemptions,
    path: "",
    tasks: t.map((k) => {
      const [letter, name, state, at, action, held] = p.tasks[k]!;
      return { letter: S(letter), name: S(name), state: S(state), at: S(at), action: S(action), held: held.map(S) };
    }),
    locks: l.map((k) => {
      const [name, holders, waiters] = p.locks[k]!;
      return { name: S(name), holders: holders.map(S), waiters: waiters.map(S) };
    }),
    view: Array.from({ length: view.length / 2 }, (_, j) => [S(view[2 * j]!), S(view[2 * j + 1]!)] as [string, string]),
    log: log.map(S),
    next: next.map((x) => (x === -2 ? null : x === -1 ? "bound" : x)),
    preempts: t.map((_, j) => (pre & (1 << j)) !== 0),
    defaultTask,
  };
  if (end)
    node.end = {
      outcomes: end[0].map(S),
      failures: end[1].map(S),
      failed: end[2] === 1,
      replay: S(end[3]),
      command: S(end[4]),
    };
  return node;
}
