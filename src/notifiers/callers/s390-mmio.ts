/**
 * The s390 PCI MMIO system calls (arch/s390/pci/pci_mmio.c, 6.12,
 * SYSCALL_DEFINE3(s390_pci_mmio_write) at :118 and _read at :266): user space passes an
 * address inside an mmap of a PCI BAR; the kernel, under mmap_read_lock, vma_lookup()s
 * it and checks, in this order, that the vma is VM_IO|VM_PFNMAP (else -EINVAL, :165 /
 * :310) and that it may be accessed that way: VM_WRITE for the write (-EACCES, :167-168),
 * VM_READ for the read (-EACCES, :312-313). Then it follow_pfnmap_start()s the address, builds
 * the IO address from args.pfn and copies with zpci_memcpy_toio/fromio while the
 * page-table lock is still held, then follow_pfnmap_end() and unlock. Using the pfn only
 * between start and end is what the API asks for, so this caller is safe (as long as
 * start() itself is: see follow.ts on the v6.12 recheck).
 * fixup_user_fault() after a failed lookup is not modelled (reported as einval).
 */
import { current, step, type Steps } from "../../sched/effect";
import { ownedSite } from "../../sched/site";
import { followPfnmapEndSteps } from "../../mm/follow";
import { followPfnmapArgs } from "../../mm/follow-args";
import { mmapReadLockSteps, mmapReadUnlockSteps } from "../../mm/mmap-lock";
import { EACCES, EINVAL } from "../../mm/errors";
import { VM_IO, VM_PFNMAP, VM_READ, VM_WRITE } from "../../mm/constants";
import { siteOf, startAndClassify, type CallerEnv, type CallerInstance } from "./types";

export interface S390MmioOptions {
  /** s390_pci_mmio_write (default) or _read. */
  write?: boolean;
  name?: string;
}

export function s390MmioCaller(env: CallerEnv, opts: S390MmioOptions = {}): CallerInstance {
  const name = opts.name ?? "s390";
  const write = opts.write ?? true;
  const who = `s390_pci_mmio_${write ? "write" : "read"}`;
  return {
    name,
    source: "arch/s390/pci/pci_mmio.c s390_pci_mmio_write/s390_pci_mmio_read, v6.12",
    body: function* (): Steps<number> {
      const me = yield* current();
      yield* mmapReadLockSteps(env.mm);
      let ret = -EINVAL;
      const vma = env.mm.findVma(env.address);
      if (!vma || (vma.vmFlags & (VM_IO | VM_PFNMAP)) === 0) {
        env.san.lookup(me.name, who, siteOf(env), -EINVAL);
      } else if ((vma.vmFlags & (write ? VM_WRITE : VM_READ)) === 0) {
        ret = -EACCES; // s390_pci_mmio_write needs VM_WRITE, s390_pci_mmio_read VM_READ
      } else {
        const args = followPfnmapArgs(vma, env.address);
        if ((yield* startAndClassify(env, args, who)) === 0) {
          const h = env.san.hold(me.name, `${who} io_addr`, args.pfn, siteOf(env));
          yield* step(
            "memcpy",
            ownedSite(name, `zpci_memcpy_${write ? "toio" : "fromio"} with the page-table lock held`),
          );
          env.san.access(h, me.name, write ? "cpu-write" : "cpu-read");
          env.san.release(h, me.name);
          yield* followPfnmapEndSteps(args);
          ret = 0;
        }
      }
      yield* mmapReadUnlockSteps(env.mm);
      return ret;
    },
  };
}
