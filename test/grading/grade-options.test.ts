// pfnlab grade checks every option and path before it grades anything: a typo fails at
// once, naming the option, instead of zeroing every student or failing after the run.
// And pfnlab release never writes over (or into the folder of) its own source.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { command as gradeCommand } from "../../src/cli/cmd-grade";
import { command as releaseCommand } from "../../src/cli/cmd-release";
import { runCli } from "../support/cli";

const fixture = join(__dirname, "..", "fixtures", "grading", "pages.ipynb");
const tmp = mkdtempSync(join(tmpdir(), "pfnlab-grade-options-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("pfnlab grade: bad options fail before any grading", () => {
  const subs = join(tmp, "subs");
  mkdirSync(join(subs, "s001"), { recursive: true });
  cpSync(fixture, join(subs, "s001", "pages.ipynb"));
  const cache = join(tmp, "cache");
  const base = [subs, "--source", fixture, "--cache", cache];

  const cases: [string, string[], RegExp][] = [
    [
      "a --debug-dir whose folder does not exist",
      ["--debug-dir", join(tmp, "missing", "debug")],
      /--debug-dir .*missing\/debug: the folder .*missing does not exist/,
    ],
    ["--memory 1", ["--memory", "1"], /--memory 1 must be a whole number from 256 to \d+ MiB/],
    ["--memory 1.5", ["--memory", "1.5"], /--memory 1.5 must be a whole number/],
    ["--jobs 0", ["--jobs", "0"], /--jobs 0 must be a whole number from 1 to 256/],
    ["--jobs 2.5", ["--jobs", "2.5"], /--jobs 2.5 must be a whole number/],
    ["--timeout -1", ["--timeout", "-1"], /--timeout -1 is not a positive number/],
    [
      "-o into a folder that does not exist",
      ["-o", join(tmp, "missing", "dir", "gb.json")],
      /-o .*gb\.json: the folder .*missing\/dir does not exist/,
    ],
    ["-o naming a folder", ["-o", tmp], /-o .* is a folder; give a file name/],
    [
      "a --roster that does not exist",
      ["--roster", join(tmp, "missing.csv")],
      /--roster .*missing\.csv does not exist/,
    ],
    [
      "a --manifest that does not exist",
      ["--manifest", join(tmp, "missing.json")],
      /--manifest .*missing\.json does not exist/,
    ],
    ["--json with --csv", ["--json", "--csv"], /--json and --csv exclude each other/],
    ["--sandbox bogus", ["--sandbox", "bogus"], /--sandbox bogus is not root, userns or none/],
  ];
  for (const [what, extra, message] of cases) {
    it(`refuses ${what}, exit 2, before grading`, async () => {
      const { code, err } = await runCli(gradeCommand, [...base, ...extra]);
      expect(code).toBe(2);
      expect(err).toMatch(message);
      // Nothing was graded: no summary line, nothing cached.
      expect(err).not.toContain("pages.ipynb:");
      expect(existsSync(cache) ? readdirSync(cache).filter((f) => f.endsWith(".json")) : []).toEqual([]);
    });
  }

  it("lists --debug-dir (and every other option) in --help", async () => {
    for (const o of [
      "--source",
      "--manifest",
      "--roster",
      "--timeout",
      "--memory",
      "--jobs",
      "--json",
      "--csv",
      "-o",
      "--cache",
      "--no-cache",
      "--debug-dir",
      "--sandbox",
    ]) {
      expect(gradeCommand.usage, o).toContain(o);
    }
  });
});

describe("pfnlab release: the output never is, or holds, a source", () => {
  const course = join(tmp, "course");
  mkdirSync(course, { recursive: true });
  const source = join(course, "pages.ipynb");
  cpSync(fixture, source);
  const original = readFileSync(source, "utf8");

  const cases: [string, () => string[], RegExp][] = [
    ["onto the source's own folder", () => [source, "-o", course], /the output folder .* holds the source/],
    ["onto the source's folder, written with a trailing slash", () => [source, "-o", course + "/"], /holds the source/],
    ["onto a folder above the source", () => [source, "-o", tmp], /holds the source/],
    [
      "onto the source's folder through a symlink",
      () => (symlinkSync(course, join(tmp, "link"), "dir"), [source, "-o", join(tmp, "link")]),
      /holds the source/,
    ],
    ["a whole source folder onto itself", () => [course, "-o", course], /holds the source/],
    [
      "with the manifest path on the source",
      () => [source, "-o", join(tmp, "out-m"), "--roster", roster(), "--secret", "x", "--manifest", source],
      /the manifest path .* is the source/,
    ],
  ];
  for (const [what, argv, message] of cases) {
    it(`refuses to release ${what}, exit 2, the source untouched`, async () => {
      const { code, err } = await runCli(releaseCommand, argv());
      expect(code).toBe(2);
      expect(err).toMatch(message);
      expect(readFileSync(source, "utf8")).toBe(original);
      expect(readdirSync(course)).toEqual(["pages.ipynb"]);
    });
  }

  it("still releases into a folder beside the source", async () => {
    const { code } = await runCli(releaseCommand, [source, "-o", join(tmp, "released")]);
    expect(code).toBe(0);
    expect(readFileSync(join(tmp, "released", "pages.ipynb"), "utf8")).not.toBe(original);
    expect(readFileSync(source, "utf8")).toBe(original);
  });
});

function roster(): string {
  const p = join(tmp, "roster.csv");
  writeFileSync(p, "s001,Ada\n");
  return p;
}
