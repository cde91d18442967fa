/**
 * The import graph of src/: every relative `import ... from`, `export ... from`,
 * `import("...")` and `require("...")` of a .ts file, resolved to the file it names.
 * Type-only imports count too: a cycle of types is still a cycle a reader must untangle.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return f.endsWith(".ts") && !f.endsWith(".d.ts") ? [p] : [];
  });
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']*)["']/gm;

function resolveSpecifier(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  for (const p of [base, `${base}.ts`, join(base, "index.ts")]) {
    try {
      if (statSync(p).isFile() && p.endsWith(".ts")) return p;
    } catch {
      /* next candidate */
    }
  }
  return null;
}

/** A whole `import type {...} from "..."` / `export type {...} from "..."` statement: erased at run time. */
const TYPE_ONLY = /^\s*(?:import|export)\s+type\s+[^;]*?from\s*["'][^"']*["'];?/gm;

/**
 * file (relative to root) -> the src files it imports (relative to root). `runtime: true`
 * leaves out type-only statements, which the compiler erases: the modules that load each other.
 */
export function importGraph(root: string, srcDir = "src", opts: { runtime?: boolean } = {}): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const file of tsFiles(join(root, srcDir))) {
    let text = readFileSync(file, "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/^\s*\/\/.*$/gm, "");
    if (opts.runtime) text = text.replace(TYPE_ONLY, "");
    const deps = new Set<string>();
    for (const m of text.matchAll(SPECIFIER)) {
      const r = resolveSpecifier(file, m[1]!);
      if (r) deps.add(relative(root, r));
    }
    g.set(relative(root, file), [...deps].sort());
  }
  return g;
}

/** The strongly connected components with more than one file (or a self-import): each is a cycle. */
export function importCycles(g: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>(),
    low = new Map<string, number>(),
    on = new Set<string>(),
    stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index), low.set(v, index++), stack.push(v), on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) visit(w), low.set(v, Math.min(low.get(v)!, low.get(w)!));
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do (w = stack.pop()!), on.delete(w), c.push(w);
      while (w !== v);
      if (c.length > 1 || (g.get(v) ?? []).includes(v)) out.push(c.sort());
    }
  };
  for (const v of [...g.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

/** One concrete cycle inside a component, as a path a -> b -> ... -> a. */
export function cyclePath(g: Map<string, string[]>, component: readonly string[]): string[] {
  const inC = new Set(component);
  const start = component[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of g.get(v) ?? []) {
      if (!inC.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x = v; x !== start; x = prev.get(x)!) path.splice(1, 0, x);
        return [...path, start];
      }
      if (!prev.has(w)) prev.set(w, v), queue.push(w);
    }
  }
  return [start, start];
}
