/**
 * A scenario: a small concurrent program over the model (tasks racing on locks and page
 * tables) plus the classification of how each run turned out. The explorer re-runs
 * `setup` for every schedule (stateless model checking), so `setup` must build fresh
 * state every time and must not depend on anything but its params.
 *
 *   export const lostUpdate = defineScenario({
 *     name: "lost-update",
 *     summary: "two tasks increment a counter without a lock",
 *     models: "no kernel code; the classic read-modify-write race",
 *     params: [{ name: "tasks", type: "int", default: 2, min: 2, max: 6, doc: "number of incrementers" }],
 *     failures: ["lost-update"],
 *     setup(p) {
 *       const state = { counter: 0 };
 *       const tasks = range(p.tasks as number).map((i) => ({ name: `inc${i}`, body: function* () { ... } }));
 *       return { tasks, classify: () => (state.counter === p.tasks ? ["ok"] : ["lost-update"]) };
 *     },
 *   });
 */
import type { Checker } from "../base/checker";
import type { CostModel } from "./cost-model";
import type { RunEnd } from "./scheduler";
import type { LockStat } from "./lockstat";
import type { TraceRecord } from "./trace";
import type { TaskSpec } from "./task";

export type ParamType = "int" | "number" | "bool" | "string";
export type ParamValue = number | boolean | string;
export type ParamValues = Record<string, ParamValue>;

/** One documented parameter of a scenario. */
export interface ParamSpec {
  name: string;
  type: ParamType;
  default: ParamValue;
  /** Allowed values (for "string", and optionally "int"). */
  choices?: readonly (string | number)[];
  /** Bounds for "int" and "number" (inclusive). */
  min?: number;
  max?: number;
  doc: string;
}

/** Outcome classes the runner adds by itself (scenarios may also return them). */
export const AUTO_OUTCOMES = {
  ok: "ok",
  deadlock: "deadlock",
  livelock: "livelock",
  /** A rule of the checker was broken (lockdep, API misuse). */
  misuse: "misuse",
  /** A task threw an exception that was not a checker report. */
  crash: "crash",
} as const;

/** What `setup` returns: fresh tasks and how to judge the finished run. */
export interface ScenarioRun {
  tasks: TaskSpec[];
  /**
   * The outcome classes of this run (e.g. ["ok"], ["retried", "ok"], ["stale-pfn"]).
   * Called once, after the run ended (also after a deadlock or livelock). The runner adds
   * "deadlock"/"livelock"/"misuse"/"crash" itself, and "ok" when the list ends up empty.
   */
  classify(end: RunEnd): string[];
  /**
   * Events of this run worth tallying that are not outcome classes, e.g.
   * "lookup:stale-pfn" when a lookup returned a stale pfn that the caller then dropped.
   * Called once, after `classify`. Default none.
   */
  events?(): string[];
  /** The checker the model reports to; the scheduler's lockdep uses it too (default: a fresh one). */
  checker?: Checker;
  /** A short description of the model state, for manual mode and traces. */
  describe?(): string;
  /**
   * Named views of the model state while the run is in progress (label -> one line),
   * e.g. the page-table entry the race is about and the sanitizer's verdict so far: what
   * the stepper (display/stepper.ts, `pfnlab step`) shows beside the tasks.
   */
  inspect?(): Record<string, string>;
  /** Cost overrides for this scenario (the caller's overrides win). */
  costs?: Partial<CostModel>;
  /** Steps without progress before a livelock is declared (default 10000). */
  livelockBound?: number;
}

export interface Scenario<P extends ParamValues = ParamValues> {
  /** Kebab-case name used on the command line, e.g. "follow-vs-zap". */
  name: string;
  /** One line: what races with what. */
  summary: string;
  /** The kernel code it models, with files and versions (e.g. "mm/memory.c follow_pfnmap_start, v6.12"). */
  models: string;
  params: readonly ParamSpec[];
  /**
   * Outcome classes that count as failures (a failing schedule is shrunk and reported).
   * Default: deadlock, livelock, misuse, crash.
   */
  failures?: readonly string[];
  setup(params: P): ScenarioRun;
  /**
   * Default number of schedules `explore` runs (instead of the strategy's default) for a
   * scenario whose every run is long, so that exploring it ends in reasonable time.
   */
  exploreSchedules?: number;
  /**
   * What the scenario is for, from one timed run (`simulate`): a few lines `pfnlab explore`
   * prints after the schedule counts (e.g. the lock_stat summary of a contention experiment).
   */
  timedSummary?(report: RunReport): string[];
}

export const DEFAULT_FAILURES: readonly string[] = ["deadlock", "livelock", "misuse", "crash"];

/** Identity with type checking: `export const s = defineScenario({...})`. */
export function defineScenario<P extends ParamValues = ParamValues>(s: Scenario<P>): Scenario<P> {
  validateScenario(s as unknown as Scenario);
  return s;
}

export function failuresOf(s: Scenario): readonly string[] {
  return s.failures ?? DEFAULT_FAILURES;
}

/** Checks a scenario's declaration (names, defaults inside their own rules). */
export function validateScenario(s: Scenario): void {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(s.name))
    throw new Error(`scenario '${s.name}': name must be kebab-case (a-z, 0-9, -)`);
  const seen = new Set<string>();
  for (const p of s.params) {
    if (!/^[a-zA-Z][a-zA-Z0-9_-]*$/.test(p.name))
      throw new Error(`scenario ${s.name}: param name '${p.name}' is not a plain identifier`);
    if (seen.has(p.name)) throw new Error(`scenario ${s.name}: param '${p.name}' is declared twice`);
    seen.add(p.name);
    checkParamValue(s.name, p, p.default, "default");
  }
}

function describeRule(p: ParamSpec): string {
  const parts: string[] = [p.type];
  if (p.choices) parts.push(`one of ${p.choices.join("|")}`);
  if (p.min !== undefined) parts.push(`>= ${p.min}`);
  if (p.max !== undefined) parts.push(`<= ${p.max}`);
  return parts.join(", ");
}

function checkParamValue(scenario: string, p: ParamSpec, v: ParamValue, what: string): void {
  const bad = (rule: string): never => {
    throw new Error(`scenario ${scenario}: param ${p.name}: ${what} ${JSON.stringify(v)} ${rule}`);
  };
  switch (p.type) {
    case "int":
      if (typeof v !== "number" || !Number.isInteger(v)) bad("is not an integer");
      break;
    case "number":
      if (typeof v !== "number" || !Number.isFinite(v)) bad("is not a finite number");
      break;
    case "bool":
      if (typeof v !== "boolean") bad("is not true or false");
      break;
    case "string":
      if (typeof v !== "string") bad("is not a string");
      break;
  }
  if (p.choices && !p.choices.includes(v as string | number)) bad(`is not one of ${p.choices.join("|")}`);
  if (p.min !== undefined && (v as number) < p.min) bad(`is below the minimum ${p.min}`);
  if (p.max !== undefined && (v as number) > p.max) bad(`is above the maximum ${p.max}`);
}

/** Parses one textual value ("3", "true", "pmd") by the param's type. */
export function parseParamValue(scenario: string, p: ParamSpec, text: string): ParamValue {
  let v: ParamValue;
  switch (p.type) {
    case "int":
      if (!/^-?\d+$/.test(text.trim()))
        throw new Error(
          `scenario ${scenario}: param ${p.name}: value '${text}' is not an integer (rule: ${describeRule(p)})`,
        );
      v = Number(text);
      break;
    case "number":
      v = Number(text);
      if (text.trim() === "" || !Number.isFinite(v))
        throw new Error(
          `scenario ${scenario}: param ${p.name}: value '${text}' is not a number (rule: ${describeRule(p)})`,
        );
      break;
    case "bool":
      if (!["true", "false", "1", "0", "yes", "no"].includes(text))
        throw new Error(`scenario ${scenario}: param ${p.name}: value '${text}' is not a boolean (true|false)`);
      v = text === "true" || text === "1" || text === "yes";
      break;
    default:
      v = text;
  }
  checkParamValue(scenario, p, v, "value");
  return v;
}

/**
 * Complete params from defaults plus `given`, which may hold typed values (notebooks) or
 * strings (command line). Unknown names and values breaking a rule throw, naming the
 * scenario, the param, the value and the rule.
 */
export function resolveParams(s: Scenario, given: Record<string, ParamValue | undefined> = {}): ParamValues {
  const out: ParamValues = {};
  for (const p of s.params) out[p.name] = p.default;
  for (const [k, v] of Object.entries(given)) {
    if (v === undefined) continue;
    const p = s.params.find((x) => x.name === k);
    if (!p) {
      const known = s.params.map((x) => x.name).join(", ") || "none";
      throw new Error(`scenario ${s.name}: unknown param '${k}' (known: ${known})`);
    }
    if (typeof v === "string" && p.type !== "string") out[k] = parseParamValue(s.name, p, v);
    else {
      checkParamValue(s.name, p, v, "value");
      out[k] = v;
    }
  }
  return out;
}

/** "name (type, default X, one of a|b): doc" lines, for --list and notebooks. */
export function describeParams(s: Scenario): string[] {
  return s.params.map((p) => `${p.name} (${describeRule(p)}; default ${String(p.default)}): ${p.doc}`);
}

/** Everything about one finished run. */
export interface RunReport {
  scenario: string;
  params: ParamValues;
  /** Outcome classes of this run (deduplicated, in the order found). */
  outcomes: string[];
  /** Tallied events that are not classes (ScenarioRun.events), e.g. "lookup:stale-pfn". */
  events: string[];
  /** The outcome classes among them that the scenario counts as failures. */
  failures: string[];
  failed: boolean;
  end: RunEnd;
  /** Task index of every step. */
  schedule: number[];
  preemptions: number;
  /** Steps listed in the replay string (the rest follow the default). */
  prefixSteps: number;
  /** Replay string (shortest prefix, with non-default params). */
  replay: string;
  trace: TraceRecord[];
  lockStat: LockStat;
  /** Task names by index (the letters of the replay string). */
  taskNames: string[];
  /** The scenario's description of its final state, when it has one. */
  state?: string;
}
