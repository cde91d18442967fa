/**
 * Errors in a notebook cell, as a student should see them: the message and the line of
 * *their* cell that called into pfnlab, not the simulator's source line, a caret and a
 * dozen frames inside pfnlab, tslab and Node.
 *
 * tslab (1.0.x) runs each cell as `vm.runInThisContext(wrappedJs)` and prints a thrown
 * error with `console.error(e)`. Inside a tslab kernel, `installCellErrors()` (called when
 * pfnlab is imported) names every cell's code after its execution count (`In[3]`) and keeps
 * its TypeScript source and the JavaScript tslab made of it, so a frame "In[3]:8:9" can be
 * mapped back to the student's line; and errors print through `formatCellError` (tslab's
 * console.error formats them with util.inspect, which asks Error.prototype[inspect.custom]).
 * `cellErrorDetails(true)` brings the full stack back.
 */
import path from "node:path";
import { inspect } from "node:util";

/** One executed cell: its TypeScript source (when known) and the JavaScript that ran. */
export interface CellCode {
  ts: string | null;
  js: string;
}

/** The folder of the pfnlab package (dist/ and, through source maps, src/ below it). */
const PACKAGE_ROOT = path.resolve(__dirname, "..", "..");

const CELL_FILE = /^In\[\??\d+\]$/;
const FRAME = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/;

/** `(0, pfnlab_1.remapPfnRange)(...)` -> `remapPfnRange(...)`: tslab's CommonJS imports read back. */
export function readableJs(line: string): string {
  return line
    .replace(/\(0,\s*[A-Za-z_$][\w$]*_\d+\.([A-Za-z_$][\w$]*)\)/g, "$1")
    .replace(/\b[A-Za-z_$][\w$]*_\d+\.([A-Za-z_$][\w$]*)/g, "$1")
    .trim();
}

const tokens = (s: string): string[] => s.match(/[A-Za-z_$][\w$]*|0x[0-9a-fA-F]+|\d+|"[^"]*"|'[^']*'|`[^`]*`/g) ?? [];

/**
 * The line of the TypeScript cell that the JavaScript line `jsLine` (1-based, in tslab's
 * wrapped code) came from: the TS line sharing the most tokens with it, nearest to the same
 * line number on ties. Null when nothing matches well (half the tokens or fewer).
 */
export function matchCellLine(ts: string, js: string, jsLine: number): { line: number; text: string } | null {
  const jsText = readableJs(js.split("\n")[jsLine - 1] ?? "");
  const want = tokens(jsText);
  if (want.length === 0) return null;
  const lines = ts.split("\n");
  let best: { line: number; text: string; score: number; dist: number } | null = null;
  lines.forEach((text, i) => {
    if (text.trim() === jsText) {
      const dist = Math.abs(i + 1 - jsLine);
      if (!best || best.score < 2 || dist < best.dist) best = { line: i + 1, text, score: 2, dist };
      return;
    }
    const have = new Set(tokens(text));
    const common = want.filter((t) => have.has(t)).length;
    const score = common / Math.max(want.length, have.size);
    const dist = Math.abs(i + 1 - jsLine);
    if (score > 0.5 && (!best || score > best.score || (score === best.score && dist < best.dist)))
      best = { line: i + 1, text, score, dist };
  });
  const b = best as { line: number; text: string } | null;
  return b ? { line: b.line, text: b.text.trim() } : null;
}

/** The error's message the way Node starts its printout: "Name: message". */
function headline(e: Error): string {
  const name = e.name || "Error";
  return e.message ? `${name}: ${e.message}` : name;
}

/**
 * The text printed for an error thrown by a cell: its message, then each frame in the
 * student's cells (the current cell `current`, or earlier ones), then how many frames
 * were hidden. `cells` maps a cell name ("In[3]") to its code.
 */
export function formatCellError(
  e: Error,
  cells: ReadonlyMap<string, CellCode>,
  current: string | null,
  packageRoot = PACKAGE_ROOT,
): string {
  const stack = typeof e.stack === "string" ? e.stack.split("\n") : [];
  const out = [headline(e)];
  let hidden = 0;
  const shown = new Set<string>();
  for (const raw of stack) {
    const m = raw.match(FRAME);
    if (!m || !/^\s*at /.test(raw)) continue;
    const [, , file, lineStr] = m;
    if (!CELL_FILE.test(file!)) {
      hidden++;
      continue;
    }
    const code = cells.get(file!);
    const jsLine = Number(lineStr);
    // tslab's wrapper calling the cell: not a line the student wrote.
    if (code && /^\}\)\(__tslab__\./.test(code.js.split("\n")[jsLine - 1] ?? "")) continue;
    const where = file === current ? "this cell" : `cell ${file}`;
    let text: string;
    if (code?.ts) {
      const hit = matchCellLine(code.ts, code.js, jsLine);
      text = hit
        ? `line ${hit.line} of ${where}: ${hit.text}`
        : `${where}: ${readableJs(code.js.split("\n")[jsLine - 1] ?? "")}`;
    } else {
      text = `${where}: ${code ? readableJs(code.js.split("\n")[jsLine - 1] ?? "") : `line ${jsLine}`}`;
    }
    if (shown.has(text)) continue;
    shown.add(text);
    out.push(`    at ${text}`);
  }
  if (hidden > 0) {
    const inside = stack.some((l) => l.includes(packageRoot))
      ? "inside pfnlab, tslab and Node"
      : "inside tslab and Node";
    out.push(`    (${hidden} frame${hidden === 1 ? "" : "s"} ${inside} hidden; cellErrorDetails(true) shows them)`);
  }
  return out.join("\n");
}

interface Installed {
  details: boolean;
}
const state: { installed: Installed | null } = { installed: null };

/** Show (true) or hide (false, the default in a notebook) the full stack of errors in cells. */
export function cellErrorDetails(on: boolean): void {
  if (state.installed) state.installed.details = on;
}

type ExecuteImpl = (this: { execCount?: number }, req: { code?: string }, ...rest: unknown[]) => unknown;

/**
 * Inside a tslab kernel: name cells, remember their code, print their errors briefly.
 * Does nothing elsewhere, and nothing twice. Returns whether it is installed.
 */
export function installCellErrors(cache: Record<string, { exports?: unknown } | undefined> = require.cache): boolean {
  if (state.installed) return true;
  const jupyterFile = Object.keys(cache).find((k) => /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(k));
  if (!jupyterFile) return false;
  // Under the grader (src/grading/prelude.ts) built-ins and vm are frozen and watched for
  // tampering: leave them alone there (the grader reports errors in its own words).
  if ("__pfnlabGrader" in globalThis) return false;
  const installed: Installed = { details: false };
  state.installed = installed;
  const cells = new Map<string, CellCode>();
  let pending: { count: number; ts: string } | null = null;
  let current: string | null = null;
  let anonymous = 0;

  // The TypeScript of the cell about to run, and its execution count (tslab's own numbering).
  const mod = cache[jupyterFile]?.exports as
    | { JupyterHandlerImpl?: { prototype: { handleExecuteImpl?: ExecuteImpl } } }
    | undefined;
  const proto = mod?.JupyterHandlerImpl?.prototype;
  const orig = proto?.handleExecuteImpl;
  if (proto && typeof orig === "function") {
    proto.handleExecuteImpl = function (this: { execCount?: number }, req: { code?: string }, ...rest: unknown[]) {
      pending = { count: (this.execCount ?? 0) + 1, ts: typeof req?.code === "string" ? req.code : "" };
      return orig.call(this, req, ...rest);
    };
  }

  // The JavaScript tslab runs for the cell, under a name frames can be traced back to.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vm = require("node:vm") as typeof import("node:vm");
  const run = vm.runInThisContext;
  const named = function (this: unknown, code: string, options?: import("node:vm").RunningScriptOptions | string) {
    if (
      typeof code === "string" &&
      /^\((async )?function\(exports, require\) \{/.test(code) &&
      (options === undefined || typeof options === "object")
    ) {
      const name = pending ? `In[${pending.count}]` : `In[?${++anonymous}]`;
      cells.set(name, { ts: pending?.ts ?? null, js: code });
      current = name;
      pending = null;
      if (cells.size > 500) cells.delete(cells.keys().next().value as string);
      return run.call(this, code, { ...(options ?? {}), filename: name });
    }
    return run.call(this, code, options as never);
  } as typeof vm.runInThisContext;
  try {
    vm.runInThisContext = named;
  } catch {
    // vm is frozen here: frames stay anonymous, errors still print briefly.
  }

  // tslab prints errors with its own saved console.error, which formats them with
  // util.inspect: an inspect.custom method on Error.prototype is the one hook every error
  // (thrown by a cell, or logged by the student) goes through.
  Object.defineProperty(Error.prototype, inspect.custom, {
    configurable: true,
    writable: true,
    value(this: Error) {
      return installed.details ? String(this.stack ?? this) : formatCellError(this, cells, current);
    },
  });
  return true;
}
