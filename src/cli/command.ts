/**
 * The one shape of a `pfnlab` subcommand, the one argument parser every subcommand uses,
 * and the checks of flag values they share (numbers, -p key=value, a scenario name).
 *
 * Adding a subcommand: create src/cli/cmd-<name>.ts exporting `command: CliCommand`.
 * main.ts finds every cmd-*.js next to it at run time, so no shared file needs editing.
 * A command declares its flags; `runCommand` parses argv with them (answering -h/--help
 * with the usage), runs it, and turns what it throws into a message and an exit code:
 * a CliUsageError exits 2 with the --help hint, a CliError with its own code, anything
 * else with 1. A command reports through `io` only.
 */

import { ToolError } from "../base/tool-error";
import { getScenario } from "../scenarios/index";
import type { Scenario } from "../scenarios/scenario";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface CliCommand {
  /** The word after `pfnlab`, e.g. "explore". */
  name: string;
  /** One line for `pfnlab --help`. */
  summary: string;
  /** Full usage text for `pfnlab <name> --help`. */
  usage: string;
  /** The flags it takes (-h/--help is added by runCommand). */
  flags: readonly FlagSpec[];
  /** Runs with the parsed arguments; returns the exit code (0 ok, 1 failure while running). */
  run(args: ParsedArgs, io: CliIo): number | Promise<number>;
}

const HELP: FlagSpec = { name: "help", short: "h", value: false };

/** An error that ends a command with exit code `code`; its message is printed as it is. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A usage error: printed with the command's usage hint, exit code 2. */
export class CliUsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = "CliUsageError";
  }
}

/** Runs `cmd` and turns what it throws into a message on io.err and an exit code. */
export async function runCommand(cmd: CliCommand, argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const args = parseArgs(argv, [...cmd.flags, HELP], `pfnlab ${cmd.name}`);
    if (args.flags.has("help")) {
      io.out(cmd.usage);
      return 0;
    }
    return await cmd.run(args, io);
  } catch (e) {
    if (e instanceof CliUsageError) {
      io.err(e.message);
      io.err(`(pfnlab ${cmd.name} --help for usage)`);
      return 2;
    }
    if (e instanceof CliError) {
      io.err(e.message);
      return e.code;
    }
    const msg = e instanceof Error ? e.message : String(e);
    io.err(e instanceof ToolError && e.tool === `pfnlab ${cmd.name}` ? msg : `pfnlab ${cmd.name}: ${msg}`);
    return 1;
  }
}

/** `e` as a CliError with exit code `code`, unless it already is one (which keeps its own). */
export function asCliError(e: unknown, code: number): CliError {
  return e instanceof CliError ? e : new CliError(e instanceof Error ? e.message : String(e), code);
}

export interface FlagSpec {
  /** Long name without dashes, e.g. "strategy". */
  name: string;
  /** Short alias without dash, e.g. "p". */
  short?: string;
  /** Other long names accepted for it, e.g. ["parameter"]. */
  aliases?: string[];
  /** Takes a value (`--seed 3` or `--seed=3`). */
  value: boolean;
  /** May be given several times (values collected in order). */
  repeat?: boolean;
}

export interface ParsedArgs {
  positional: string[];
  /** Flag values: string for value flags, string[] for repeatable ones, true for switches. */
  flags: Map<string, string | string[] | true>;
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], command: string): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | string[] | true>();
  const byLong = new Map(specs.flatMap((s) => [s.name, ...(s.aliases ?? [])].map((n) => [n, s] as const)));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    let spec: FlagSpec | undefined;
    let inline: string | undefined;
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (eq >= 0) inline = a.slice(eq + 1);
      spec = byLong.get(name);
      if (!spec)
        throw new CliUsageError(
          `${command}: unknown flag --${name} (known: ${specs.map((s) => `--${s.name}`).join(", ")})`,
        );
    } else if (a.startsWith("-") && a.length > 1 && !/^-\d/.test(a)) {
      const name = a.slice(1, 2);
      spec = byShort.get(name);
      if (!spec)
        throw new CliUsageError(
          `${command}: unknown flag ${a} (known: ${specs.map((s) => (s.short ? `-${s.short}` : `--${s.name}`)).join(", ")})`,
        );
      if (a.length > 2) inline = a.slice(2);
    } else {
      positional.push(a);
      continue;
    }
    if (!spec.value) {
      if (inline !== undefined) throw new CliUsageError(`${command}: flag --${spec.name} takes no value`);
      flags.set(spec.name, true);
      continue;
    }
    let v = inline;
    if (v === undefined) {
      if (i + 1 >= argv.length) throw new CliUsageError(`${command}: flag --${spec.name} needs a value`);
      v = argv[++i]!;
    }
    if (spec.repeat) {
      const prev = flags.get(spec.name);
      flags.set(spec.name, [...(Array.isArray(prev) ? prev : []), v]);
    } else {
      if (flags.has(spec.name)) throw new CliUsageError(`${command}: flag --${spec.name} given twice`);
      flags.set(spec.name, v);
    }
  }
  return { positional, flags };
}

export function flagString(p: ParsedArgs, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === "string" ? v : undefined;
}

export function flagList(p: ParsedArgs, name: string): string[] {
  const v = p.flags.get(name);
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}

/** A positive number flag (e.g. seconds), or undefined when not given. */
export function flagPositive(p: ParsedArgs, name: string, command: string): number | undefined {
  const v = flagString(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n <= 0)
    throw new CliUsageError(`${command}: --${name} ${v} is not a positive number`);
  return n;
}

/** An integer flag in [min, max] (`unit` names what max is), or undefined when not given. */
export function flagIntIn(
  p: ParsedArgs,
  name: string,
  command: string,
  min: number,
  max: number,
  unit = "",
): number | undefined {
  const v = flagString(p, name);
  if (v === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new CliUsageError(
      `${command}: --${name} ${v} must be a whole number from ${min} to ${max}${unit ? ` ${unit}` : ""}`,
    );
  return n;
}

/** An integer flag with a minimum; "inf"/"infinity" allowed when `allowInfinity`. */
export function flagInt(
  p: ParsedArgs,
  name: string,
  command: string,
  min: number,
  allowInfinity = false,
): number | undefined {
  const v = flagString(p, name);
  if (v === undefined) return undefined;
  if (allowInfinity && /^(inf|infinity|none)$/i.test(v)) return Infinity;
  if (!/^\d+$/.test(v) || Number(v) < min) {
    throw new CliUsageError(
      `${command}: --${name} ${v} must be an integer >= ${min}${allowInfinity ? " (or 'inf')" : ""}`,
    );
  }
  return Number(v);
}

/** The scenario named by a positional argument; an unknown name is a usage error of `command`. */
export function scenarioArg(name: string, command: string): Scenario {
  try {
    return getScenario(name);
  } catch (e) {
    throw new CliUsageError(`${command}: ${(e as Error).message}`);
  }
}

/**
 * The -p key=value flags as a record (values still text, for the scenario's or the
 * notebook's own checks); a flag without '=' or a key given twice is a usage error.
 */
export function keyValueParams(p: ParsedArgs, command: string): Record<string, string> {
  const given: Record<string, string> = {};
  for (const kv of flagList(p, "param")) {
    const i = kv.indexOf("=");
    const key = kv.slice(0, Math.max(i, 0)).trim();
    if (i <= 0 || key === "") throw new CliUsageError(`${command}: -p ${kv} must be written key=value`);
    if (key in given) throw new CliUsageError(`${command}: -p ${key} is given twice`);
    given[key] = kv.slice(i + 1);
  }
  return given;
}
