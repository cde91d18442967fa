/**
 * Replay strings: a compact, copy-pasteable name for one schedule.
 *
 *   [param=value,param=value/]a3b2a
 *
 * The schedule part lists which task ran each step, run-length encoded: task 0 is `a`,
 * task 1 `b`, ... task 25 `z`, task 26 and above `[26]`; a count follows when a task runs
 * more than one step in a row ("a3b2a" = a a a b b a). After the listed steps the
 * scheduler keeps the default: continue the task that ran last while it can, else the
 * runnable task with the lowest index. Explorers print the shortest such prefix.
 * The optional params part names the scenario params that differ from their defaults,
 * so the string alone reproduces the run.
 *
 * Limits (a string is user input, and every listed step is kept in memory): at most
 * MAX_REPLAY_STEPS steps in all (a run length above it is refused before it is expanded)
 * and task indices below MAX_REPLAY_TASKS. Every scenario runs far fewer steps.
 */
import type { ParamValues, Scenario } from "../scenario";
import { resolveParams } from "../scenario";

/** Most steps a replay string may list (run lengths included). */
export const MAX_REPLAY_STEPS = 100_000;
/** Task indices a replay string may name: [0, MAX_REPLAY_TASKS). */
export const MAX_REPLAY_TASKS = 1000;

/** The string as error messages quote it (long ones cut). */
function quoted(text: string): string {
  return `'${text.length > 60 ? `${text.slice(0, 57)}...` : text}'`;
}

/**
 * A replay string that does not parse or does not fit its scenario. The message starts
 * with the (quoted) string, so a caller that would name it too (the CLI) can tell by the
 * class. The name stays "Error", as printed before the class existed.
 */
export class ReplayStringError extends Error {
  constructor(
    readonly replay: string,
    what: string,
  ) {
    super(`replay string ${quoted(replay)}: ${what}`);
  }
}

export function encodeSchedule(ids: readonly number[]): string {
  let out = "";
  let i = 0;
  while (i < ids.length) {
    const id = ids[i]!;
    let n = 1;
    while (i + n < ids.length && ids[i + n] === id) n++;
    out += taskCode(id) + (n > 1 ? String(n) : "");
    i += n;
  }
  return out;
}

function taskCode(id: number): string {
  if (!Number.isInteger(id) || id < 0) throw new Error(`encodeSchedule: task index ${id} is not an integer >= 0`);
  return id < 26 ? String.fromCharCode(97 + id) : `[${id}]`;
}

export function decodeSchedule(text: string): number[] {
  const out: number[] = [];
  const bad = (what: string) => new ReplayStringError(text, what);
  let i = 0;
  while (i < text.length) {
    let id: number;
    const c = text[i]!;
    if (c >= "a" && c <= "z") {
      id = c.charCodeAt(0) - 97;
      i++;
    } else if (c === "[") {
      const j = text.indexOf("]", i);
      const inner = j < 0 ? "" : text.slice(i + 1, j);
      if (!/^\d+$/.test(inner)) throw bad(`bad task index at position ${i} (expected [number])`);
      if (inner.length > 4 || Number(inner) >= MAX_REPLAY_TASKS)
        throw bad(`task index ${inner} at position ${i} is over the limit of ${MAX_REPLAY_TASKS} tasks`);
      id = Number(inner);
      i = j + 1;
    } else {
      throw bad(`unexpected '${c}' at position ${i} (expected a task letter a-z or [index])`);
    }
    const at = i;
    let digits = "";
    while (i < text.length && text[i]! >= "0" && text[i]! <= "9") digits += text[i++];
    // Checked on the digits, before expanding: "a99999999999999999999" must not allocate.
    if (digits.length > 6 || Number(digits) > MAX_REPLAY_STEPS)
      throw bad(`run length ${digits} at position ${at} is over the limit of ${MAX_REPLAY_STEPS} steps`);
    const n = digits === "" ? 1 : Number(digits);
    if (n < 1) throw bad(`repeats a task 0 times at position ${at}`);
    if (out.length + n > MAX_REPLAY_STEPS)
      throw bad(`lists ${out.length + n}+ steps, which is over the limit of ${MAX_REPLAY_STEPS} steps in all`);
    for (let k = 0; k < n; k++) out.push(id);
  }
  return out;
}

/** Non-default params as "k=v,k=v" (declaration order; values URI-encoded when needed). */
export function encodeParams(s: Scenario, params: ParamValues): string {
  const parts: string[] = [];
  for (const p of s.params) {
    const v = params[p.name];
    if (v !== undefined && v !== p.default) parts.push(`${p.name}=${encodeURIComponent(String(v))}`);
  }
  return parts.join(",");
}

export interface ParsedReplay {
  params: ParamValues;
  schedule: number[];
}

/** The full replay string of a run. */
export function formatReplay(s: Scenario, params: ParamValues, schedule: readonly number[]): string {
  const p = encodeParams(s, params);
  return (p ? `${p}/` : "") + encodeSchedule(schedule);
}

/**
 * Parses a replay string for scenario `s`. `extra` params (e.g. from -p) are merged; one
 * that contradicts a param in the string is an error, since the run would not reproduce.
 */
export function parseReplay(
  s: Scenario,
  text: string,
  extra: Record<string, string | number | boolean> = {},
): ParsedReplay {
  const slash = text.lastIndexOf("/");
  const paramText = slash >= 0 ? text.slice(0, slash) : "";
  const schedText = slash >= 0 ? text.slice(slash + 1) : text;
  if (schedText === "") throw new ReplayStringError(text, "the schedule is empty");
  const given: Record<string, string | number | boolean> = {};
  if (paramText) {
    for (const kv of paramText.split(",")) {
      const i = kv.indexOf("=");
      if (i <= 0) throw new ReplayStringError(text, `param part '${kv}' must be key=value`);
      try {
        given[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1));
      } catch {
        throw new ReplayStringError(
          text,
          `param value '${kv.slice(i + 1)}' has a malformed %-escape (write %XX with two hex digits, as encodeURIComponent does)`,
        );
      }
    }
  }
  const fromString = resolveParams(s, given);
  const merged = resolveParams(s, { ...given, ...extra });
  for (const k of Object.keys(extra)) {
    if (k in given && merged[k] !== fromString[k]) {
      throw new ReplayStringError(
        text,
        `param ${k}=${String(extra[k])} given with -p contradicts ${k}=${String(fromString[k])} in the string`,
      );
    }
  }
  return { params: merged, schedule: decodeSchedule(schedText) };
}
