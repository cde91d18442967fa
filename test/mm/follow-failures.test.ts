/**
 * Every way follow_pfnmap_start() fails, in the order mm/memory.c checks them, for both
 * variants, each asserting -EINVAL, the recorded reason, and that no lock stays held.
 */
import { describe, expect, it } from "vitest";
import {
  EINVAL,
  FOLLOW_REASONS,
  PAGE_SHARED,
  PMD_SIZE,
  PUD_SIZE,
  VM_READ,
  VM_WRITE,
  VM_SHARED,
  VM_IO,
  VM_PFNMAP,
  followPfnmapArgs,
  followPfnmapStart,
  followPfnmapStartSteps,
  mmapReadLock,
  remapPfnRange,
  vmfInsertPfnPmd,
  vmfInsertPfn,
  zapVmaPtes,
  findTable,
  tableIndex,
  PFNMAP_RULES,
  lookupLeaf,
  type FollowPfnmapVariant,
} from "../../src/mm/index";
import { RW_SHARED, pudAlignedVma, world } from "./helpers";

for (const variant of ["v6.12", "fixed"] as FollowPfnmapVariant[]) {
  describe(`follow_pfnmap_start failure paths (${variant})`, () => {
    const setup = () => {
      const w = world({ followPfnmapVariant: variant });
      const vma = pudAlignedVma(w);
      mmapReadLock(w.mm);
      return { ...w, vma };
    };
    const expectFail = (w: ReturnType<typeof setup>, address: number, reason: string) => {
      const a = followPfnmapArgs(w.vma, address);
      expect(followPfnmapStart(a)).toBe(-EINVAL);
      expect(a.reason).toBe(reason);
      expect(a.state).toBe("failed");
      expect(w.k.ctx.task.held.map((h) => h.lock.className)).toEqual(["&mm->mmap_lock"]);
      const last = w.k.trace[w.k.trace.length - 1];
      expect(last.fn).toBe("followPfnmapStart");
      expect(last.reason).toBe(reason);
      expect(last.ret).toBe(-EINVAL);
      return a;
    };

    it("1. lockdep: start() without mmap_lock is reported (a warning, not a failure)", () => {
      const w = world({ followPfnmapVariant: variant });
      const vma = pudAlignedVma(w);
      remapPfnRange(vma, vma.vmStart, w.bar.startPfn, 4096, PAGE_SHARED);
      const a = followPfnmapArgs(vma, vma.vmStart);
      expect(followPfnmapStart(a)).toBe(0);
      expect(w.k.checker.list(PFNMAP_RULES.withoutLock)).toHaveLength(1);
      expect(w.k.checker.list(PFNMAP_RULES.withoutLock)[0].message).toMatch(/mmap lock/);
    });

    it("2a. fails with -EINVAL when the address is below vm_start", () => {
      const w = setup();
      expectFail(w, w.vma.vmStart - 4096, FOLLOW_REASONS.outsideVma(w.vma, w.vma.vmStart - 4096));
    });

    it("2b. fails with -EINVAL when the address is at vm_end", () => {
      const w = setup();
      expectFail(w, w.vma.vmEnd, FOLLOW_REASONS.outsideVma(w.vma, w.vma.vmEnd));
    });

    it("2c. fails with -EINVAL on a vma without VM_IO|VM_PFNMAP (and reports the misuse)", () => {
      const w = setup();
      expect(w.vma.vmFlags & (VM_IO | VM_PFNMAP)).toBe(0);
      expectFail(w, w.vma.vmStart, FOLLOW_REASONS.notPfnmap(w.vma));
      expect(w.k.checker.list(PFNMAP_RULES.nonPfnmapVma)).toHaveLength(1);
    });

    it("3. fails with -EINVAL when the p4d is none (pgd is folded, never none)", () => {
      const w = world({ followPfnmapVariant: variant });
      const vma = pudAlignedVma(w);
      // a VM_PFNMAP vma in a 512 GiB slot that has no PUD table yet:
      const far = w.mm.mmap({ length: PUD_SIZE, vmFlags: RW_SHARED | VM_IO | VM_PFNMAP, addr: 0x100000000000 });
      remapPfnRange(vma, vma.vmStart, w.bar.startPfn, 4096, PAGE_SHARED);
      mmapReadLock(w.mm);
      const a = followPfnmapArgs(far, far.vmStart);
      expect(followPfnmapStart(a)).toBe(-EINVAL);
      expect(a.reason).toBe(FOLLOW_REASONS.p4dNone);
    });

    it("3b. fails with -EINVAL when the p4d is bad", () => {
      const w = setup();
      remapPfnRange(w.vma, w.vma.vmStart, w.bar.startPfn, 4096, PAGE_SHARED);
      const gi = tableIndex(w.vma.vmStart, "pgd");
      const saved = w.mm.pgd.entries[gi];
      w.mm.pgd.entries[gi] = saved + 0x80; // fault injection: PSE in a p4d
      expectFail(w, w.vma.vmStart, FOLLOW_REASONS.p4dBad);
      w.mm.pgd.entries[gi] = saved;
    });

    it("4. fails with -EINVAL when the pud is none", () => {
      const w = setup();
      remapPfnRange(w.vma, w.vma.vmStart, w.bar.startPfn, 4096, PAGE_SHARED);
      expectFail(
        w,
        w.vma.vmStart + PUD_SIZE,
        variant === "fixed" ? FOLLOW_REASONS.pudNotPresent : FOLLOW_REASONS.pudNone,
      );
    });

    it("5. fails with -EINVAL when the pmd is none", () => {
      const w = setup();
      remapPfnRange(w.vma, w.vma.vmStart, w.bar.startPfn, 4096, PAGE_SHARED);
      // v6.12 has no pmd_present check: the none pmd reaches pte_offset_map_lock, which returns NULL
      expectFail(
        w,
        w.vma.vmStart + PMD_SIZE,
        variant === "fixed" ? FOLLOW_REASONS.pmdNotPresent : FOLLOW_REASONS.pteMapNull,
      );
    });

    it("6a. fails with -EINVAL when pte_offset_map_lock() returns NULL (bad pmd)", () => {
      const w = setup();
      remapPfnRange(w.vma, w.vma.vmStart, w.bar.startPfn, 4096, PAGE_SHARED);
      const pmdT = findTable(w.mm, w.vma.vmStart, "pmd")!;
      const mi = tableIndex(w.vma.vmStart, "pmd");
      pmdT.entries[mi] = pmdT.entries[mi] - 0x2; // fault injection: a table entry without RW is pmd_bad
      expectFail(w, w.vma.vmStart, FOLLOW_REASONS.pteMapNull);
    });

    it("6b. fails with -EINVAL on a non-present pte, releasing the PTE lock", () => {
      const w = setup();
      remapPfnRange(w.vma, w.vma.vmStart, w.bar.startPfn, 4096, PAGE_SHARED);
      expectFail(w, w.vma.vmStart + 4096, FOLLOW_REASONS.pteNotPresent);
    });

    it("6c. fails with -EINVAL after a zap cleared the pte", () => {
      const w = setup();
      remapPfnRange(w.vma, w.vma.vmStart, w.bar.startPfn, 8192, PAGE_SHARED);
      zapVmaPtes(w.vma, w.vma.vmStart, 4096);
      expectFail(w, w.vma.vmStart, FOLLOW_REASONS.pteNotPresent);
      expect(lookupLeaf(w.mm, w.vma.vmStart + 4096).leaf).toBe(true);
    });

    it("the stepwise form fails the same way, in the same order of reads", () => {
      const w = setup();
      remapPfnRange(w.vma, w.vma.vmStart, w.bar.startPfn, 4096, PAGE_SHARED);
      const a = followPfnmapArgs(w.vma, w.vma.vmStart + PMD_SIZE);
      const sites: string[] = [];
      const gen = followPfnmapStartSteps(a);
      let r = gen.next();
      while (!r.done) {
        if (r.value.kind === "step") sites.push(r.value.site);
        r = gen.next(r.value.kind === "current" ? w.k.ctx.task : undefined);
      }
      expect(r.value).toBe(-EINVAL);
      expect(sites[0]).toMatch(/p4dp_get/);
      expect(sites[1]).toMatch(/pudp_get/);
      expect(sites[2]).toMatch(/pmdp_get_lockless/);
      void VM_READ;
      void VM_WRITE;
      void VM_SHARED;
      void vmfInsertPfn;
      void vmfInsertPfnPmd;
    });
  });
}
