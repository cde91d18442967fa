/**
 * Call sites: where in our model an effect was yielded, as "src/mm/follow.ts:201", so a
 * replayed race can say which line of the mirror each task is at. Off by default (each
 * capture costs a stack trace); `withCallSites(fn)` turns it on for one replay.
 *
 * The built package maps its stack traces back to src/ through the .js.map files next to
 * dist/ (src/source-maps.ts enables Node's support before the model's modules load).
 */
let enabled = false;

/** Run `fn` with call sites captured on every effect the helpers in effect.ts yield. */
export function withCallSites<T>(fn: () => T): T {
  const was = enabled;
  enabled = true;
  try {
    return fn();
  } finally {
    enabled = was;
  }
}

export function callSitesEnabled(): boolean {
  return enabled;
}

const FRAME = /\(?((?:[A-Za-z]:)?[^\s()]+):(\d+):\d+\)?$/;

/**
 * The first stack frame outside the effect helpers and this file, relative to the
 * project ("src/mm/follow.ts:201"), or undefined when it cannot be told.
 */
export function captureCallSite(): string | undefined {
  const stack = new Error().stack?.split("\n").slice(1) ?? [];
  for (const line of stack) {
    const m = FRAME.exec(line.trim());
    if (!m) continue;
    const file = m[1].replace(/\\/g, "/");
    if (/\/sched\/(effect|call-site)\.[jt]s$/.test(file)) continue;
    const i = Math.max(file.lastIndexOf("/src/"), file.lastIndexOf("/dist/"));
    return `${i >= 0 ? file.slice(i + 1) : file}:${m[2]}`;
  }
  return undefined;
}
