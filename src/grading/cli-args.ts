/**
 * The small argument parser the run, grade and release commands share: positionals,
 * `--name value` / `--name=value` options, repeatable options and boolean flags. An
 * unknown option is an error naming it, before anything runs.
 */
export interface ArgSpec {
  /** Options that take a value; short aliases map to them, e.g. { o: "out" }. */
  options: string[];
  /** Options that may repeat (values collected in order). */
  repeated?: string[];
  flags?: string[];
  aliases?: Record<string, string>;
}

export interface ParsedArgs {
  positional: string[];
  options: Record<string, string>;
  repeated: Record<string, string[]>;
  flags: Set<string>;
}

export function parseArgs(command: string, argv: string[], spec: ArgSpec): ParsedArgs {
  const out: ParsedArgs = { positional: [], options: {}, repeated: {}, flags: new Set() };
  const repeated = new Set(spec.repeated ?? []);
  const flags = new Set(spec.flags ?? []);
  const options = new Set(spec.options);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      out.positional.push(a);
      continue;
    }
    let name = a.replace(/^--?/, "");
    let value: string | undefined;
    const eq = name.indexOf("=");
    if (eq >= 0) (value = name.slice(eq + 1)), (name = name.slice(0, eq));
    name = spec.aliases?.[name] ?? name;
    if (flags.has(name)) {
      if (value !== undefined) throw new Error(`pfnlab ${command}: --${name} takes no value`);
      out.flags.add(name);
      continue;
    }
    if (!options.has(name) && !repeated.has(name)) throw new Error(`pfnlab ${command}: unknown option ${a}`);
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new Error(`pfnlab ${command}: ${a} needs a value`);
      value = argv[++i];
    }
    if (repeated.has(name)) (out.repeated[name] ??= []).push(value);
    else out.options[name] = value;
  }
  return out;
}

/** A positive number option, or the default; throws naming the option and the value. */
export function numberOption(command: string, args: ParsedArgs, name: string, fallback: number): number {
  const raw = args.options[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`pfnlab ${command}: --${name} ${raw} is not a positive number`);
  return n;
}
