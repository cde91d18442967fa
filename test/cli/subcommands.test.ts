// Every subcommand is reachable through the one `pfnlab` entry, with its usage.
import { describe, expect, it } from "vitest";
import { loadCommands } from "../../src/cli/main";

describe("pfnlab subcommands", () => {
  it("lists explore, replay, run, grade and release, each with a summary and usage", () => {
    const cmds = loadCommands(__dirname + "/../../src/cli");
    expect([...cmds.keys()].sort()).toEqual(["explore", "grade", "release", "replay", "run"]);
    for (const c of cmds.values()) {
      expect(c.summary.length).toBeGreaterThan(10);
      expect(c.usage).toContain(`pfnlab ${c.name}`);
    }
  });
});
