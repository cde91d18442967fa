// The in-kernel HMAC must agree with node:crypto, or every signed result would be rejected.
import { createHmac, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HMAC_SOURCE, preludeSource } from "../../src/grading/prelude";

const hmac = new Function("return " + HMAC_SOURCE)() as (
  k: string,
  t: string,
  cc: (s: string, i: number) => number,
  u8: unknown,
  u32: unknown,
) => string;
const cc = (s: string, i: number) => s.charCodeAt(i);

describe("the grader's in-kernel HMAC-SHA256", () => {
  it("matches node:crypto on the empty message and on a result line", () => {
    const key = randomBytes(32).toString("hex");
    for (const text of ["", '{"n":"ab","e":"ex1","ok":true,"m":"","t":[]}']) {
      expect(hmac(key, text, cc, Uint8Array, Uint32Array)).toBe(
        createHmac("sha256", Buffer.from(key, "hex")).update(text).digest("hex"),
      );
    }
  });

  it("matches node:crypto for ASCII messages of any length (block boundaries included)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 32, max: 126 }).map((c) => String.fromCharCode(c)), maxLength: 300 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (text, k) => {
          const key = Buffer.from(k).toString("hex");
          return (
            hmac(key, text, cc, Uint8Array, Uint32Array) ===
            createHmac("sha256", Buffer.from(key, "hex")).update(text).digest("hex")
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("the prelude defines the grader object without holding any key", () => {
    const src = preludeSource();
    expect(src).toContain("__pfnlabGrader");
    expect(src).not.toMatch(/[0-9a-f]{64}/);
  });
});
