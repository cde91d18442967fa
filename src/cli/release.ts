/**
 * pfnlab release <source.ipynb|folder> -o <outdir> [--roster roster.csv]
 *                [--secret TEXT | --secret-file PATH] [--manifest PATH]
 *
 * Student notebooks from instructor notebooks: solutions replaced by stubs, hidden
 * checks and solution cells removed, outputs stripped. With --roster, one folder per
 * student with that student's parameter variant, and a manifest for the grader (keep
 * it: do not hand it out). The secret may also come from PFNLAB_SECRET.
 */
import { parseArgs } from "../grading/cli-args";
import { release, sourceNotebooks } from "../grading/release";
import { readRoster } from "../grading/roster";
import { courseSecret } from "../grading/variants";

export const USAGE =
  "usage: pfnlab release <source.ipynb|folder> -o <outdir> [--roster roster.csv] [--secret TEXT | --secret-file PATH] [--manifest PATH]";

export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseArgs("release", argv, {
      options: ["out", "roster", "secret", "secret-file", "manifest"],
      flags: ["help"],
      aliases: { o: "out", h: "help" },
    });
    if (args.flags.has("help")) {
      process.stdout.write(USAGE + "\n");
      return 0;
    }
    if (args.positional.length !== 1 || !args.options.out)
      throw new Error(`pfnlab release: expected one source and -o <outdir>\n${USAGE}`);
    const roster = args.options.roster ? readRoster(args.options.roster) : undefined;
    const secret = courseSecret({ secret: args.options.secret, secretFile: args.options["secret-file"] });
    const r = release({
      sources: sourceNotebooks(args.positional[0]),
      outDir: args.options.out,
      roster,
      secret,
      manifestPath: args.options.manifest,
    });
    for (const w of r.warnings) process.stderr.write(`pfnlab release: warning: ${w}\n`);
    process.stderr.write(
      `pfnlab release: wrote ${r.files.length} notebook(s) under ${args.options.out}` +
        (r.manifestPath ? `; manifest ${r.manifestPath} (for the grader; do not hand it out)` : "") +
        "\n",
    );
    return 0;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => process.exit(code));
