/** Small helpers for callbacks that may be plain or stepwise. */
import type { Steps } from "../sched/effect";
import type { MaybeSteps } from "./vma";

export function isSteps(x: unknown): x is Steps<unknown> {
  return typeof x === "object" && x !== null && typeof (x as Steps<unknown>).next === "function" && typeof (x as Steps<unknown>).throw === "function";
}

/** Run a callback result: yield* it when it is a generator, return it otherwise. */
export function* callMaybe<T>(x: MaybeSteps<T>): Steps<T> {
  if (isSteps(x)) return (yield* x) as T;
  return x as T;
}
