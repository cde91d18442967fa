import { describe, expect, it } from "vitest";
import { lookupLeaf, unmapMappingRange, zapVmaPtes, PMD_SIZE } from "../../src/mm/index";
import {
  mmuIntervalNotifierInsert,
  mmuIntervalNotifierRemoveSteps,
  mmuIntervalReadBeginSteps,
  mmuIntervalReadRetry,
  mmuIntervalSetSeq,
  mmuNotifierInvalidateRangeEndSteps,
  mmuNotifierInvalidateRangeStartSteps,
  mmuNotifierRegister,
} from "../../src/notifiers/index";
import { pmdWorld } from "./helpers";

describe("interval notifiers (mm/mmu_notifier.c)", () => {
  it("read_begin then a zap of the range: read_retry is true, and the callback saw the leaf still mapped", () => {
    const w = pmdWorld();
    const seen: { seq: number; mapped: boolean }[] = [];
    const sub = mmuIntervalNotifierInsert(w.mm, w.vma.vmStart, w.vma.size, {
      invalidate: (s, _r, cur) => {
        seen.push({ seq: cur, mapped: lookupLeaf(w.mm, w.address).leaf });
        mmuIntervalSetSeq(s, cur);
        return true;
      },
    });
    expect(sub.invalidateSeq % 2).toBe(1);
    const seq = w.k.run(mmuIntervalReadBeginSteps(sub));
    expect(mmuIntervalReadRetry(sub, seq)).toBe(false);
    zapVmaPtes(w.vma, w.vma.vmStart, PMD_SIZE);
    expect(seen).toEqual([{ seq: 3, mapped: true }]);
    expect(mmuIntervalReadRetry(sub, seq)).toBe(true);
    expect(w.mm.notifierSubscriptions!.invalidateSeq).toBe(4);
    const seq2 = w.k.run(mmuIntervalReadBeginSteps(sub));
    expect(mmuIntervalReadRetry(sub, seq2)).toBe(false);
  });

  it("a range that misses the interval neither calls it nor makes the seq odd", () => {
    const w = pmdWorld();
    let calls = 0;
    mmuIntervalNotifierInsert(w.mm, w.vma.vmStart + PMD_SIZE * 10, 4096, { invalidate: () => ++calls > 0 });
    const subs = w.mm.notifierSubscriptions!;
    const range = {
      mm: w.mm,
      start: w.vma.vmStart,
      end: w.vma.vmEnd,
      event: "clear" as const,
      blockable: true,
      site: "test",
    };
    w.k.run(mmuNotifierInvalidateRangeStartSteps(range));
    expect(subs.invalidateSeq).toBe(2);
    expect(subs.activeInvalidations).toBe(1);
    w.k.run(mmuNotifierInvalidateRangeEndSteps(range));
    expect(calls).toBe(0);
    expect(subs.activeInvalidations).toBe(0);
  });

  it("an insert during an overlapping invalidation is deferred and its seq equals the running one", () => {
    const w = pmdWorld();
    mmuIntervalNotifierInsert(w.mm, w.vma.vmStart, 4096, { invalidate: (s, _r, c) => (mmuIntervalSetSeq(s, c), true) });
    const subs = w.mm.notifierSubscriptions!;
    const range = {
      mm: w.mm,
      start: w.vma.vmStart,
      end: w.vma.vmEnd,
      event: "clear" as const,
      blockable: true,
      site: "test",
    };
    w.k.run(mmuNotifierInvalidateRangeStartSteps(range));
    expect(subs.invalidateSeq).toBe(3);
    const late = mmuIntervalNotifierInsert(w.mm, w.vma.vmStart, 4096, { invalidate: () => true });
    expect(late.inTree).toBe(false);
    expect(late.invalidateSeq).toBe(3);
    w.k.run(mmuNotifierInvalidateRangeEndSteps(range));
    expect(late.inTree).toBe(true);
    expect(subs.invalidateSeq).toBe(4);
    w.k.run(mmuIntervalNotifierRemoveSteps(late));
    expect(subs.itree.includes(late)).toBe(false);
  });

  it("interval notifiers run before classic ones, and both around unmap_mapping_range", () => {
    const w = pmdWorld();
    const order: string[] = [];
    mmuNotifierRegister(w.mm, {
      invalidateRangeStart: () => {
        order.push("classic start");
        return undefined;
      },
      invalidateRangeEnd: () => {
        order.push("classic end");
        return undefined;
      },
    });
    mmuIntervalNotifierInsert(w.mm, w.vma.vmStart, w.vma.size, { invalidate: () => (order.push("interval"), true) });
    unmapMappingRange(w.dev.mapping, 0, 0);
    expect(order).toEqual(["interval", "classic start", "classic end"]);
  });

  it("bad input throws naming the function, field and value", () => {
    const w = pmdWorld();
    expect(() => mmuIntervalNotifierInsert(w.mm, w.vma.vmStart, 0, { invalidate: () => true })).toThrow(
      /mmuIntervalNotifierInsert: length 0 must be a positive integer/,
    );
    expect(() => mmuIntervalNotifierInsert(w.mm, -1, 4096, { invalidate: () => true })).toThrow(/start -1/);
  });
});
