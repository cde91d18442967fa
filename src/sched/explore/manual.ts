/**
 * Manual mode: the student is the scheduler. List the tasks that can run, each with the
 * site and effect it is about to execute, step one, look at the state and the trace.
 *
 *   const m = manual("lost-update");
 *   m.options();          // [{ letter: "a", task: "inc0", action: "ptRead @ load", ... }, ...]
 *   m.step("inc0");       // or m.step("a") or m.step(0); returns the new trace lines
 *   console.log(m.state());
 *   m.replay;             // the replay string of the steps taken so far
 */
import type { ParamValue, Scenario } from "../scenario";
import { resolveParams } from "../scenario";
import type { CostModel } from "../cost-model";
import { formatNs, formatTraceRecord } from "../trace";
import type { SimTask } from "../task";
import { resolveScenario, traceLines } from "./explorer";
import { encodeSchedule, formatReplay } from "./replay-string";
import { finishRun, prepareRun } from "./runner";
import type { RunReport } from "./runner";

export interface ManualOption {
  /** Letter used in replay strings. */
  letter: string;
  index: number;
  task: string;
  site: string;
  /** What the step will do, e.g. "acquire &mm->mmap_lock [R] @ site". */
  action: string;
  /** Running this one is the non-preemptive default. */
  isDefault: boolean;
  /** Running this one preempts the task that ran last. */
  preempts: boolean;
}

export interface ManualOptions {
  params?: Record<string, ParamValue | undefined>;
  costs?: Partial<CostModel>;
}

export class ManualRun {
  private readonly prepared: ReturnType<typeof prepareRun>;
  private readonly params;
  private report: RunReport | null = null;

  constructor(
    readonly scenario: Scenario,
    opts: ManualOptions = {},
  ) {
    this.params = resolveParams(scenario, opts.params ?? {});
    this.prepared = prepareRun(scenario, this.params, opts.costs ? { costs: opts.costs } : {});
  }

  get finished(): boolean {
    return this.prepared.sched.choiceContext() === null;
  }

  /** Tasks that can run now (runnable ones; a task that just relaxed is listed too). */
  options(): ManualOption[] {
    const s = this.prepared.sched;
    const ctx = s.choiceContext();
    if (!ctx) return [];
    return s.runnable().map((t) => ({
      letter: letter(t.id),
      index: t.id,
      task: t.name,
      site: t.site,
      action: t.describePending(),
      isDefault: t === ctx.defaultTask,
      preempts: ctx.prevEligible && t !== ctx.prev,
    }));
  }

  /** The options as text, one line each: "a  inc0   ptRead @ load   (default)". */
  showOptions(): string {
    const opts = this.options();
    if (opts.length === 0) return `finished: ${this.result().outcomes.join(", ")}`;
    const w = Math.max(...opts.map((o) => o.task.length));
    return opts
      .map(
        (o) =>
          `${o.letter}  ${o.task.padEnd(w)}  ${o.action}${o.isDefault ? "  (default)" : o.preempts ? "  (preempts)" : ""}`,
      )
      .join("\n");
  }

  /** Run one step of the task (by name, replay letter or index); returns the trace lines it produced. */
  step(which: string | number): string[] {
    const s = this.prepared.sched;
    const t = this.find(which);
    const before = s.trace.length;
    s.step(t);
    return s.trace.slice(before).map((r) => formatTraceRecord(r, this.width()));
  }

  /** Take default steps (n of them, or until the end). */
  auto(n = Infinity): string[] {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const ctx = this.prepared.sched.choiceContext();
      if (!ctx) break;
      out.push(...this.step(ctx.defaultTask.id));
    }
    return out;
  }

  /** Tasks, their clocks and held locks, every lock with holders and waiters, and the model's own description. */
  state(): string {
    const s = this.prepared.sched;
    const lines: string[] = [`step ${s.steps}, ${s.preemptions} preemption(s), replay ${this.replay}`];
    for (const t of s.tasks) {
      const held = t.held.map((h) => `${h.lock}[${h.mode === "read" ? "R" : "W"}]`).join(", ");
      const where =
        t.state === "blocked" && t.waiting ? `waits for ${t.waiting.lock} @ ${t.waiting.site}` : t.describePending();
      lines.push(
        `  ${letter(t.id)} ${t.name} (cpu${t.cpu}, ${formatNs(t.clock)}) ${t.state}: ${where}${held ? `; holds ${held}` : ""}`,
      );
    }
    for (const l of s.knownLocks()) {
      const holders =
        [...l.holders.entries()].map(([t, m]) => `${t.name}[${m === "read" ? "R" : "W"}]`).join(", ") || "free";
      const waiters = s
        .waitersOf(l)
        .map((w) => `${w.task}[${w.mode === "read" ? "R" : "W"}]`)
        .join(", ");
      lines.push(`  lock ${l}: ${holders}${waiters ? `; waiting: ${waiters}` : ""}`);
    }
    const d = this.prepared.run.describe?.();
    if (d) lines.push(d);
    return lines.join("\n");
  }

  /** The trace so far. */
  trace(): string {
    const w = this.width();
    return this.prepared.sched.trace.map((r) => formatTraceRecord(r, w)).join("\n");
  }

  /** Replay string of the steps taken so far (full schedule, no default-shortening). */
  get replay(): string {
    const sched = this.prepared.sched.schedule;
    return sched.length ? formatReplay(this.scenario, this.params, sched) : "(no steps yet)";
  }

  /** The report of the finished run (outcomes, lock_stat, replay string). */
  result(): RunReport {
    if (!this.finished)
      throw new Error(
        `ManualRun.result: the run is not finished (runnable: ${this.options()
          .map((o) => o.task)
          .join(", ")})`,
      );
    if (!this.report) this.report = finishRun(this.scenario, this.params, this.prepared);
    return this.report;
  }

  /** Trace plus outcomes of the finished run. */
  summary(): string {
    return traceLines(this.result()).join("\n");
  }

  private find(which: string | number): SimTask {
    const s = this.prepared.sched;
    let t: SimTask | undefined;
    if (typeof which === "number") t = s.tasks[which];
    else
      t =
        s.tasks.find((x) => x.name === which) ??
        (/^[a-z]$/.test(which) ? s.tasks[which.charCodeAt(0) - 97] : undefined);
    if (!t)
      throw new Error(
        `ManualRun.step: no task '${which}' (tasks: ${s.tasks.map((x) => `${letter(x.id)}=${x.name}`).join(", ")})`,
      );
    if (t.state !== "runnable") {
      const why = t.state === "blocked" && t.waiting ? `blocked on ${t.waiting.lock}` : t.state;
      throw new Error(
        `ManualRun.step: task ${t.name} cannot run now (${why}); runnable: ${
          this.options()
            .map((o) => o.task)
            .join(", ") || "none"
        }`,
      );
    }
    return t;
  }

  private width(): number {
    return Math.max(4, ...this.prepared.sched.tasks.map((t) => t.name.length));
  }
}

function letter(id: number): string {
  return encodeSchedule([id]);
}

/** Start a manual run of a scenario (object or registered name). */
export function manual(scenarioOrName: Scenario | string, opts: ManualOptions = {}): ManualRun {
  return new ManualRun(resolveScenario(scenarioOrName), opts);
}
