/** `pfnlab grade`: the coursework command in ./grade.ts, as a subcommand of main.ts. */
import type { CliCommand } from "./command";
import { main, USAGE } from "./grade";

export const command: CliCommand = {
  name: "grade",
  summary: "grade submissions in sandboxed kernels against hidden checks, write a gradebook",
  usage: USAGE,
  run: (argv) => main(argv),
};
