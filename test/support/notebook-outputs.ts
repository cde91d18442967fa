// What the notebook tests read from an executed notebook: its plotly figures (the
// application/vnd.plotly.v1+json part of each display) and its printed text.
import { beforeAll, expect, it } from "vitest";
import { PLOTLY_MIME } from "../../src/display/bundle";
import { describeFailures, executeNotebook, type ExecuteResult } from "../../src/runner";

export type NbTrace = { name: string; x: unknown[]; y: unknown[]; customdata?: unknown[] } & Record<string, unknown>;
export type NbFig = { data: NbTrace[]; layout: { title: { text: string } } & Record<string, unknown> };

type Output = { output_type: string; text?: string | string[]; data?: Record<string, unknown> };

function outputsOf(r: ExecuteResult): Output[] {
  return r.notebook.cells.flatMap((c) => (c.outputs ?? []) as Output[]);
}

/** Every plotly figure the notebook displayed, in order. */
export function figuresOf(r: ExecuteResult): NbFig[] {
  return outputsOf(r)
    .map((o) => o.data?.[PLOTLY_MIME] as NbFig | undefined)
    .filter((f): f is NbFig => !!f);
}

/**
 * Everything the notebook printed, concatenated: stdout, and the text/plain part of the
 * tables it displayed (showTable, showLockStat, showRaceTable: rows as fixed-width text).
 */
export function stdoutOf(r: ExecuteResult): string {
  return outputsOf(r)
    .map((o) => {
      if (o.output_type === "stream") return [o.text ?? ""].flat().join("");
      if (o.data && !(PLOTLY_MIME in o.data) && o.data["text/plain"] !== undefined)
        return `${[o.data["text/plain"] as string | string[]].flat().join("")}\n`;
      return "";
    })
    .join("");
}

/** The figure whose title matches; the error lists the titles there are. */
export function figureTitled(figs: NbFig[], title: RegExp): NbFig {
  const f = figs.find((x) => title.test(x.layout.title.text));
  if (!f) throw new Error(`no figure titled ${title}; have: ${figs.map((x) => x.layout.title.text).join(" | ")}`);
  return f;
}

/** The trace with this name (or matching it); the error lists the names there are. */
export function traceNamed(f: NbFig, name: string | RegExp): NbTrace {
  const t = f.data.find((d) => (typeof name === "string" ? d.name === name : name.test(String(d.name))));
  if (!t) throw new Error(`no trace ${name} in "${f.layout.title.text}": ${f.data.map((d) => d.name).join(", ")}`);
  return t;
}

/** The text/markdown outputs (tables the notebook displayed), in order. */
export function markdownOf(r: ExecuteResult): string[] {
  return outputsOf(r)
    .map((o) => o.data?.["text/markdown"])
    .filter(Boolean)
    .map((m) => [m as string | string[]].flat().join(""));
}

/** A notebook executed once for a test file: the result, its figures and its printed text. */
export interface ExecutedNotebook {
  r: ExecuteResult;
  figs: NbFig[];
  text: string;
}

/**
 * Inside a describe(): execute the notebook once before the tests (in a fresh tslab
 * kernel) and check that it ran top to bottom without errors or stderr (how long it took is
 * measured by `npm run bench`, never asserted here). The returned object is filled in
 * before the first test runs.
 */
export function executedNotebook(path: string): ExecutedNotebook {
  const nb = {} as ExecutedNotebook;
  beforeAll(async () => {
    nb.r = await executeNotebook(path, { cellTimeout: 60 });
    nb.figs = figuresOf(nb.r);
    nb.text = stdoutOf(nb.r);
  });
  it("runs top to bottom without errors or stderr", () => {
    expect(describeFailures(path, nb.r.failures)).toBe("");
    expect(nb.r.status).toBe("ok");
  });
  return nb;
}
