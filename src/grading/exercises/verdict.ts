/**
 * What every exercise check returns: PASS with a short confirmation, or FAIL with a hint
 * that teaches (what the model saw, which rule or formula to look at) and never the
 * answer. `report` prints it for a visible check cell; `enforce` throws it for a hidden
 * check cell (the grader turns the message into the student's feedback).
 */

export type Verdict = { ok: true; exercise: string; message: string } | { ok: false; exercise: string; hint: string };

export function pass(exercise: string, message: string): Verdict {
  return { ok: true, exercise, message };
}

export function fail(exercise: string, hint: string): Verdict {
  return { ok: false, exercise, hint };
}

/** The line a visible check prints: `PASS: <exercise>: ...` or `FAIL: <exercise>: <hint>`. */
export function verdictLine(v: Verdict): string {
  return v.ok ? `PASS: ${v.exercise}: ${v.message}` : `FAIL: ${v.exercise}: ${v.hint}`;
}

/** Print the verdict (visible checks). Returns whether it passed. */
export function report(v: Verdict): boolean {
  console.log(verdictLine(v));
  return v.ok;
}

/** Throw on FAIL (hidden checks): the message is the feedback. */
export function enforce(v: Verdict): void {
  if (!v.ok) throw new Error(`${v.exercise}: ${v.hint}`);
}

/** A student value, described for a hint without trusting its methods. */
export function describeValue(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) && Math.abs(v) >= 4096 ? `0x${v.toString(16)}` : String(v);
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (v === null) return "null";
  return typeof v;
}

/** Run a student's function; an exception becomes a FAIL hint (student code may throw anything). */
export function attempt<T>(fn: () => T): { value: T; error: null } | { value: undefined; error: string } {
  try {
    return { value: fn(), error: null };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { value: undefined, error: msg.length > 200 ? `${msg.slice(0, 197)}...` : msg };
  }
}

/** Check that a parameter the grader passes in has the expected type (instructor errors, not student ones). */
export function needInt(fn: string, field: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < lo || v > hi) {
    throw new Error(`${fn}: parameter ${field} ${String(v)} must be an integer in ${lo}..${hi}`);
  }
  return v;
}

export function needChoice<T extends string>(fn: string, field: string, v: unknown, choices: readonly T[]): T {
  if (typeof v !== "string" || !(choices as readonly string[]).includes(v)) {
    throw new Error(`${fn}: parameter ${field} ${String(v)} must be one of ${choices.join(", ")}`);
  }
  return v as T;
}
