/**
 * Call sites: where in our model an effect was yielded, as "src/mm/follow.ts:201", so a
 * replayed race can say which line of the mirror each task is at. Off by default (each
 * capture costs a stack trace); `withCallSites(fn)` turns it on for one replay.
 *
 * The built package maps its stack traces back to src/ through the .js.map files next to
 * dist/ (src/source-maps.ts enables Node's support before the model's modules load).
 */
let enabled = false;
let wholeStacks = false;

/**
 * Run `fn` with call sites captured on every effect the helpers in effect.ts yield;
 * `stacks: true` also keeps each effect's whole call stack (`frames`, what a race table
 * names the mirrored function from), at about twice the cost of the first frame alone.
 */
export function withCallSites<T>(fn: () => T, opts: { stacks?: boolean } = {}): T {
  const was = enabled;
  const wasStacks = wholeStacks;
  enabled = true;
  wholeStacks = opts.stacks ?? false;
  try {
    return fn();
  } finally {
    enabled = was;
    wholeStacks = wasStacks;
  }
}

export function callSitesEnabled(): boolean {
  return enabled;
}

/** Whole call stacks are being kept (withCallSites with `stacks: true`). */
export function callStacksEnabled(): boolean {
  return wholeStacks;
}

const FRAME = /^at (?:(.+?) \()?((?:[A-Za-z]:)?[^\s()]+):(\d+):\d+\)?$/;

/** One frame of our model's call stack: the JS function (as V8 names it), its file and line. */
export interface CallFrame {
  /** e.g. "followPfnmapStartSteps", "VfioPciBarDevice.resetSteps", "Object.body"; "" when anonymous. */
  fn: string;
  /** Relative to the project, e.g. "src/mm/follow.ts". */
  file: string;
  line: number;
}

/** Deep enough for a zap reached through a device reset inside a scenario (about 20 frames). */
const STACK_DEPTH = 64;

/**
 * The call stack of the effect being yielded, innermost first, without the effect helpers
 * and this file (only its first frame unless `whole`). Generators delegating with yield* each keep a frame, so the chain reads
 * like the kernel's: pteOffsetMapLockSteps < followPfnmapStartSteps < the caller's body.
 */
export function captureCallStack(whole = true): CallFrame[] {
  const limit = Error.stackTraceLimit;
  if (whole) Error.stackTraceLimit = STACK_DEPTH;
  const stack = new Error().stack?.split("\n").slice(1) ?? [];
  Error.stackTraceLimit = limit;
  const frames: CallFrame[] = [];
  for (const line of stack) {
    const m = FRAME.exec(line.trim());
    if (!m) continue;
    const file = m[2]!.replace(/\\/g, "/");
    if (/\/sched\/(effect|call-site)\.[jt]s$/.test(file)) continue;
    const i = Math.max(file.lastIndexOf("/src/"), file.lastIndexOf("/dist/"));
    frames.push({ fn: m[1] ?? "", file: i >= 0 ? file.slice(i + 1) : file, line: Number(m[3]) });
    if (!whole) break;
  }
  return frames;
}

/**
 * The first stack frame outside the effect helpers and this file, relative to the
 * project ("src/mm/follow.ts:201"), or undefined when it cannot be told.
 */
export function captureCallSite(): string | undefined {
  const f = captureCallStack(false)[0];
  return f ? formatCallFrame(f) : undefined;
}

/** "src/mm/follow.ts:201": how a trace prints a frame. */
export function formatCallFrame(f: CallFrame): string {
  return `${f.file}:${f.line}`;
}
