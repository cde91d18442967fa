/**
 * `pfnlab step`: be the scheduler in a terminal. Shows each task with the line of our
 * mirror it is at and what its next step does, the scenario's state (page-table entry,
 * sanitizer verdict) and the locks; you choose who runs. No preemption bound here: the
 * run is live, and undo re-runs your choices from the start (runs are deterministic).
 */
import "../source-maps";
import * as readline from "node:readline";
import { resolveParams } from "../scenarios/scenario";
import type { ParamValues, Scenario } from "../scenarios/scenario";
import { withCallSites } from "../sched/call-site";
import { finishRun, prepareRun } from "../sched/explore/runner";
import { stepView } from "../sched/explore/step-tree";
import { CliUsageError, keyValueParams, scenarioArg } from "./command";
import type { CliCommand, CliIo, FlagSpec } from "./command";

const FLAGS: FlagSpec[] = [
  { name: "param", short: "p", value: true, repeat: true },
  { name: "script", value: true },
];

const USAGE = `usage: pfnlab step <scenario> [-p key=value]... [--script COMMANDS]

You are the scheduler: at each step pick the task that runs next.
  a, b, ...   run one step of that task (letters as in replay strings; 'aaaab' runs five)
  d           run the default task (the one that ran last, if it can go on)
  u           undo the last step        r   reset to the start
  end         run defaults to the end   q   quit
When the run ends it prints the outcome and, for a failure, the replay string that
'pfnlab replay' reproduces. Commands come from the terminal, from stdin, or from --script
(e.g. --script aaaab,end).`;

type Session = { scenario: Scenario; params: ParamValues; picks: number[] };

/** Re-run the picks from setup and describe where the run stands. */
function render(sess: Session): { text: string; letters: string[]; finished: boolean } {
  return withCallSites(() => {
    const prepared = prepareRun(sess.scenario, sess.params);
    const s = prepared.sched;
    for (const id of sess.picks) s.step(s.tasks[id]!);
    const v = stepView(s, prepared.run.inspect?.() ?? {});
    const ctx = s.choiceContext();
    const lines: string[] = [];
    for (const l of v.log) lines.push(`  | ${l}`);
    lines.push(`step ${v.step}, ${v.preemptions} preemption(s)`);
    const w = Math.max(...v.tasks.map((t) => t.name.length));
    for (const t of v.tasks) {
      const can = ctx?.eligible.some((e) => e.name === t.name) ?? false;
      const tag = !can
        ? ""
        : ctx!.defaultTask.name === t.name
          ? "  (default)"
          : ctx!.prevEligible
            ? "  (preempts)"
            : "";
      lines.push(
        `  ${t.letter}  ${t.name.padEnd(w)}  ${t.state.padEnd(8)} ${t.at ? `${t.at}  ` : ""}${t.action}${tag}`,
      );
      if (t.held.length) lines.push(`     ${" ".repeat(w)}  holds ${t.held.join(", ")}`);
    }
    for (const [k, val] of v.view) lines.push(`  ${k}: ${val}`);
    for (const l of v.locks)
      if (l.holders.length || l.waiters.length)
        lines.push(
          `  ${l.name}: held by ${l.holders.join(", ") || "nobody"}${l.waiters.length ? `; waiting: ${l.waiters.join(", ")}` : ""}`,
        );
    if (!ctx) {
      const r = finishRun(sess.scenario, sess.params, prepared);
      lines.push(`finished: ${r.outcomes.join(", ")}${r.failed ? " (a failure)" : ""}`);
      lines.push(`replay: ${r.replay}   (pfnlab replay ${sess.scenario.name} ${r.replay})`);
      return { text: lines.join("\n"), letters: [], finished: true };
    }
    return { text: lines.join("\n"), letters: ctx.eligible.map((t) => v.tasks[t.id]!.letter), finished: false };
  });
}

/** Apply one command word; returns an error text or null. */
function apply(sess: Session, word: string): string | null {
  if (word === "u") {
    if (sess.picks.length === 0) return "nothing to undo";
    sess.picks.pop();
    return null;
  }
  if (word === "r") {
    sess.picks.length = 0;
    return null;
  }
  const one = (c: string): string | null => {
    const prepared = prepareRun(sess.scenario, sess.params, { trace: false });
    const s = prepared.sched;
    for (const id of sess.picks) s.step(s.tasks[id]!);
    const ctx = s.choiceContext();
    if (!ctx) return "the run has finished (u to undo, r to reset, q to quit)";
    if (c === "d") {
      sess.picks.push(ctx.defaultTask.id);
      return null;
    }
    const t = s.tasks.find((x) => x.id === c.charCodeAt(0) - 97);
    if (!t)
      return `no task '${c}' (tasks: ${s.tasks.map((x) => `${String.fromCharCode(97 + x.id)}=${x.name}`).join(", ")})`;
    if (!ctx.eligible.includes(t)) {
      const why =
        t.state === "blocked" && t.waiting
          ? `it waits for ${t.waiting.lock}`
          : t.state === "runnable"
            ? "it just relaxed (cpu_relax): someone else runs first"
            : `it is ${t.state}`;
      return `task ${c} (${t.name}) cannot run now: ${why}`;
    }
    sess.picks.push(t.id);
    return null;
  };
  if (word === "end") {
    for (let i = 0; i < 100000; i++) if (one("d") !== null) return null;
    return "end: stopped after 100000 default steps";
  }
  if (/^[a-z]+$/.test(word) && !["d", "u", "r", "q"].includes(word)) {
    for (const c of word) {
      const e = one(c);
      if (e) return e;
    }
    return null;
  }
  if (word === "d") return one("d");
  return `unknown command '${word}' (a letter, d, u, r, end or q)`;
}

export const command: CliCommand = {
  name: "step",
  summary: "be the scheduler: step a race by hand, with undo, and get its replay string",
  usage: USAGE,
  flags: FLAGS,
  async run(a, io) {
    if (a.positional.length !== 1)
      throw new CliUsageError(`pfnlab step: expected <scenario>, got ${a.positional.length} argument(s)`);
    const scenario = scenarioArg(a.positional[0]!, "pfnlab step");
    const given = keyValueParams(a, "pfnlab step");
    let params: ParamValues;
    try {
      params = resolveParams(scenario, given);
    } catch (e) {
      throw new CliUsageError(`pfnlab step: ${(e as Error).message}`);
    }
    const sess: Session = { scenario, params, picks: [] };
    io.out(`${scenario.name}: ${scenario.summary}`);
    const script = a.flags.get("script");
    if (typeof script === "string") return runScript(sess, script.split(/[\s,]+/).filter(Boolean), io);
    return interactive(sess, io);
  },
};

function runScript(sess: Session, words: string[], io: CliIo): number {
  for (const w of words) {
    if (w === "q") break;
    const e = apply(sess, w);
    if (e) {
      io.err(`pfnlab step: ${e}`);
      io.out(render(sess).text);
      return 1;
    }
  }
  io.out(render(sess).text);
  return 0;
}

async function interactive(sess: Session, io: CliIo): Promise<number> {
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  const prompt = (): void => {
    const r = render(sess);
    io.out(r.text);
    io.out(
      r.finished
        ? "> (u undo, r reset, q quit)"
        : `> who runs? ${r.letters.join("/")}, d default, u undo, r reset, end, q quit`,
    );
  };
  prompt();
  for await (const line of rl) {
    const words = line
      .trim()
      .split(/[\s,]+/)
      .filter(Boolean);
    if (words.includes("q")) break;
    let err: string | null = null;
    for (const w of words) if ((err = apply(sess, w))) break;
    if (err) io.err(`pfnlab step: ${err}`);
    prompt();
  }
  rl.close();
  return 0;
}
