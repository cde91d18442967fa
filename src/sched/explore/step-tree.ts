/**
 * The step tree: every state a student can reach by choosing which task runs next, up
 * to a preemption bound, computed ahead of time so a page can let them click through it
 * with no kernel behind it (display/stepper.ts draws it; `pfnlab step` walks it live).
 *
 * A node is a schedule prefix. Its children are the tasks that may run next (the
 * explorer's eligible set, so every path is a schedule `pfnlab replay` accepts); a child
 * that would need more preemptions than the bound is marked, not expanded. The tree is
 * built by running each maximal path once from `setup` (runs are deterministic), taking
 * the default task after the prefix and queueing the alternatives, so the cost is one
 * run per schedule at the bound.
 */
import type { ParamValue, ParamValues, Scenario } from "../scenario";
import { resolveParams } from "../scenario";
import { withCallSites } from "../call-site";
import type { Scheduler } from "../scheduler";
import type { SimTask } from "../task";
import { formatTraceRecord } from "../trace";
import { resolveScenario } from "./explorer";
import { encodeSchedule } from "./replay-string";
import { finishRun, prepareRun } from "./runner";

export interface StepTreeOptions {
  params?: Record<string, ParamValue | undefined>;
  /** Preemptions a path may take (default 2: every race in the course needs at most one). */
  bound?: number;
  /** Stop with an error past this many nodes (default 20000, about 2-4 MB of page data). */
  maxNodes?: number;
}

/** What a task looks like in one node. */
export interface StepTaskView {
  letter: string;
  name: string;
  /** runnable | blocked | done | crashed. */
  state: string;
  /** file:line of our mirror where the task stands (its pending effect), or "". */
  at: string;
  /** What its next step does ("acquire ptlock (PMD) [W] @ followPfnmapStart: pmd_lock"), or why it cannot run. */
  action: string;
  /** Locks it holds, e.g. "&mm->mmap_lock [R]". */
  held: string[];
}

export interface StepLockView {
  name: string;
  holders: string[];
  waiters: string[];
}

export interface StepNode {
  /** Steps taken so far (the depth). */
  step: number;
  preemptions: number;
  /** Task letters of the path so far ("aaaab"). */
  path: string;
  tasks: StepTaskView[];
  locks: StepLockView[];
  /** The scenario's named views of its state (page-table entry, sanitizer verdict, ...). */
  view: [string, string][];
  /** Trace lines produced by the step into this node. */
  log: string[];
  /**
   * Per task (by index): the child node, "bound" when running it needs a preemption the
   * bound does not allow, or null when it cannot run now.
   */
  next: (number | "bound" | null)[];
  /** Per task: running it now preempts the task that ran last. */
  preempts: boolean[];
  /** Index of the task the non-preemptive default would run, or -1 at the end. */
  defaultTask: number;
  /** Set on leaves: the finished run. */
  end?: { outcomes: string[]; failures: string[]; failed: boolean; replay: string; command: string };
}

export interface StepTree {
  scenario: string;
  summary: string;
  params: ParamValues;
  bound: number;
  taskNames: string[];
  nodes: StepNode[];
  /** Leaves (finished schedules) in the tree. */
  schedules: number;
}

/** Build the step tree of a scenario (object or registered name). */
export function stepTree(scenarioOrName: Scenario | string, opts: StepTreeOptions = {}): StepTree {
  const scenario = resolveScenario(scenarioOrName);
  const params = resolveParams(scenario, opts.params ?? {});
  const bound = opts.bound ?? 2;
  const maxNodes = opts.maxNodes ?? 20000;
  if (!Number.isInteger(bound) || bound < 0 || bound > 6)
    throw new Error(`stepTree: bound ${String(bound)} must be an integer from 0 to 6`);
  if (!Number.isInteger(maxNodes) || maxNodes < 1)
    throw new Error(`stepTree: maxNodes ${String(maxNodes)} must be an integer >= 1`);

  const nodes: StepNode[] = [];
  let taskNames: string[] = [];
  let schedules = 0;
  // Prefixes whose node is still to be made, each with the node (and task) that points to it.
  const todo: { prefix: number[]; parent: number; task: number }[] = [{ prefix: [], parent: -1, task: -1 }];

  withCallSites(() => {
    while (todo.length > 0) {
      const { prefix, parent, task } = todo.pop()!;
      const prepared = prepareRun(scenario, params);
      const s = prepared.sched;
      taskNames = s.tasks.map((t) => t.name);
      for (const id of prefix) s.step(s.tasks[id]!);
      let from = parent;
      let via = task;
      for (;;) {
        if (nodes.length >= maxNodes) {
          throw new Error(
            `stepTree: ${scenario.name} has more than ${maxNodes} states within ${bound} preemption(s); ` +
              `lower the bound or raise maxNodes (each node is about 150 bytes of page data)`,
          );
        }
        const id = nodes.length;
        const node = stepView(s, prepared.run.inspect?.() ?? {});
        nodes.push(node);
        if (from >= 0) nodes[from]!.next[via] = id;
        const ctx = s.choiceContext();
        if (!ctx) {
          const r = finishRun(scenario, params, prepared);
          node.end = {
            outcomes: r.outcomes,
            failures: r.failures,
            failed: r.failed,
            replay: r.replay,
            command: `npx pfnlab replay ${scenario.name} ${shellQuote(r.replay)}`,
          };
          schedules++;
          break;
        }
        node.defaultTask = ctx.defaultTask.id;
        for (const t of ctx.eligible) {
          const pre = ctx.prevEligible && t !== ctx.prev;
          node.preempts[t.id] = pre;
          if (t === ctx.defaultTask) continue;
          if (s.preemptions + (pre ? 1 : 0) > bound) node.next[t.id] = "bound";
          else todo.push({ prefix: [...s.schedule, t.id], parent: id, task: t.id });
        }
        from = id;
        via = ctx.defaultTask.id;
        s.step(ctx.defaultTask);
      }
    }
  });
  return { scenario: scenario.name, summary: scenario.summary, params, bound, taskNames, nodes, schedules };
}

/** What a run looks like now: tasks, locks, the scenario's views, the last step's trace (children unset). */
export function stepView(s: Scheduler, view: Record<string, string>): StepNode {
  const last = s.steps - 1;
  const width = Math.max(4, ...s.tasks.map((t) => t.name.length));
  const log = last < 0 ? [] : s.trace.filter((r) => r.step === last).map((r) => formatTraceRecord(r, width));
  return {
    step: s.steps,
    preemptions: s.preemptions,
    path: encodeSchedule(s.schedule),
    tasks: s.tasks.map(taskView),
    locks: s.knownLocks().map((l) => ({
      name: String(l),
      holders: [...l.holders.entries()].map(([t, m]) => `${t.name} [${m === "read" ? "R" : "W"}]`),
      waiters: s.waitersOf(l).map((w) => `${w.task} [${w.mode === "read" ? "R" : "W"}]`),
    })),
    view: Object.entries(view),
    log,
    next: s.tasks.map(() => null),
    preempts: s.tasks.map(() => false),
    defaultTask: -1,
  };
}

function taskView(t: SimTask): StepTaskView {
  const p = t.pending as { at?: string } | null;
  let action = t.describePending();
  if (t.state === "blocked" && t.waiting)
    action = `waits for ${t.waiting.lock} [${t.waiting.mode === "read" ? "R" : "W"}] @ ${t.waiting.site}`;
  if (t.state === "done") action = t.result === undefined ? "done" : `done, returned ${String(t.result)}`;
  return {
    letter: encodeSchedule([t.id]),
    name: t.name,
    state: t.state,
    at: (t.state === "done" ? "" : p?.at) ?? "",
    action,
    held: t.held.map((h) => `${h.lock} [${h.mode === "read" ? "R" : "W"}]`),
  };
}

function shellQuote(s: string): string {
  return /^[\w./=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
