// The parameters cell: literals typed by their form, bad lines rejected with their place.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatValue,
  injectParameters,
  parseCliValue,
  parseParameterSource,
  parseRoster,
  variantValue,
} from "../../src/grading";
import { readNotebook } from "../../src/runner/notebook";
import { join } from "node:path";

const fixture = join(__dirname, "..", "fixtures", "grading", "pages.ipynb");

describe("the parameters cell", () => {
  it("infers number, string and boolean from the literals", () => {
    const ps = parseParameterSource(
      [
        "// knobs",
        "const a = 0x1_000;",
        "let b: number = -2.5e3;",
        "const c = 'it\\'s';",
        'const d = "x // y";',
        "const e = true; // @variant bool",
        "",
      ].join("\n"),
      "nb",
    );
    expect(ps.map((p) => [p.name, p.type, p.value])).toEqual([
      ["a", "number", 4096],
      ["b", "number", -2500],
      ["c", "string", "it's"],
      ["d", "string", "x // y"],
      ["e", "boolean", true],
    ]);
    expect(ps[0].hex).toBe(true);
    expect(ps[4].variant).toEqual({ kind: "bool" });
  });

  it("rejects what is not a literal declaration, naming the line", () => {
    expect(() => parseParameterSource("const a = 1;\nconst b = f(2);", "x.ipynb cell 1")).toThrow(
      /x\.ipynb cell 1 line 2: .*b.*not a number, string or boolean literal/,
    );
    expect(() => parseParameterSource("console.log(1);", "nb")).toThrow(/line 1: expected "const name = literal;"/);
    expect(() => parseParameterSource('const a: number = "s";', "nb")).toThrow(
      /annotated number but its value "s" is a string/,
    );
    expect(() => parseParameterSource("const a = 1; // @variant int 5..1", "nb")).toThrow(/lo <= hi/);
    expect(() => parseParameterSource("const a = 1; // @variant pick 1, x", "nb")).toThrow(/not a number literal/);
  });

  it("int variants stay on the grid between their bounds", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 4096 }),
        fc.string(),
        (lo, n, step, seed) => {
          const hi = lo + n * step;
          const v = variantValue({ kind: "int", lo, hi, step }, seed, "x") as number;
          return v >= lo && v <= hi && (v - lo) % step === 0;
        },
      ),
    );
  });

  it("formats values back as literals of their type", () => {
    expect(formatValue({ type: "number", hex: true }, 0x7f0000000000)).toBe("0x7f0000000000");
    expect(formatValue({ type: "string", hex: false }, 'a"b')).toBe('"a\\"b"');
    expect(formatValue({ type: "boolean", hex: false }, false)).toBe("false");
  });
});

describe("pfnlab run's parameter checks (before anything runs)", () => {
  const nb = readNotebook(fixture);
  it("injects typed values after the parameters cell", () => {
    const { notebook, values } = injectParameters(nb, "pages.ipynb", { pages: "8", label: "bar2", verbose: "true" });
    expect(values).toEqual({ pages: 8, label: "bar2", verbose: true });
    const i = notebook.cells.findIndex((c) => c.id === "params");
    expect(notebook.cells[i + 1].metadata.tags).toEqual(["injected-parameters"]);
    expect(JSON.stringify(notebook.cells[i + 1].source)).toContain("const pages: number = 8;");
  });
  it("names an unknown parameter and lists the real ones", () => {
    expect(() => injectParameters(nb, "pages.ipynb", { page: "8" })).toThrow(
      'pfnlab run: pages.ipynb has no parameter "page" (its parameters: pages: number, base: number, label: string, verbose: boolean)',
    );
  });
  it("names parameter, value, expected type and notebook for a wrong type", () => {
    expect(() => injectParameters(nb, "pages.ipynb", { pages: "many" })).toThrow(
      'pfnlab run: parameter pages="many" is not a number: pages.ipynb declares pages: number',
    );
    expect(() => injectParameters(nb, "pages.ipynb", { verbose: "yes" })).toThrow(
      'parameter verbose="yes" is not a boolean (true or false): pages.ipynb declares verbose: boolean',
    );
    expect(parseCliValue({ name: "b", type: "number", value: 0, hex: true, line: 1 }, "0x200000", "n")).toBe(0x200000);
  });
});

describe("the roster", () => {
  it("reads ids, names, optional emails, a header and quoted commas", () => {
    expect(parseRoster('student_id,name,email\ns1,"Doe, Jane",j@x.org\ns2,Bo\n')).toEqual([
      { id: "s1", name: "Doe, Jane", email: "j@x.org" },
      { id: "s2", name: "Bo" },
    ]);
  });
  it("rejects ids that are not safe folder names, and duplicates", () => {
    expect(() => parseRoster("../x,Eve")).toThrow(/row 1: student id "\.\.\/x"/);
    expect(() => parseRoster("a,A\na,B")).toThrow(/row 2: student id a appears twice/);
  });
});
