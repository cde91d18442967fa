/**
 * runCommand heads an error with the command's name unless the error already names it,
 * which it learns from the error's type (ToolError's program), not from the message text.
 */
import { describe, expect, it } from "vitest";
import { ToolError } from "../../src/base/tool-error";
import { type CliCommand, runCommand } from "../../src/cli/command";

async function errOf(thrown: unknown): Promise<{ code: number; err: string[] }> {
  const cmd: CliCommand = {
    name: "run",
    summary: "",
    usage: "",
    flags: [],
    run: () => {
      throw thrown;
    },
  };
  const err: string[] = [];
  const code = await runCommand(cmd, [], { out: () => {}, err: (t) => err.push(t) });
  return { code, err };
}

describe("runCommand names the command once", () => {
  it("prints a ToolError of this command as it is, exit 1", async () => {
    expect(await errOf(new ToolError("pfnlab run", "nbconvert failed"))).toEqual({
      code: 1,
      err: ["pfnlab run: nbconvert failed"],
    });
  });

  it("heads any other error with the command, even one whose text starts like ours", async () => {
    expect((await errOf(new Error("boom"))).err).toEqual(["pfnlab run: boom"]);
    expect((await errOf(new Error("pfnlab run: text"))).err).toEqual(["pfnlab run: pfnlab run: text"]);
    expect((await errOf(new ToolError("pfnlab grade", "x"))).err).toEqual(["pfnlab run: pfnlab grade: x"]);
  });
});
