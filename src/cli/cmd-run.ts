/** `pfnlab run`: the coursework command in ./run.ts, as a subcommand of main.ts. */
import type { CliCommand } from "./command";
import { main, USAGE } from "./run";

export const command: CliCommand = {
  name: "run",
  summary: "execute a notebook with other parameters (papermill convention), write the result",
  usage: USAGE,
  run: (argv) => main(argv),
};
