/**
 * Solution regions inside cells, and the stubs that replace them in students' copies.
 *
 * Code cells:      // BEGIN SOLUTION [stub: <one line of code>]
 *                  ...instructor's code...
 *                  // END SOLUTION
 * Markdown cells:  <!-- BEGIN SOLUTION --> ... <!-- END SOLUTION -->
 */

export const STUB_COMMENT = "// YOUR CODE HERE";
export const DEFAULT_STUB = 'throw new Error("not implemented");';
export const MARKDOWN_STUB = "*Your answer here.*";

const CODE_BEGIN = /^(\s*)\/\/\s*BEGIN SOLUTION\b(?:\s+stub:\s*(.*))?\s*$/;
const CODE_END = /^\s*\/\/\s*END SOLUTION\s*$/;
const MD_BEGIN = /^(\s*)<!--\s*BEGIN SOLUTION\s*-->\s*$/;
const MD_END = /^\s*<!--\s*END SOLUTION\s*-->\s*$/;

export interface StrippedText {
  text: string;
  /** The lines that were removed (what must not reach the student). */
  removed: string[];
  regions: number;
}

/**
 * Replace every solution region of one cell's text by its stub.
 * `where` names the cell in errors, e.g. "ex.ipynb cell 4".
 */
export function stripSolutions(text: string, kind: "code" | "markdown", where: string): StrippedText {
  const begin = kind === "code" ? CODE_BEGIN : MD_BEGIN;
  const end = kind === "code" ? CODE_END : MD_END;
  const out: string[] = [];
  const removed: string[] = [];
  let open: { line: number; indent: string; stub: string | undefined } | null = null;
  let regions = 0;
  text.split("\n").forEach((line, i) => {
    const b = line.match(begin);
    if (b) {
      if (open)
        throw new Error(
          `stripSolutions: ${where} line ${i + 1}: BEGIN SOLUTION inside the region opened on line ${open.line + 1} (regions do not nest)`,
        );
      open = { line: i, indent: b[1], stub: b[2] };
      return;
    }
    if (end.test(line)) {
      if (!open)
        throw new Error(`stripSolutions: ${where} line ${i + 1}: END SOLUTION without a BEGIN SOLUTION before it`);
      const { indent, stub } = open as { indent: string; stub: string | undefined };
      if (kind === "code") out.push(indent + STUB_COMMENT, indent + (stub?.trim() ? stub.trim() : DEFAULT_STUB));
      else out.push(indent + MARKDOWN_STUB);
      open = null;
      regions++;
      return;
    }
    if (open) removed.push(line);
    else out.push(line);
  });
  if (open)
    throw new Error(
      `stripSolutions: ${where} line ${(open as { line: number }).line + 1}: BEGIN SOLUTION without END SOLUTION`,
    );
  return { text: out.join("\n"), removed, regions };
}

/** True when the text holds any solution marker (used to refuse half-released files). */
export function hasSolutionMarkers(text: string): boolean {
  return text.split("\n").some((l) => CODE_BEGIN.test(l) || CODE_END.test(l) || MD_BEGIN.test(l) || MD_END.test(l));
}
