/**
 * pfnlab run <notebook> [-p name=value ...] [-o out.ipynb] [--html] [--timeout S]
 *
 * Re-run a notebook with other parameters (papermill's convention): the values are
 * injected after the cell tagged `parameters`, checked first (unknown name or wrong
 * type: exit 2 before anything runs). Exit 0 when every cell ran cleanly, 1 otherwise.
 */
import { describeFailures } from "../runner/execute";
import { numberOption, parseArgs } from "../grading/cli-args";
import { basename } from "node:path";
import { readFileSync } from "node:fs";
import type { Notebook } from "../runner/notebook";
import { injectParameters, parseAssignment, runNotebook } from "../grading/run";

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
    throw new Error(`pfnlab run: cannot read ${name}: ${why}`);
  }
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch {
    throw new Error(
      `pfnlab run: ${name} is not a Jupyter notebook: not JSON (it begins ${JSON.stringify(text.trimStart().slice(0, 24))})`,
    );
  }
  if (typeof nb !== "object" || nb === null || !Array.isArray((nb as Notebook).cells)) {
    throw new Error(`pfnlab run: ${name} is not a Jupyter notebook: it has no "cells" list (give an .ipynb file)`);
  }
  const bad = (nb as Notebook).cells.findIndex(
    (c) =>
      typeof c !== "object" ||
      c === null ||
      typeof c.cell_type !== "string" ||
      !(typeof c.source === "string" || Array.isArray(c.source)),
  );
  if (bad >= 0)
    throw new Error(`pfnlab run: ${name} is not a Jupyter notebook: cell ${bad} has no cell_type and source`);
  return nb as Notebook;
}

export async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs("run", argv, {
      options: ["out", "timeout"],
      repeated: ["p"],
      flags: ["html", "help"],
      aliases: { o: "out", param: "p", parameter: "p", h: "help" },
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.flags.has("help")) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (args.positional.length !== 1) {
    process.stderr.write(`pfnlab run: expected one notebook, got ${args.positional.length}\n${USAGE}\n`);
    return 2;
  }
  const path = args.positional[0];
  let params: Record<string, string>;
  let timeout: number;
  try {
    params = {};
    for (const p of args.repeated.p ?? []) {
      const [k, v] = parseAssignment(p);
      if (k in params) throw new Error(`pfnlab run: -p ${k} is given twice`);
      params[k] = v;
    }
    timeout = numberOption("run", args, "timeout", 60);
    // Every parameter is checked before anything runs.
    injectParameters(readNotebookFile(path), basename(path), params);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  try {
    const r = await runNotebook(path, { params, out: args.options.out, html: args.flags.has("html"), timeout });
    const failures = describeFailures(path, r.result.failures);
    process.stderr.write(`pfnlab run: wrote ${r.outPath}${r.htmlPath ? ` and ${r.htmlPath}` : ""}\n`);
    if (failures) {
      process.stderr.write(failures + "\n");
      return 1;
    }
    return 0;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => process.exit(code));
