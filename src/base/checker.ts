/**
 * The checker: where the simulator reports misuse the real kernel would warn about
 * (lockdep splats, might_sleep() in atomic context, use of follow_pfnmap outputs after
 * end()). Each report carries the kernel's rule, in words, and the call site.
 *
 * Mode "record" (default) keeps going, as a WARN_ON does; mode "throw" stops at the
 * first report, which tests and the grader use to make misuse impossible to miss.
 */
export interface Violation {
  /** Short id, e.g. "follow-without-mmap-lock", "lock-order-inversion". */
  rule: string;
  /** The kernel rule broken, in words, with where the kernel states it. */
  message: string;
  /** The simulated call site, e.g. "followPfnmapStart" or a task name + step. */
  site: string;
  /** Task that broke it, when known. */
  task?: string;
}

export class CheckerError extends Error {
  constructor(readonly violation: Violation) {
    super(
      `${violation.rule}: ${violation.message} (at ${violation.site}${violation.task ? `, task ${violation.task}` : ""})`,
    );
    this.name = "CheckerError";
  }
}

export type CheckerMode = "record" | "throw";

export class Checker {
  readonly violations: Violation[] = [];
  constructor(public mode: CheckerMode = "record") {}

  report(v: Violation): void {
    this.violations.push(v);
    if (this.mode === "throw") throw new CheckerError(v);
  }

  /** Reports of one rule (or all). */
  list(rule?: string): Violation[] {
    return rule === undefined ? [...this.violations] : this.violations.filter((v) => v.rule === rule);
  }

  clear(): void {
    this.violations.length = 0;
  }
}
