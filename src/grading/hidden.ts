/**
 * The hidden phase of grading: the instructor's hidden checks, wrapped so that each
 * prints exactly one result line signed with a key that exists only in that cell's
 * source (sent to the kernel after the student's cells finished), and the parsing of
 * those lines. A line the student printed, from any cell or from a timer firing during
 * the checks, cannot carry a valid signature: the key did not exist when it ran.
 */
import { createHmac, randomBytes } from "node:crypto";
import { joinText, type NotebookCell } from "../runner/notebook";
import { codeCell, type HiddenCheck } from "./cells";
import { RESULT_PREFIX } from "./prelude";

/** One hidden check as sent to the kernel, with its one-time key. Never written to disk. */
export interface ArmedCheck {
  check: HiddenCheck;
  key: string;
  nonce: string;
  cell: NotebookCell;
}

const IMPORT_LINE = /^\s*import\s[^;]*\bfrom\s*["'][^"']+["']\s*;?\s*$|^\s*import\s*["'][^"']+["']\s*;?\s*$/;

/** The check's source inside a block that catches its failure and reports it, signed. */
export function wrapCheck(check: HiddenCheck, key: string, nonce: string, index: number): NotebookCell {
  const lines = check.source.split("\n");
  const imports = lines.filter((l) => IMPORT_LINE.test(l));
  const body = lines.filter((l) => !IMPORT_LINE.test(l));
  const G = "(globalThis as any).__pfnlabGrader";
  const source = [
    `// pfnlab hidden check ${index + 1} (exercise ${check.exercise})`,
    ...imports,
    "const pfnlab$run = (async () => {",
    `  const pfnlab$g = ${G};`,
    "  const pfnlab$w = pfnlab$g.writer();",
    '  let pfnlab$ok = false, pfnlab$msg = "";',
    "  try {",
    "    await (async () => {",
    ...body.map((l) => "      " + l),
    "    })();",
    "    pfnlab$ok = true;",
    "  } catch (pfnlab$e) { pfnlab$msg = pfnlab$g.message(pfnlab$e); }",
    `  pfnlab$g.report(pfnlab$w, ${JSON.stringify(key)}, ${JSON.stringify(nonce)}, ${JSON.stringify(check.exercise)}, pfnlab$ok, pfnlab$msg);`,
    "})();",
    // tslab loses top-level await when the await is the cell's first statement.
    "await pfnlab$run;",
  ].join("\n");
  return codeCell(`pfnlab-hidden-${index}`, source, ["hidden-check"], {
    exercise: check.exercise,
    points: check.points,
  });
}

/** Fresh keys and nonces for one grading run of one submission. */
export function armChecks(checks: HiddenCheck[]): ArmedCheck[] {
  return checks.map((check, i) => {
    const key = randomBytes(32).toString("hex");
    const nonce = randomBytes(12).toString("hex");
    return { check, key, nonce, cell: wrapCheck(check, key, nonce, i) };
  });
}

export interface CheckOutcome {
  exercise: string;
  points: number;
  max: number;
  passed: boolean;
  /** The check's message when it failed (what the instructor wrote), or why it gave no result. */
  feedback: string;
  /** Built-ins the student's code replaced, when the check noticed. */
  tampered: string[];
}

interface Payload {
  n: string;
  e: string;
  ok: boolean;
  m: string;
  t: string[];
}

/** Valid signed result lines of one executed hidden cell. */
export function signedResults(cell: NotebookCell | undefined, armed: ArmedCheck): Payload[] {
  const text = (cell?.outputs ?? [])
    .filter((o) => o.output_type === "stream" && o.name === "stdout")
    .map((o) => joinText(o.text))
    .join("");
  const out: Payload[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith(RESULT_PREFIX + " ")) continue;
    const rest = line.slice(RESULT_PREFIX.length + 1).trimEnd();
    const cut = rest.lastIndexOf(" ");
    if (cut < 0) continue;
    const payload = rest.slice(0, cut);
    const mac = rest.slice(cut + 1);
    const want = createHmac("sha256", Buffer.from(armed.key, "hex")).update(payload).digest("hex");
    if (mac !== want) continue;
    try {
      const p = JSON.parse(payload) as Payload;
      if (p.n === armed.nonce && p.e === armed.check.exercise) out.push(p);
    } catch {
      /* a valid MAC over invalid JSON cannot happen unless the key leaked: ignore */
    }
  }
  return out;
}

/**
 * The outcome of one hidden check, from its executed cell. `why` explains a missing
 * result (the cell's error, a timeout, the kernel dying) when there is one.
 */
export function checkOutcome(cell: NotebookCell | undefined, armed: ArmedCheck, why: string): CheckOutcome {
  const base = { exercise: armed.check.exercise, max: armed.check.points };
  const results = signedResults(cell, armed);
  if (results.length > 1) {
    return {
      ...base,
      points: 0,
      passed: false,
      feedback: "the check's result was printed more than once (output tampered with)",
      tampered: ["result line"],
    };
  }
  if (results.length === 0) {
    return {
      ...base,
      points: 0,
      passed: false,
      feedback: why || "the check printed no result (its output was redirected or the cell did not run)",
      tampered: [],
    };
  }
  const r = results[0];
  const tampered = Array.isArray(r.t) ? r.t.map(String) : [];
  if (tampered.length) {
    return {
      ...base,
      points: 0,
      passed: false,
      feedback: `the notebook replaced built-ins the checks rely on: ${tampered.slice(0, 5).join(", ")}`,
      tampered,
    };
  }
  return {
    ...base,
    points: r.ok ? armed.check.points : 0,
    passed: r.ok === true,
    feedback: r.ok ? "" : r.m || "the check failed",
    tampered,
  };
}
