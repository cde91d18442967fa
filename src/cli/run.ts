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
import { readNotebook } from "../runner/notebook";
import { injectParameters, parseAssignment, runNotebook } from "../grading/run";

export const USAGE = "usage: pfnlab run <notebook.ipynb> [-p name=value ...] [-o out.ipynb] [--html] [--timeout S]";

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs("run", argv, { options: ["out", "timeout"], repeated: ["p"], flags: ["html", "help"], aliases: { o: "out", param: "p", parameter: "p", h: "help" } });
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
    injectParameters(readNotebook(path), basename(path), params);
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
