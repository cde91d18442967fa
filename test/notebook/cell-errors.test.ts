// The pieces of the short cell error: tslab's JavaScript read back, the TypeScript line found.
import { describe, expect, it } from "vitest";
import { formatCellError, matchCellLine, readableJs } from "../../src/notebook";

const wrap = (body: string) => `(function(exports, require) { ${body}\n})(__tslab__.exports, __tslab__.require)`;

describe("cell errors", () => {
  it("readableJs turns tslab's import calls back into the names the student wrote", () => {
    expect(readableJs("    (0, pfnlab_1.remapPfnRange)(vma, vma.vmStart, pfnlab_1.PAGE_SIZE, size);")).toBe(
      "remapPfnRange(vma, vma.vmStart, PAGE_SIZE, size);",
    );
  });

  it("matchCellLine finds the TypeScript line of a JavaScript line, with types and import lines gone", () => {
    const ts =
      'import {\n  remapPfnRange,\n} from "pfnlab";\ninterface X { a: number }\nconst size: number = 0x1001;\nremapPfnRange(vma, vma.vmStart, 0, size, prot);';
    const js = wrap(
      'Object.defineProperty(exports, "__esModule", { value: true });\nconst pfnlab_1 = require("pfnlab");\nconst size = 0x1001;\n(0, pfnlab_1.remapPfnRange)(vma, vma.vmStart, 0, size, prot);',
    );
    expect(matchCellLine(ts, js, 4)).toEqual({ line: 6, text: "remapPfnRange(vma, vma.vmStart, 0, size, prot);" });
    expect(matchCellLine(ts, js, 3)).toEqual({ line: 5, text: "const size: number = 0x1001;" });
    expect(matchCellLine("let a = 1;", wrap("completelyDifferent(x, y, z);"), 1)).toBeNull();
  });

  it("formatCellError keeps the message and the cell frames, and counts the frames it hides", () => {
    const e = new Error("remapPfnRange: size 0x1001 is not page aligned");
    e.stack = [
      "/x/src/mm/validate.ts:26",
      "  throw ...",
      "   ^",
      "",
      "",
      `Error: ${e.message}`,
      "    at checkSize (/pkg/src/mm/validate.ts:26:34)",
      "    at Proxy.remapPfnRange (/pkg/src/mm/remap.ts:97:24)",
      "    at In[7]:2:9",
      "    at In[7]:3:3",
      "    at Script.runInThisContext (node:vm:135:14)",
    ].join("\n");
    const cells = new Map([
      [
        "In[7]",
        {
          ts: "const size = 0x1001;\nremapPfnRange(vma, 0, 0, size, p);",
          js: wrap("const size = 0x1001;\n(0, pfnlab_1.remapPfnRange)(vma, 0, 0, size, p);"),
        },
      ],
    ]);
    expect(formatCellError(e, cells, "In[7]", "/pkg").split("\n")).toEqual([
      "Error: remapPfnRange: size 0x1001 is not page aligned",
      "    at line 2 of this cell: remapPfnRange(vma, 0, 0, size, p);",
      "    (3 frames inside pfnlab, tslab and Node hidden; cellErrorDetails(true) shows them)",
    ]);
  });
});
