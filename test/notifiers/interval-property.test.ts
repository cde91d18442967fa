import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  mmuIntervalNotifierInsert,
  mmuIntervalReadBeginSteps,
  mmuIntervalReadRetry,
  mmuIntervalSetSeq,
  mmuNotifierInvalidateRangeEndSteps,
  mmuNotifierInvalidateRangeStartSteps,
  type MmuNotifierRange,
} from "../../src/notifiers/index";
import { createKernel } from "../../src/mm/index";

const PAGE = 4096;

describe("interval notifier seq protocol (property)", () => {
  it("read_retry is true exactly when an overlapping invalidation started after read_begin; idle seq is even and nothing stays deferred", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("insert" as const), page: fc.nat(15), pages: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant("begin" as const), which: fc.nat(7) }),
      fc.record({ kind: fc.constant("start" as const), page: fc.nat(15), pages: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant("end" as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const k = createKernel();
        const mm = k.createMm();
        const subs: ReturnType<typeof mmuIntervalNotifierInsert>[] = [];
        const open: MmuNotifierRange[] = [];
        // Per notifier: the seq from its last read_begin and whether an overlapping start happened since.
        const reads = new Map<number, { seq: number; hit: boolean }>();
        for (const o of ops) {
          if (o.kind === "insert") {
            subs.push(
              mmuIntervalNotifierInsert(mm, o.page * PAGE, o.pages * PAGE, {
                invalidate: (s, _r, cur) => (mmuIntervalSetSeq(s, cur), true),
              }),
            );
          } else if (o.kind === "begin" && subs.length > 0 && open.length === 0) {
            const s = subs[o.which % subs.length]!;
            reads.set(s.id, { seq: k.run(mmuIntervalReadBeginSteps(s)), hit: false });
          } else if (o.kind === "start") {
            const r: MmuNotifierRange = {
              mm,
              start: o.page * PAGE,
              end: (o.page + o.pages) * PAGE,
              event: "clear",
              blockable: true,
              site: "prop",
            };
            k.run(mmuNotifierInvalidateRangeStartSteps(r));
            open.push(r);
            for (const s of subs)
              if (s.inTree && s.start < r.end && s.last >= r.start && reads.has(s.id)) reads.get(s.id)!.hit = true;
          } else if (o.kind === "end" && open.length > 0) {
            k.run(mmuNotifierInvalidateRangeEndSteps(open.pop()!));
          }
          for (const s of subs) {
            const rd = reads.get(s.id);
            if (rd) expect(mmuIntervalReadRetry(s, rd.seq)).toBe(rd.hit);
          }
        }
        while (open.length > 0) k.run(mmuNotifierInvalidateRangeEndSteps(open.pop()!));
        const st = mm.notifierSubscriptions;
        if (st) {
          expect(st.invalidateSeq % 2).toBe(0);
          expect(st.deferred).toEqual([]);
          expect(st.activeInvalidations).toBe(0);
          for (const s of subs) expect(s.inTree).toBe(true);
        }
      }),
      { numRuns: 300, seed: 6 },
    );
  });
});
