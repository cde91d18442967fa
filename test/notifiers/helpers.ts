/** A small world for notifier tests: a BAR mapped by a vfio-pci-like device, one PMD leaf. */
import {
  PMD_SIZE,
  createKernel,
  createVfioPciBarDevice,
  mmapReadLock,
  mmapReadUnlock,
  vmfInsertPfnPmd,
  type KernelOptions,
} from "../../src/mm/index";
import { Sanitizer } from "../../src/checks/sanitizer";

export function pmdWorld(opts: KernelOptions = {}) {
  const k = createKernel(opts);
  const mm = k.createMm("proc");
  const bar = k.addIoRegion({ name: "bar0", size: PMD_SIZE });
  const dev = createVfioPciBarDevice(k, { bar, alignRule: "pfn" });
  const vma = dev.mmapBar(mm, { length: PMD_SIZE, align: PMD_SIZE });
  mmapReadLock(mm);
  vmfInsertPfnPmd({ vma, address: vma.vmStart }, bar.startPfn, true);
  mmapReadUnlock(mm);
  const san = new Sanitizer(k);
  san.trackMapped(bar.startPfn);
  return { k, mm, bar, dev, vma, san, address: vma.vmStart + 5 * 4096 };
}
