/**
 * Seeded pseudo-random numbers for exploration (never Math.random): the same seed
 * gives the same schedules on every machine. xoshiro128** (Blackman & Vigna) seeded
 * through splitmix32; 32-bit bitwise operations here act on PRNG words, not addresses.
 */

/** One splitmix32 step: spreads a seed over 32 well-mixed bits. */
function splitmix32(state: number): [value: number, next: number] {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [(z ^ (z >>> 16)) >>> 0, next];
}

/** FNV-1a over a string, so seeds may be words ("lecture-3") as well as numbers. */
function hashSeed(seed: number | string): number {
  if (typeof seed === "number") {
    if (!Number.isFinite(seed)) throw new Error(`Prng: seed ${seed} is not a finite number`);
    // Keep the low 32 bits and fold in the high part, so 2^32 + 1 differs from 1.
    const hi = Math.floor(Math.abs(seed) / 0x100000000) >>> 0;
    return (seed >>> 0) ^ Math.imul(hi, 0x9e3779b1);
  }
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number | string = 0) {
    let st = hashSeed(seed);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [v, n] = splitmix32(st);
      words.push(v);
      st = n;
    }
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // all-zero state is a fixed point
  }

  /** Next unsigned 32-bit word. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.nextU32() / 0x100000000;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Prng.int: bound ${n} is not a positive integer`);
    return Math.floor(this.float() * n);
  }

  /** Uniform element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Prng.pick: the array is empty");
    return items[this.int(items.length)] as T;
  }

  /** Fisher-Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j] as T, a[i] as T];
    }
    return a;
  }

  /** An independent generator for sub-stream `k` (e.g. one per explored schedule). */
  fork(k: number): Prng {
    return new Prng(`${this.nextU32()}:${k}`);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A generator for run `run` of an exploration seeded with `seed`: independent of other runs. */
export function runPrng(seed: number | string, run: number): Prng {
  return new Prng(`${seed}/${run}`);
}
