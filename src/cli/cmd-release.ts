/**
 * pfnlab release <source.ipynb|folder> -o <outdir> [--roster roster.csv]
 *                [--secret TEXT | --secret-file PATH] [--manifest PATH]
 *
 * Student notebooks from instructor notebooks: solutions replaced by stubs, hidden
 * checks and solution cells removed, outputs stripped. With --roster, one folder per
 * student with that student's parameter variant, and a manifest for the grader (keep
 * it: do not hand it out). The secret may also come from PFNLAB_SECRET.
 */
import { release, sourceNotebooks } from "../grading/release";
import { readRoster } from "../grading/roster";
import { courseSecret } from "../grading/variants";
import { asCliError, CliUsageError, flagString } from "./command";
import type { CliCommand, FlagSpec } from "./command";

export const USAGE =
  "usage: pfnlab release <source.ipynb|folder> -o <outdir> [--roster roster.csv] [--secret TEXT | --secret-file PATH] [--manifest PATH]";

const FLAGS: FlagSpec[] = [
  { name: "out", short: "o", value: true },
  ...["roster", "secret", "secret-file", "manifest"].map((name) => ({ name, value: true })),
];

const CMD = "pfnlab release";

export const command: CliCommand = {
  name: "release",
  summary: "write student notebooks (solutions and hidden checks removed, per-student variants)",
  usage: USAGE,
  flags: FLAGS,
  run(args, io) {
    const out = flagString(args, "out");
    if (args.positional.length !== 1 || !out) throw new CliUsageError(`${CMD}: expected one source and -o <outdir>`);
    try {
      const rosterFile = flagString(args, "roster");
      const roster = rosterFile ? readRoster(rosterFile) : undefined;
      const secret = courseSecret({ secret: flagString(args, "secret"), secretFile: flagString(args, "secret-file") });
      const r = release({
        sources: sourceNotebooks(args.positional[0]!),
        outDir: out,
        roster,
        secret,
        manifestPath: flagString(args, "manifest"),
      });
      for (const w of r.warnings) io.err(`${CMD}: warning: ${w}`);
      io.err(
        `${CMD}: wrote ${r.files.length} notebook(s) under ${out}` +
          (r.manifestPath ? `; manifest ${r.manifestPath} (for the grader; do not hand it out)` : ""),
      );
      return 0;
    } catch (e) {
      // A roster, secret or source that cannot be used is a problem with the inputs: exit 2.
      throw asCliError(e, 2);
    }
  },
};
