/** Test helpers: a small world, and a manual stepper to interleave stepwise calls. */
import type { Effect, Steps, Task } from "../../src/sched/effect";
import { drop, take } from "../../src/sched/lock";
import type { SyncContext } from "../../src/sched/sync";
import {
  createKernel,
  type Kernel,
  type KernelOptions,
  type Mm,
  type Vma,
  type IoRegion,
  PUD_SIZE,
  VM_READ,
  VM_WRITE,
  VM_SHARED,
} from "../../src/mm/index";

export interface World {
  k: Kernel;
  mm: Mm;
  bar: IoRegion;
}

export function world(opts: KernelOptions = {}, barSize = 4 * PUD_SIZE): World {
  const k = createKernel(opts);
  const bar = k.addIoRegion({ name: "bar0", size: barSize });
  const mm = k.createMm();
  return { k, mm, bar };
}

export const RW_SHARED = VM_READ | VM_WRITE | VM_SHARED;

/** A stepwise call driven one effect at a time in its own context. */
export class Stepper<T> {
  done = false;
  value: T | undefined;
  last: Effect | undefined;
  private input: unknown = undefined;
  constructor(
    readonly gen: Steps<T>,
    readonly ctx: SyncContext,
  ) {}

  private pending: Effect | undefined;

  /** Perform the effect yielded last (take the lock, ...), then resume the generator up to its
   * next effect and return that effect WITHOUT performing it: the caller may run another task
   * in between, exactly at the scheduling point. Returns undefined when finished. */
  stepOnce(): Effect | undefined {
    if (this.done) return undefined;
    if (this.pending) this.perform(this.pending);
    this.pending = undefined;
    const r = this.gen.next(this.input);
    this.input = undefined;
    if (r.done) {
      this.done = true;
      this.value = r.value;
      return undefined;
    }
    this.pending = r.value;
    this.last = r.value;
    return r.value;
  }

  private perform(e: Effect): void {
    const task: Task = this.ctx.task;
    switch (e.kind) {
      case "current":
        this.input = task;
        break;
      case "acquire":
        if (!e.lock.available(e.mode)) throw new Error(`Stepper: ${e.lock} not available`);
        take(task, { lock: e.lock, mode: e.mode, site: e.site, since: 0 });
        break;
      case "release":
        drop(task, e.lock);
        break;
      default:
        break;
    }
  }

  /** Step until an effect matching pred has been executed (returns it). */
  runUntil(pred: (e: Effect) => boolean): Effect {
    for (;;) {
      const e = this.stepOnce();
      if (!e) throw new Error("Stepper: finished before the awaited effect");
      if (pred(e)) return e;
    }
  }

  finish(): T {
    while (!this.done) this.stepOnce();
    return this.value as T;
  }
}

export function isStep(site: RegExp) {
  return (e: Effect) => e.kind === "step" && site.test(e.site);
}

export function pudAlignedVma(w: World, length = 2 * PUD_SIZE, flags = RW_SHARED): Vma {
  return w.mm.mmap({ length, vmFlags: flags, align: PUD_SIZE });
}
