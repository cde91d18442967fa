/**
 * generic_access_phys() (mm/memory.c, v6.12): the vm_ops->access of VM_IO mappings
 * (/dev/mem, PCI sysfs resources), used by ptrace and /proc/pid/mem through
 * __access_remote_vm(), which holds mmap_read_lock.
 *
 * Its steps: follow_pfnmap_start(); copy pgprot, the physical address and writable;
 * follow_pfnmap_end(). Refuse a write to a read-only mapping. ioremap_prot() the
 * physical range - it may sleep, so it must not run under the page-table lock. Then
 * follow_pfnmap_start() again and compare all three values with the first lookup: if
 * any changed, end, iounmap and start over; if the second lookup fails, iounmap and
 * return -EINVAL. Otherwise copy through the ioremap while holding the lock, end,
 * iounmap. The recheck under the lock is what makes the copy safe: a zap needs that lock
 * to clear the entry, so it cannot slip in between the recheck and the copy.
 *
 * `ioremapUnderLock: true` is a broken variant for contrast: it calls ioremap_prot()
 * between start and end (sleeping under a spinlock), which the checker reports.
 */
import { current, mightSleep, step, type Steps } from "../../sched/effect";
import { followPfnmapEndSteps } from "../../mm/follow";
import { followPfnmapArgs } from "../../mm/follow-args";
import { mmapReadLockSteps, mmapReadUnlockSteps } from "../../mm/mmap-lock";
import { EINVAL } from "../../mm/errors";
import { hex } from "../../mm/constants";
import { checkAttempts, siteOf, startAndClassify, type CallerEnv, type CallerInstance } from "./types";

export interface GenericAccessPhysOptions {
  /** FOLL_WRITE: write into the mapping (needs args.writable). Default false (a read). */
  write?: boolean;
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
  const who = "generic_access_phys";
  return {
    name,
    source: "mm/memory.c generic_access_phys (via __access_remote_vm), v6.12",
    body: function* (): Steps<number> {
      const me = yield* current();
      let ret = -EINVAL;
      yield* mmapReadLockSteps(env.mm); // __access_remote_vm
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const args = followPfnmapArgs(env.vma, env.address);
        if ((yield* startAndClassify(env, args, who)) !== 0) break;
        const prot = args.pgprot;
        const pfn = args.pfn;
        const writable = args.writable;
        if (opts.ioremapUnderLock) {
          yield* mightSleep(`${name}: ioremap_prot under the page-table lock (broken variant)`);
          yield* step("ioremap", `${name}: ioremap_prot(phys of pfn)`);
        }
        yield* followPfnmapEndSteps(args);
        if (write && !writable) break;
        if (!opts.ioremapUnderLock) {
          yield* mightSleep(`${name}: ioremap_prot may sleep`);
          yield* step("ioremap", `${name}: ioremap_prot(phys of pfn, PAGE_ALIGN(len + offset), prot)`);
        }
        // The kernel virtual mapping now reaches the pfn: a hold until iounmap.
        const h = env.san.hold(me.name, `${who} ioremap`, pfn, siteOf(env));
        const again = followPfnmapArgs(env.vma, env.address);
        if ((yield* startAndClassify(env, again, who)) !== 0) {
          yield* step("work", `${name}: second lookup failed: iounmap, -EINVAL`);
          env.san.release(h, me.name);
          break;
        }
        if (again.pgprot !== prot || again.pfn !== pfn || again.writable !== writable) {
          env.san.retried(me.name, who, `recheck under the lock: pfn ${hex(pfn)} -> ${hex(again.pfn)}, pgprot ${prot} -> ${again.pgprot}, writable ${writable} -> ${again.writable}`);
          yield* followPfnmapEndSteps(again);
          yield* step("work", `${name}: values changed: iounmap, goto retry`);
          env.san.release(h, me.name);
          continue;
        }
        env.san.reconfirm(h);
        yield* step("memcpy", `${name}: memcpy_${write ? "toio" : "fromio"} through the ioremap, page-table lock held`);
        env.san.access(h, me.name, write ? "cpu-write" : "cpu-read");
        yield* followPfnmapEndSteps(again);
        yield* step("work", `${name}: iounmap`);
        env.san.release(h, me.name);
        ret = 8; // bytes copied
        break;
      }
      yield* mmapReadUnlockSteps(env.mm);
      return ret;
    },
  };
}
