/**
 * pfnlab run <notebook> [-p name=value ...] [-o out.ipynb] [--html] [--timeout S]
 *
 * Re-run a notebook with other parameters (papermill's convention): the values are
 * injected after the cell tagged `parameters`, checked first (unknown name or wrong
 * type: exit 2 before anything runs). Exit 0 when every cell ran cleanly, 1 otherwise.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { ToolError } from "../base/tool-error";
import { injectParameters, runNotebook } from "../grading/run";
import { describeFailures } from "../runner/execute";
import type { Notebook } from "../runner/notebook";
import { asCliError, CliError, CliUsageError, flagPositive, flagString, keyValueParams } from "./command";
import type { CliCommand, FlagSpec } from "./command";

export const USAGE = "usage: pfnlab run <notebook.ipynb> [-p name=value ...] [-o out.ipynb] [--html] [--timeout S]";

/** The notebook at `path`, or an error naming the file and what is wrong with it. */
function readNotebookFile(path: string): Notebook {
  const name = basename(path);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : (e as Error).message;
    throw new ToolError("pfnlab run", `cannot read ${name}: ${why}`);
  }
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch {
    throw new ToolError(
      "pfnlab run",
      `${name} is not a Jupyter notebook: not JSON (it begins ${JSON.stringify(text.trimStart().slice(0, 24))})`,
    );
  }
  if (typeof nb !== "object" || nb === null || !Array.isArray((nb as Notebook).cells)) {
    throw new ToolError(
      "pfnlab run",
      `${name} is not a Jupyter notebook: it has no "cells" list (give an .ipynb file)`,
    );
  }
  const bad = (nb as Notebook).cells.findIndex(
    (c) =>
      typeof c !== "object" ||
      c === null ||
      typeof c.cell_type !== "string" ||
      !(typeof c.source === "string" || Array.isArray(c.source)),
  );
  if (bad >= 0)
    throw new ToolError("pfnlab run", `${name} is not a Jupyter notebook: cell ${bad} has no cell_type and source`);
  return nb as Notebook;
}

const FLAGS: FlagSpec[] = [
  { name: "param", short: "p", aliases: ["parameter"], value: true, repeat: true },
  { name: "out", short: "o", value: true },
  { name: "timeout", value: true },
  { name: "html", value: false },
];

const CMD = "pfnlab run";

export const command: CliCommand = {
  name: "run",
  summary: "execute a notebook with other parameters (papermill convention), write the result",
  usage: USAGE,
  flags: FLAGS,
  async run(args, io) {
    if (args.positional.length !== 1)
      throw new CliUsageError(`${CMD}: expected one notebook, got ${args.positional.length}`);
    const path = args.positional[0]!;
    const params = keyValueParams(args, CMD);
    const timeout = flagPositive(args, "timeout", CMD) ?? 60;
    try {
      // Every parameter is checked before anything runs.
      injectParameters(readNotebookFile(path), basename(path), params);
    } catch (e) {
      throw asCliError(e, 2);
    }
    const r = await runNotebook(path, { params, out: flagString(args, "out"), html: args.flags.has("html"), timeout });
    const failures = describeFailures(path, r.result.failures);
    io.err(`${CMD}: wrote ${r.outPath}${r.htmlPath ? ` and ${r.htmlPath}` : ""}`);
    if (failures) throw new CliError(failures, 1);
    return 0;
  },
};
