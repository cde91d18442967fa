/** Number formatting and input checks shared by the figure builders. */

/** "0x1f000" for a non-negative integer (exact up to 2^53). Strings pass through. */
export function hex(n: number | string): string {
  if (typeof n === "string") return n;
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** Binary size: 4096 -> "4 KiB", 3 * 2^20 -> "3 MiB", 1.5 * 2^30 -> "1.5 GiB". */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u += 1;
  }
  const digits = Number.isInteger(v) ? 0 : v < 10 ? 2 : 1;
  return `${Number(v.toFixed(digits))} ${UNITS[u]}`;
}

/** Throws `fn: field value is not a finite number >= 0` style errors. */
export function checkNonNegative(fn: string, field: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new Error(`${fn}: ${field} ${String(v)} must be a finite number >= 0`);
  }
  return v;
}

/** Throws unless v is a finite number > 0. */
export function checkPositive(fn: string, field: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new Error(`${fn}: ${field} ${String(v)} must be a finite number > 0`);
  }
  return v;
}

/** Throws unless `arr` is an array. */
export function checkArray<T>(fn: string, field: string, arr: unknown): T[] {
  if (!Array.isArray(arr))
    throw new Error(`${fn}: ${field} must be an array, got ${arr === null ? "null" : typeof arr}`);
  return arr as T[];
}

/**
 * Powers of two between lo and hi with exponents a multiple of a step (1, 2, 5, 10,
 * 20), at most `max` of them, so 1 KiB / 1 MiB / 1 GiB are among them when possible;
 * plus the power of two at or below lo, so the smallest values sit on a labelled line.
 */
export function powerOfTwoTicks(lo: number, hi: number, max = 9): number[] {
  const a = Math.floor(Math.log2(lo));
  const b = Math.ceil(Math.log2(hi));
  const step = [1, 2, 5, 10, 20].find((s) => Math.floor((b - a) / s) + 1 <= max) ?? 20;
  const first = Math.ceil(a / step) * step;
  const ticks: number[] = first > a ? [2 ** a] : [];
  for (let e = first; e <= b; e += step) ticks.push(2 ** e);
  return ticks;
}

/** Log-axis ticks for measured sizes: the values themselves when few, else powerOfTwoTicks. */
export function byteTicks(values: number[], max = 10): number[] {
  const distinct = [...new Set(values.filter((v) => v > 0))].sort((a, b) => a - b);
  if (distinct.length === 0) return [];
  if (distinct.length <= max) return distinct;
  return powerOfTwoTicks(distinct[0], distinct[distinct.length - 1], max);
}

/**
 * Wraps text in a plotly <span> set in the monospace font (for hex values). Only the
 * generic family: resvg 2.6.2 drops a whole <text> when a tspan names "DejaVu Sans
 * Mono" explicitly and more text follows it (checked here), "monospace" renders.
 */
export function mono(text: string): string {
  return `<span style="font-family:monospace">${text}</span>`;
}
