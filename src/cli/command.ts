/**
 * The shape of a `pfnlab` subcommand and a small argument parser.
 *
 * Adding a subcommand: create src/cli/cmd-<name>.ts exporting `command: CliCommand`.
 * main.ts finds every cmd-*.js next to it at run time, so no shared file needs editing.
 */

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
  /** Returns the exit code (0 ok, 1 failure while running, 2 bad usage). */
  run(argv: string[], io: CliIo): number | Promise<number>;
}

/** A usage error: printed with the command's usage hint, exit code 2. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliUsageError";
  }
}

export interface FlagSpec {
  /** Long name without dashes, e.g. "strategy". */
  name: string;
  /** Short alias without dash, e.g. "p". */
  short?: string;
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
  const byLong = new Map(specs.map((s) => [s.name, s]));
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

/** The -p key=value flags as a record (values still text); a flag without '=' is a usage error of `command`. */
export function keyValueParams(p: ParsedArgs, command: string): Record<string, string> {
  const given: Record<string, string> = {};
  for (const kv of flagList(p, "param")) {
    const i = kv.indexOf("=");
    if (i <= 0) throw new CliUsageError(`${command}: param '${kv}' must be written key=value`);
    given[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return given;
}
