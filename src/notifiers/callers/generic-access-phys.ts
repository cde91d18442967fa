/**
 * generic_access_phys() (mm/memory.c): the vm_ops->access of VM_IO mappings (/dev/mem,
 * PCI sysfs resources), used by ptrace and /proc/pid/mem through __access_remote_vm(),
 * which holds mmap_read_lock.
 *
 * Mirrors the newest 6.12 stable text (Debian's 6.12.118, mm/memory.c:6565-6632). Two
 * changes reached 6.12 stable in 6.12.118 ("mm/memory: constrain generic_access_phys()
 * to page boundary", "mm: disallow ioremap'ing ordinary RAM in generic_access_phys()"):
 * the access is cut to the end of the page (len = min(len, PAGE_SIZE - offset), :6581;
 * the caller loops for more) and ioremap_prot() maps exactly PAGE_SIZE (:6607), where
 * v6.12.0 mapped PAGE_ALIGN(len + offset); and a pfn that looks like ordinary RAM
 * (pfn_to_online_page() and not PageReserved) is refused with -EINVAL (:6593-6597),
 * where v6.12.0 would ioremap it. The model's RAM pages are never reserved: every RAM
 * pfn is refused.
 *
 * Its steps: retry: follow_pfnmap_start() (failure: -EINVAL); refuse RAM; copy pgprot,
 * the physical address and writable; follow_pfnmap_end(). Refuse a write to a read-only
 * mapping (-EINVAL). ioremap_prot() one page - it may sleep, so it must not run under
 * the page-table lock. Then follow_pfnmap_start() again (failure: iounmap, -EINVAL) and
 * compare all three values with the first lookup: if any changed, end, iounmap and goto
 * retry. Otherwise copy through the ioremap while holding the lock, end, iounmap, return
 * len. The recheck under the lock is what makes the copy safe: a zap needs that lock to
 * clear the entry, so it cannot slip in between the recheck and the copy - provided the
 * second lookup really reads the entry under the lock (the v6.12 follow_pfnmap_start()
 * does not on PMD/PUD leaves: see follow.ts).
 *
 * `ioremapUnderLock: true` is a broken variant for contrast: it calls ioremap_prot()
 * between start and end (sleeping under a spinlock), which the checker reports.
 */
import { current, mightSleep, step, type Steps } from "../../sched/effect";
import { ownedSite } from "../../sched/site";
import { followPfnmapEndSteps } from "../../mm/follow";
import { followPfnmapArgs } from "../../mm/follow-args";
import { mmapReadLockSteps, mmapReadUnlockSteps } from "../../mm/mmap-lock";
import { EINVAL } from "../../mm/errors";
import { PAGE_SIZE, hex } from "../../mm/constants";
import { checkAttempts, siteOf, startAndClassify, type CallerEnv, type CallerInstance } from "./types";

export interface GenericAccessPhysOptions {
  /** FOLL_WRITE: write into the mapping (needs args.writable). Default false (a read). */
  write?: boolean;
  /** Bytes asked for; cut to the end of the page (6.12.118). Default 8. */
  len?: number;
  /** Passes of the retry loop before the model stops. Default 3. */
  maxAttempts?: number;
  /** Broken variant: ioremap_prot() while the page-table lock is held. Default false. */
  ioremapUnderLock?: boolean;
  name?: string;
}

export function genericAccessPhysCaller(env: CallerEnv, opts: GenericAccessPhysOptions = {}): CallerInstance {
  const name = opts.name ?? "ptrace";
  const write = opts.write ?? false;
  const maxAttempts = opts.maxAttempts ?? 3;
  checkAttempts("genericAccessPhysCaller", maxAttempts);
  const askedLen = opts.len ?? 8;
  if (!Number.isInteger(askedLen) || askedLen < 1)
    throw new Error(`genericAccessPhysCaller: len ${String(askedLen)} must be an integer >= 1`);
  const offset = env.address % PAGE_SIZE;
  // "Limit access to one page at a time" (mm/memory.c:6577-6581, 6.12.118).
  const len = Math.min(askedLen, PAGE_SIZE - offset);
  const who = "generic_access_phys";
  return {
    name,
    source: "mm/memory.c generic_access_phys (via __access_remote_vm), 6.12.118 stable text",
    body: function* (): Steps<number> {
      const me = yield* current();
      let ret = -EINVAL;
      yield* mmapReadLockSteps(env.mm); // __access_remote_vm
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const args = followPfnmapArgs(env.vma, env.address);
        if ((yield* startAndClassify(env, args, who)) !== 0) break;
        if (env.kernel.physmem.isRamPfn(args.pfn)) {
          // pfn_to_online_page() && !PageReserved(): ordinary RAM is never ioremapped.
          const ram = args.pfn;
          yield* followPfnmapEndSteps(args);
          env.san.discard(me.name, who, `pfn ${hex(ram)} is ordinary RAM: follow_pfnmap_end, -EINVAL`);
          break;
        }
        const prot = args.pgprot;
        const pfn = args.pfn;
        const writable = args.writable;
        if (opts.ioremapUnderLock) {
          yield* mightSleep(ownedSite(name, "ioremap_prot under the page-table lock (broken variant)"));
          yield* step("ioremap", ownedSite(name, "ioremap_prot(phys of pfn)"));
        }
        yield* followPfnmapEndSteps(args);
        if (write && !writable) {
          env.san.discard(me.name, who, `FOLL_WRITE to a read-only mapping of pfn ${hex(pfn)}: -EINVAL`);
          break;
        }
        if (!opts.ioremapUnderLock) {
          yield* mightSleep(ownedSite(name, "ioremap_prot may sleep"));
          yield* step("ioremap", ownedSite(name, "ioremap_prot(phys of pfn, PAGE_SIZE, prot)"));
        }
        // The kernel virtual mapping now reaches the pfn: a hold until iounmap.
        const h = env.san.hold(me.name, `${who} ioremap`, pfn, siteOf(env));
        const again = followPfnmapArgs(env.vma, env.address);
        if ((yield* startAndClassify(env, again, who)) !== 0) {
          yield* step("work", ownedSite(name, "second lookup failed: iounmap, -EINVAL"));
          env.san.release(h, me.name);
          break;
        }
        if (again.pgprot !== prot || again.pfn !== pfn || again.writable !== writable) {
          env.san.retried(
            me.name,
            who,
            `recheck under the lock: pfn ${hex(pfn)} -> ${hex(again.pfn)}, pgprot ${prot} -> ${again.pgprot}, writable ${writable} -> ${again.writable}`,
          );
          yield* followPfnmapEndSteps(again);
          yield* step("work", ownedSite(name, "values changed: iounmap, goto retry"));
          env.san.release(h, me.name);
          continue;
        }
        env.san.reconfirm(h);
        yield* step(
          "memcpy",
          ownedSite(
            name,
            `memcpy_${write ? "toio" : "fromio"}(maddr + ${offset}, ${len} bytes) through the ioremap, page-table lock held`,
          ),
        );
        env.san.access(h, me.name, write ? "cpu-write" : "cpu-read");
        yield* followPfnmapEndSteps(again);
        yield* step("work", ownedSite(name, "iounmap"));
        env.san.release(h, me.name);
        ret = len; // bytes copied
        break;
      }
      yield* mmapReadUnlockSteps(env.mm);
      return ret;
    },
  };
}
