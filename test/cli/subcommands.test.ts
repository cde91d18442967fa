// Every subcommand is reachable through the one built `pfnlab` entry, with its usage.
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliCommand } from "../../src/cli/command";

const dist = resolve(__dirname, "..", "..", "dist", "cli");

describe("pfnlab subcommands (built package)", () => {
  it("lists explore, replay, run, grade, release and step, each with a summary and usage", () => {
    // The built main.js finds cmd-*.js next to it (dist/ is built by the global setup).
    const { loadCommands } = require(join(dist, "main.js")) as {
      loadCommands: (dir: string) => Map<string, CliCommand>;
    };
    const cmds = loadCommands(dist);
    expect([...cmds.keys()].sort()).toEqual(["explore", "grade", "release", "replay", "run", "step"]);
    for (const c of cmds.values()) {
      expect(c.summary.length).toBeGreaterThan(10);
      expect(c.usage).toContain(`pfnlab ${c.name}`);
    }
  });

  it("every subcommand parses its flags with the one parser: the same --help and unknown-flag answers", async () => {
    const { loadCommands } = require(join(dist, "main.js")) as {
      loadCommands: (dir: string) => Map<string, CliCommand>;
    };
    const { runCommand } = require(join(dist, "command.js")) as typeof import("../../src/cli/command");
    for (const c of loadCommands(dist).values()) {
      let out = "";
      let err = "";
      const io = { out: (t: string) => void (out += `${t}\n`), err: (t: string) => void (err += `${t}\n`) };
      expect(await runCommand(c, ["--frobnicate"], io), c.name).toBe(2);
      expect(err).toBe(`pfnlab ${c.name}: unknown flag --frobnicate (known: ${err.split("(known: ")[1]}`);
      expect(err).toContain(`(pfnlab ${c.name} --help for usage)`);
      expect(await runCommand(c, ["-h"], io), c.name).toBe(0);
      expect(out).toBe(`${c.usage}\n`);
    }
  });
});
