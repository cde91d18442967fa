/**
 * Re-grades of unchanged submissions are not recomputed: results are stored as JSON
 * files named by a hash of everything that decides a grade (the submission's code cells,
 * the instructor's source, the student's parameters, the grading limits and pfnlab's
 * version). Keep the cache folder private: in sandbox mode "none" a student could write to it.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "./manifest";

/** Bump when the meaning of a cached result changes. */
export const GRADER_FORMAT = 2;

export function cacheKey(parts: Record<string, unknown>): string {
  return sha256(JSON.stringify({ format: GRADER_FORMAT, ...parts }));
}

export class GradeCache {
  constructor(readonly dir: string) {}

  get<T>(key: string): T | null {
    const file = join(this.dir, `${key}.json`);
    if (!existsSync(file)) return null;
    try {
      return JSON.parse(readFileSync(file, "utf8")) as T;
    } catch {
      return null;
    }
  }

  put(key: string, value: unknown): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, `${key}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value, null, 1) + "\n");
    renameSync(tmp, file);
  }
}
