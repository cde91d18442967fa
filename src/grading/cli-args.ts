/**
 * The small argument parser the run, grade and release commands share: positionals,
 * `--name value` / `--name=value` options, repeatable options and boolean flags. An
 * unknown option is an error naming it, before anything runs. Also the checks of numbers
 * and paths those commands make before doing any work.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

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

/** An integer option in [min, max], or the default; throws naming the option, the value and the range. */
export function integerOption(
  command: string,
  args: ParsedArgs,
  name: string,
  fallback: number,
  min: number,
  max: number,
  unit = "",
): number {
  const raw = args.options[name];
  if (raw === undefined) return fallback;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new Error(
      `pfnlab ${command}: --${name} ${raw} must be a whole number from ${min} to ${max}${unit ? " " + unit : ""}`,
    );
  }
  return n;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** A file the command reads (--roster, --manifest): it must exist and be a file. */
export function checkInputFile(command: string, option: string, path: string): string {
  const full = resolve(path);
  if (!existsSync(full)) throw new Error(`pfnlab ${command}: ${option} ${path} does not exist`);
  if (isDir(full)) throw new Error(`pfnlab ${command}: ${option} ${path} is a folder, not a file`);
  return full;
}

/**
 * A file the command will write at the end (-o): checked before any work, so a typo
 * fails at once rather than after an hour of grading. Its folder must exist.
 */
export function checkOutputFile(command: string, option: string, path: string): string {
  const full = resolve(path);
  if (isDir(full)) throw new Error(`pfnlab ${command}: ${option} ${path} is a folder; give a file name`);
  const parent = dirname(full);
  if (!isDir(parent)) throw new Error(`pfnlab ${command}: ${option} ${path}: the folder ${parent} does not exist`);
  if (!writable(parent) || (existsSync(full) && !writable(full)))
    throw new Error(`pfnlab ${command}: ${option} ${path} is not writable`);
  return full;
}

/**
 * A folder the command writes into: made now if missing, but only inside a folder that
 * exists (`parents`: or with its missing parents, for a cache), and it must be writable.
 */
export function prepareOutputDir(command: string, option: string, path: string, parents = false): string {
  const full = resolve(path);
  if (existsSync(full) && !isDir(full)) throw new Error(`pfnlab ${command}: ${option} ${path} is a file, not a folder`);
  if (!existsSync(full)) {
    if (!parents && !isDir(dirname(full)))
      throw new Error(`pfnlab ${command}: ${option} ${path}: the folder ${dirname(full)} does not exist`);
    try {
      mkdirSync(full, { recursive: true });
    } catch (e) {
      throw new Error(`pfnlab ${command}: ${option} ${path} cannot be created: ${(e as Error).message}`);
    }
  }
  if (!writable(full)) throw new Error(`pfnlab ${command}: ${option} ${path} is not writable`);
  return full;
}
