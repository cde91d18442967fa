#!/usr/bin/env node
/**
 * `pfnlab`: the command-line entry (package bin, built to dist/cli/main.js).
 * Subcommands live in cmd-<name>.ts files next to this one and are found at run time
 * (see command.ts), so other modules add commands without editing this file.
 */
// First: stack traces of every module loaded after this map to src/ (call sites in traces).
import "../source-maps";
import * as fs from "node:fs";
import * as path from "node:path";
import { runCommand } from "./command";
import type { CliCommand, CliIo } from "./command";
import { command as exploreCommand } from "./cmd-explore";
import { command as replayCommand } from "./cmd-replay";

/** Built-in commands plus every cmd-*.js / cmd-*.ts module in this directory. */
export function loadCommands(dir: string = __dirname): Map<string, CliCommand> {
  const cmds = new Map<string, CliCommand>();
  for (const c of [exploreCommand, replayCommand]) cmds.set(c.name, c);
  let files: string[] = [];
  try {
    files = fs.readdirSync(dir);
  } catch {
    return cmds;
  }
  const ext = path.extname(__filename) || ".js";
  for (const f of files.sort()) {
    if (!f.startsWith("cmd-") || !f.endsWith(ext) || f.endsWith(".d.ts")) continue;
    const mod = require(path.join(dir, f)) as { command?: CliCommand };
    const c = mod.command;
    if (c && typeof c.run === "function" && typeof c.name === "string" && !cmds.has(c.name)) cmds.set(c.name, c);
  }
  return cmds;
}

const consoleIo: CliIo = {
  out: (t) => process.stdout.write(t + "\n"),
  err: (t) => process.stderr.write(t + "\n"),
};

function usage(cmds: Map<string, CliCommand>): string {
  const w = Math.max(...[...cmds.keys()].map((k) => k.length));
  const lines = [...cmds.values()]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`);
  return `usage: pfnlab <command> [options]   (pfnlab <command> --help for details)\n\ncommands:\n${lines.join("\n")}`;
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], io: CliIo = consoleIo): Promise<number> {
  const cmds = loadCommands();
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(usage(cmds));
    return name === undefined ? 2 : 0;
  }
  const cmd = cmds.get(name);
  if (!cmd) {
    io.err(`pfnlab: unknown command '${name}' (known: ${[...cmds.keys()].sort().join(", ")})`);
    return 2;
  }
  return runCommand(cmd, rest, io);
}

if (require.main === module) {
  // `pfnlab replay ... | head`: a reader that goes away is not an error of ours.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`pfnlab: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
