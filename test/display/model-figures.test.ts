// Figures read straight from the model: the walk diagram names the lock class a lookup
// would hold (only when it would succeed), the layout shows the course's flags.
import { describe, expect, it } from "vitest";
import {
  createKernel,
  remapPfnRange,
  PAGE_SHARED,
  SZ_1M,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  PMD_SIZE,
  vmfInsertPfnPmd,
} from "../../src/mm/index";
import { layoutFigure, physMemoryFigure, walkDiagram } from "../../src/display/model-figures";

function texts(fig: { layout: Record<string, unknown> }): string[] {
  return ((fig.layout.annotations ?? []) as { text: string }[]).map((a) => a.text);
}

describe("walkDiagram", () => {
  const k = createKernel();
  const bar = k.addIoRegion({ name: "bar0", size: 4 * PMD_SIZE, align: PMD_SIZE });
  const mm = k.createMm();
  const pte = mm.mmap({ length: SZ_1M, vmFlags: VM_READ | VM_WRITE | VM_SHARED, name: "ptes" });
  remapPfnRange(pte, pte.vmStart, bar.startPfn, SZ_1M, PAGE_SHARED);

  it("names the PTE table's lock class under a PTE leaf", () => {
    expect(texts(walkDiagram(mm, pte.vmStart + 0x1234))).toContain("lock: ptlock (PTE)");
  });

  it("names the PMD ptlock class under a PMD leaf", () => {
    const io = mm.mmap({
      length: 2 * PMD_SIZE,
      vmFlags: VM_READ | VM_WRITE | VM_SHARED,
      align: PMD_SIZE,
      name: "huge",
    });
    remapPfnRange(io, io.vmStart, bar.startPfn, PMD_SIZE, PAGE_SHARED); // marks VM_IO|VM_PFNMAP
    const addr = io.vmStart + PMD_SIZE;
    expect(vmfInsertPfnPmd({ vma: io, address: addr }, bar.startPfn + 512, true)).toBeGreaterThanOrEqual(0);
    const t = texts(walkDiagram(mm, addr + 0x5000));
    expect(t).toContain("lock: ptlock (PMD)");
    expect(t.join(" ")).toContain("leaf (special)");
  });

  it("shows no lock when the lookup would fail", () => {
    const t = texts(walkDiagram(mm, pte.vmEnd + 0x1000));
    expect(t.some((x) => x.startsWith("lock:"))).toBe(false);
    expect(t.join(" ")).toContain("-EINVAL");
  });
});

describe("layoutFigure and physMemoryFigure", () => {
  it("labels vmas with VM_IO/VM_PFNMAP but not VM_MAY* flags, and the BAR beside RAM", () => {
    const k = createKernel();
    const bar = k.addIoRegion({ name: "bar0", size: SZ_1M });
    const mm = k.createMm();
    const v = mm.mmap({ length: SZ_1M, vmFlags: VM_READ | VM_SHARED, name: "bar map" });
    remapPfnRange(v, v.vmStart, bar.startPfn, SZ_1M, PAGE_SHARED);
    const json = JSON.stringify(layoutFigure(mm));
    expect(json).toContain("VM_PFNMAP");
    expect(json).not.toContain("VM_MAYREAD");
    const phys = JSON.stringify(physMemoryFigure(k));
    expect(phys).toContain("bar0");
    expect(phys).toContain("System RAM");
  });
});
