/**
 * plainForm(fn, kernelOf, stepsFn): the plain function of a stepwise mm call, made the
 * same way for every wrapper: `kernelOf(fn, first)` validates the first argument (the
 * vma, mm, mapping or vmf the call acts on; validate.ts kernelOf / kernelOfMm /
 * kernelOfMapping / kernelOfVmf, the same check and message as the Steps twin) and names
 * the kernel, then kernel.run() drives the steps in the plain context (sched/sync.ts
 * runSteps: locks taken as the steps ask, the locks this call still holds given back
 * when it throws, the generator's finally blocks run).
 *
 * Imports no mm module (the runner is structural): the mm core files use it too, and an
 * import back into them would close a cycle.
 */
import type { Steps } from "../sched/effect";

/** What plainForm needs of the kernel (kernel.ts Kernel.run). */
export interface PlainRunner {
  run<T>(steps: Steps<T>, ctx: undefined, fn: string): T;
}

export function plainForm<A extends unknown[], R>(
  fn: string,
  kernelOf: (fn: string, first: A[0]) => PlainRunner,
  stepsFn: (...args: A) => Steps<R>,
): (...args: A) => R {
  return (...args: A): R => kernelOf(fn, args[0]).run(stepsFn(...args), undefined, fn);
}
