/**
 * The `parameters` cell (papermill's convention) in TypeScript:
 *
 *     const vmaStart = 0x7f0000000000;   // @variant int 0x7f0000000000..0x7fff00000000 step 0x200000
 *     const pages: number = 16;          // @variant pick 8, 16, 32
 *     const label = "bar0";
 *     const huge = true;                 // @variant bool
 *
 * One `const` (or `let`) per line, a literal value whose type is the parameter's type
 * (number, string or boolean; an annotation, when present, must agree), comments and
 * blank lines allowed, nothing else. `@variant` in the comment tells `pfnlab release
 * --roster` how to vary the value per student (see variants.ts).
 */
import { hasTag, sourceOf, TAGS, codeCell } from "./cells";
import type { Notebook, NotebookCell } from "../runner/notebook";

/** The TypeScript type of a parameters-cell constant (as written in the cell; not a scenario ParamType). */
export type CellValueType = "number" | "string" | "boolean";
export type ParamValue = number | string | boolean;

export type VariantSpec =
  | { kind: "int"; lo: number; hi: number; step: number }
  | { kind: "pick"; values: ParamValue[] }
  | { kind: "bool" };

export interface Parameter {
  name: string;
  type: CellValueType;
  value: ParamValue;
  /** The literal was hexadecimal: injected values are written in hex too. */
  hex: boolean;
  variant?: VariantSpec;
  /** 1-based line in the parameters cell. */
  line: number;
}

export interface ParametersCell {
  /** Index of the cell tagged `parameters`. */
  index: number;
  params: Parameter[];
}

const NUMBER = /^-?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?)$/;
const DECL =
  /^\s*(?:export\s+)?(?:const|let)\s+([A-Za-z_$][\w$]*)\s*(?::\s*(number|string|boolean)\s*)?=\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^;/\s]+)\s*;?\s*(?:\/\/(.*))?$/;

/** A TS numeric literal as a number (hex, binary, octal, decimal, `_` separators), or null. */
export function parseNumberLiteral(text: string): number | null {
  const t = text.trim();
  if (!NUMBER.test(t)) return null;
  const neg = t.startsWith("-");
  const body = (neg ? t.slice(1) : t).replace(/_/g, "");
  const n = Number(body);
  if (!Number.isFinite(n)) return null;
  return neg ? -n : n;
}

function parseStringLiteral(text: string): string | null {
  const t = text.trim();
  if (t.length < 2) return null;
  const q = t[0];
  if ((q !== '"' && q !== "'") || t[t.length - 1] !== q) return null;
  const inner = t.slice(1, -1);
  try {
    // Re-quote as JSON: handles the escapes JSON and TS share.
    const json = '"' + (q === "'" ? inner.replace(/\\'/g, "'").replace(/"/g, '\\"') : inner) + '"';
    const v = JSON.parse(json);
    return typeof v === "string" ? v : null;
  } catch {
    return null;
  }
}

/** A literal's value and type, or null when it is not a number, string or boolean literal. */
export function parseLiteral(text: string): { type: CellValueType; value: ParamValue; hex: boolean } | null {
  const t = text.trim();
  if (t === "true" || t === "false") return { type: "boolean", value: t === "true", hex: false };
  const n = parseNumberLiteral(t);
  if (n !== null) return { type: "number", value: n, hex: /^-?0[xX]/.test(t) };
  const s = parseStringLiteral(t);
  if (s !== null) return { type: "string", value: s, hex: false };
  return null;
}

function parseVariant(spec: string, p: { name: string; type: CellValueType }, where: string): VariantSpec {
  const s = spec.trim();
  const fail = (rule: string): never => {
    throw new Error(`parseParameters: ${where}: @variant of ${p.name} ("${s}") ${rule}`);
  };
  let m = s.match(/^int\s+(\S+?)\s*\.\.\s*(\S+?)(?:\s+step\s+(\S+))?$/);
  if (m) {
    if (p.type !== "number") fail(`is int but ${p.name} is a ${p.type}`);
    const [lo, hi, step] = [parseNumberLiteral(m[1]), parseNumberLiteral(m[2]), m[3] ? parseNumberLiteral(m[3]) : 1];
    if (lo === null || hi === null || step === null) return fail("needs numeric bounds, e.g. int 16..64 step 4");
    if (![lo, hi, step].every(Number.isSafeInteger)) fail("needs safe integers (|x| < 2^53)");
    if (step <= 0 || hi < lo) fail("needs lo <= hi and step > 0");
    return { kind: "int", lo, hi, step };
  }
  m = s.match(/^pick\s+(.+)$/);
  if (m) {
    const values = m[1].split(",").map((v) => {
      const lit = parseLiteral(v);
      if (!lit || lit.type !== p.type) return fail(`lists ${v.trim()}, which is not a ${p.type} literal`);
      return lit.value;
    });
    if (values.length < 2) fail("needs at least two values");
    return { kind: "pick", values };
  }
  if (s === "bool") {
    if (p.type !== "boolean") fail(`is bool but ${p.name} is a ${p.type}`);
    return { kind: "bool" };
  }
  return fail("is not one of: int LO..HI [step S], pick V1, V2, ..., bool");
}

/** Parse the text of a parameters cell. `where` names it in errors. */
export function parseParameterSource(text: string, where: string): Parameter[] {
  const params: Parameter[] = [];
  let inBlockComment = false;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    const at = `${where} line ${i + 1}`;
    if (inBlockComment) {
      if (line.includes("*/")) inBlockComment = false;
      return;
    }
    if (line === "" || line.startsWith("//")) return;
    if (line.startsWith("/*")) {
      inBlockComment = !line.includes("*/");
      return;
    }
    const m = raw.match(DECL);
    if (!m)
      throw new Error(
        `parseParameters: ${at}: expected "const name = literal;" (a number, string or boolean), got: ${line}`,
      );
    const [, name, annotated, literal, comment] = m;
    const lit = parseLiteral(literal);
    if (!lit)
      throw new Error(
        `parseParameters: ${at}: the value of ${name} (${literal}) is not a number, string or boolean literal`,
      );
    if (annotated && annotated !== lit.type)
      throw new Error(
        `parseParameters: ${at}: ${name} is annotated ${annotated} but its value ${literal} is a ${lit.type}`,
      );
    if (params.some((p) => p.name === name)) throw new Error(`parseParameters: ${at}: ${name} is declared twice`);
    const p: Parameter = { name, type: lit.type, value: lit.value, hex: lit.hex, line: i + 1 };
    const v = comment?.match(/@variant\s+(.*)$/);
    if (v) p.variant = parseVariant(v[1], p, at);
    params.push(p);
  });
  return params;
}

/** The notebook's parameters cell (the first tagged `parameters`), or null. */
export function findParameters(nb: Notebook, name = "notebook"): ParametersCell | null {
  const index = nb.cells.findIndex((c) => c.cell_type === "code" && hasTag(c, TAGS.parameters));
  if (index < 0) return null;
  return { index, params: parseParameterSource(sourceOf(nb.cells[index]), `${name} cell ${index} (parameters)`) };
}

/** A value as a TypeScript literal of its parameter's type. */
export function formatValue(p: Pick<Parameter, "type" | "hex">, v: ParamValue): string {
  if (p.type === "string") return JSON.stringify(v);
  if (p.type === "boolean") return v ? "true" : "false";
  const n = v as number;
  if (p.hex && Number.isSafeInteger(n)) return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
  return String(n);
}

/**
 * Turn `-p name=value` text into a value of the parameter's type; throws naming the
 * parameter, the value, the expected type and the notebook.
 */
export function parseCliValue(p: Parameter, raw: string, notebook: string): ParamValue {
  if (p.type === "string") return raw;
  if (p.type === "boolean") {
    if (raw === "true" || raw === "false") return raw === "true";
    throw new Error(
      `parameter ${p.name}=${JSON.stringify(raw)} is not a boolean (true or false): ${notebook} declares ${p.name}: boolean`,
    );
  }
  const n = parseNumberLiteral(raw);
  if (n === null)
    throw new Error(
      `parameter ${p.name}=${JSON.stringify(raw)} is not a number: ${notebook} declares ${p.name}: number`,
    );
  return n;
}

/** The `injected-parameters` cell: every parameter, typed, in declaration order. */
export function injectedCell(params: Parameter[], values: Record<string, ParamValue>, note: string): NotebookCell {
  const lines = [`// ${note}`];
  for (const p of params) {
    if (!(p.name in values)) continue;
    lines.push(`const ${p.name}: ${p.type} = ${formatValue(p, values[p.name])};`);
  }
  return codeCell("injected-parameters", lines.join("\n"), [TAGS.injected]);
}

/** Insert `cell` right after the parameters cell (or first), dropping earlier injected cells. */
export function withInjected(nb: Notebook, cell: NotebookCell, paramsIndex: number | null): Notebook {
  const cells = nb.cells.filter((c) => !hasTag(c, TAGS.injected));
  let at = 0;
  if (paramsIndex !== null) {
    const paramsCell = nb.cells[paramsIndex];
    at = cells.indexOf(paramsCell) + 1;
  }
  cells.splice(at, 0, cell);
  return { ...nb, cells };
}
