/**
 * Modules keep fast exports objects (issue 17: lookups within noise of the pre-refactor
 * build). tsc's CommonJS output first declares every export as data (`exports.x = void 0`)
 * and then turns a named re-export (`export { x } from "./y"`, or `export { x }` of an
 * import) into a getter; redefining a data property as an accessor puts the whole exports
 * object in V8's dictionary mode, so every call into that module from another one (the
 * lookups bench calling followPfnmapStart, for one) becomes a hash lookup. index.ts hubs
 * are re-exports only and are not called on hot paths; any other module re-exports
 * nothing: its importers import the name from where it is defined.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(__dirname, "..", "..");

/** Modules that still re-export (none on the plain lookup path); the list may only shrink. */
const PINNED: readonly string[] = [
  "src/checks/sanitizer.ts",
  "src/display/race-figures.ts",
  "src/scenarios/experiments/huge-pfnmaps.ts",
  "src/scenarios/registry.ts",
  "src/sched/explore/explorer.ts",
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith(".ts") ? [p] : [];
  });
}

const options: ts.CompilerOptions = (() => {
  const cfg = ts.readConfigFile(join(root, "tsconfig.build.json"), ts.sys.readFile);
  return ts.parseJsonConfigFileContent(cfg.config, ts.sys, root).options;
})();

/** Exports a module's CommonJS output declares as data and then redefines as getters. */
function redefinedExports(source: string): string[] {
  const js = ts.transpileModule(source, { compilerOptions: options }).outputText;
  const data = new Set<string>();
  for (const line of js.split("\n")) {
    if (!/^exports\.\w+ = .*void 0;$/.test(line)) continue;
    for (const m of line.matchAll(/exports\.(\w+) =/g)) data.add(m[1]!);
  }
  const getters = [...js.matchAll(/Object\.defineProperty\(exports, "(\w+)", \{ enumerable: true, get:/g)];
  return getters.map((m) => m[1]!).filter((n) => data.has(n));
}

/** Whether V8 keeps an exports object built the way tsc builds it in fast mode. */
function fastInV8(redefine: boolean): boolean {
  const js = `const e = {}; Object.defineProperty(e, "__esModule", { value: true }); e.a = e.b = void 0; e.a = 1;
    ${redefine ? 'Object.defineProperty(e, "b", { enumerable: true, get() { return 2; } });' : "e.b = 2;"}
    process.stdout.write(String(%HasFastProperties(e)));`;
  return execFileSync(process.execPath, ["--allow-natives-syntax", "-e", js], { encoding: "utf8" }) === "true";
}

describe("exports objects stay in fast mode", () => {
  it("V8 turns an exports object into a dictionary when a data export is redefined as a getter", () => {
    expect(fastInV8(false)).toBe(true);
    expect(fastInV8(true)).toBe(false);
  });

  it("the detector finds a named re-export next to own exports, and nothing in a module without one", () => {
    expect(redefinedExports('export const a = 1;\nexport { b } from "./y";\n')).toEqual(["b"]);
    expect(redefinedExports('import { b } from "./y";\nexport const a = b;\nexport { b };\n')).toEqual(["b"]);
    expect(redefinedExports('export const a = 1;\nexport type { T } from "./y";\nexport * from "./z";\n')).toEqual([]);
  });

  it("no src module except index.ts hubs (and the pinned ones) redefines an export as a getter", () => {
    const offenders = sourceFiles(join(root, "src"))
      .filter((f) => !f.endsWith("index.ts"))
      .filter((f) => redefinedExports(readFileSync(f, "utf8")).length > 0)
      .map((f) => relative(root, f))
      .sort();
    expect(offenders).toEqual([...PINNED]);
  });
});
