/**
 * The error every bad input to the model throws: it names the function, the field, the
 * value and the rule broken ("remapPfnRange: size 0x1001 is not page aligned"), and
 * carries them as fields so tests and tools need not parse the message. Whatever threw
 * it, the model's state is what it was before the call.
 */

export class PfnlabError extends Error {
  constructor(
    /** Model function called, e.g. "remapPfnRange". */
    readonly fn: string,
    /** Argument or option at fault, e.g. "size", "vmf.pud", "lock". */
    readonly field: string,
    /** The value as given. */
    readonly value: unknown,
    /** The rule it breaks, in words: "is not page aligned". */
    readonly rule: string,
  ) {
    super(`${fn}: ${field} ${formatValue(value)} ${rule}`);
    this.name = "PfnlabError";
  }
}

/** The pure helpers (entries, flags, names) take numbers only; one typeof test guards them. */
export function checkNumber(fn: string, field: string, v: unknown): asserts v is number {
  if (typeof v !== "number") throw new PfnlabError(fn, field, v, "must be a number");
}

const MAX_TEXT = 80;

function clip(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 3)}...` : s;
}

/**
 * A value as a message shows it, safe for anything a user can pass: integers in hex
 * (from 10 up),
 * strings quoted, and values that merely look like numbers said for what they are
 * ("array [4096]", "bigint 4096n", "Number object 4096"), so "must be an integer" is
 * never said of something printed as an integer. Never throws (objects without a
 * prototype, proxies, throwing toString).
 */
export function formatValue(v: unknown): string {
  try {
    switch (typeof v) {
      case "number":
        if (Object.is(v, -0)) return "-0";
        // Addresses, sizes and pfns read best in hex; digits alone read the same either way.
        return Number.isInteger(v) && (v >= 10 || v <= -10) ? hexOf(v) : String(v);
      case "bigint":
        return `bigint ${v}n`;
      case "string":
        return `string ${clip(JSON.stringify(v))}`;
      case "boolean":
      case "undefined":
        return String(v);
      case "symbol":
        return `symbol ${clip(v.description ?? "")}`;
      case "function":
        return `function ${v.name || "(anonymous)"}`;
    }
    if (v === null) return "null";
    return describeObject(v as object);
  } catch {
    return "an object that cannot be inspected";
  }
}

function describeObject(o: object): string {
  if (Array.isArray(o)) {
    const items = o.slice(0, 4).map((x) => (typeof x === "object" && x !== null ? "{...}" : formatValue(x)));
    return `array [${items.join(", ")}${o.length > 4 ? `, ... (${o.length} items)` : ""}]`;
  }
  if (o instanceof Number || o instanceof String || o instanceof Boolean) {
    return `${o.constructor.name} object ${formatValue(o.valueOf())}`;
  }
  const proto = Object.getPrototypeOf(o);
  if (proto === null) return `object without prototype {${keyList(o)}}`;
  // A model object (Vma, IoRegion, ...) describes itself; a plain object by its keys.
  if (
    proto !== Object.prototype &&
    typeof (o as { toString?: unknown }).toString === "function" &&
    o.toString !== Object.prototype.toString
  ) {
    return clip(String(o.toString()));
  }
  const name = proto === Object.prototype ? "object" : `${proto.constructor?.name ?? "object"} object`;
  return `${name} {${keyList(o)}}`;
}

function keyList(o: object): string {
  const keys = Object.keys(o);
  return clip(keys.slice(0, 6).join(", ") + (keys.length > 6 ? ", ..." : ""));
}

/** hex() of constants.ts, repeated here so the two modules do not import each other. */
function hexOf(n: number): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}
