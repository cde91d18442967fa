/** `pfnlab release`: the coursework command in ./release.ts, as a subcommand of main.ts. */
import type { CliCommand } from "./command";
import { main, USAGE } from "./release";

export const command: CliCommand = {
  name: "release",
  summary: "write student notebooks (solutions and hidden checks removed, per-student variants)",
  usage: USAGE,
  run: (argv) => main(argv),
};
