/**
 * The effect interpreter both drivers share (runSteps in sync.ts, the scheduler): resume
 * a stepwise function, answer `current` with the running task, hand each `note` on, and
 * stop at the next scheduling effect or at the return. What a scheduling effect does is
 * each driver's own: runSteps takes a lock at once or fails, the scheduler queues, costs
 * and traces. So the protocol of effect.ts is read in one place.
 */
import type { Effect, Steps, Task } from "./effect";

/** The effects that end a resumption: everything but `current` and `note`. */
export type SchedulingEffect = Exclude<Effect, { kind: "current" } | { kind: "note" }>;

export type NoteEffect = Extract<Effect, { kind: "note" }>;

/** Receives the notes of a resumption, with the task that wrote them. */
export type NoteSink<K extends Task = Task> = (task: K, note: NoteEffect) => void;

/**
 * Resume `gen` with `input` until it yields a scheduling effect or returns. A yielded
 * value that is not an object (or has an unknown kind) is handed back as it is, for the
 * driver to report. Whatever the generator throws propagates.
 */
export function runToEffect<T, K extends Task>(
  gen: Steps<T>,
  task: K,
  input: unknown,
  onNote: NoteSink<K> | null,
): IteratorResult<SchedulingEffect, T> {
  for (;;) {
    const r = gen.next(input);
    if (r.done) return r;
    input = undefined;
    const e = r.value;
    if (!e || typeof e !== "object") return r as IteratorResult<SchedulingEffect, T>;
    if (e.kind === "current") input = task;
    else if (e.kind === "note") onNote?.(task, e);
    else return r as IteratorResult<SchedulingEffect, T>;
  }
}
