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
});
