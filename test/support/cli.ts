/** Runs a `pfnlab` subcommand in-process as main.ts does, capturing what it prints and its exit code. */
import { type CliCommand, runCommand } from "../../src/cli/command";

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export async function runCli(command: CliCommand, argv: string[]): Promise<CliResult> {
  let out = "";
  let err = "";
  const code = await runCommand(command, argv, {
    out: (t) => {
      out += `${t}\n`;
    },
    err: (t) => {
      err += `${t}\n`;
    },
  });
  return { code, out, err };
}
