/**
 * The formatter and linter (Biome, configured in biome.jsonc) pass on the whole repository,
 * and no file in src/ grows past 400 lines (issue 17, item 7). Fix a failure with
 * `npm run format` (formatting) or by reading the rule Biome names (linting).
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(__dirname, "..", "..");
const biome = join(root, "node_modules", "@biomejs", "biome", "bin", "biome");

function biomeCi(): { ok: boolean; out: string } {
  try {
    const out = execFileSync(process.execPath, [biome, "ci", "--colors=off", "--max-diagnostics=50"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { ok: true, out };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  }
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith(".ts") ? [p] : [];
  });
}

/** Files still over the limit, each waiting for its split; the list may only shrink. */
const OVER_LIMIT: readonly string[] = [];

describe("formatting, lint and file size", () => {
  it("biome ci reports no formatting difference and no lint diagnostic", () => {
    const r = biomeCi();
    expect(r.ok, r.out).toBe(true);
  });

  it("no file in src/ is over 400 lines, except the pinned ones still to split", () => {
    const long = sourceFiles(join(root, "src"))
      .filter((f) => readFileSync(f, "utf8").split("\n").length > 401)
      .map((f) => relative(root, f))
      .sort();
    expect(long).toEqual([...OVER_LIMIT]);
  });
});
