// Rich tables (showTable and friends) and figures that fit a notebook's output area.
import { describe, expect, it } from "vitest";
import {
  callerOutcomeBars,
  countsText,
  figureOutput,
  lockStatBundle,
  lockStatRows,
  preBundle,
  raceStepChart,
  raceTable,
  raceTableBundle,
  showTable,
  tableBundle,
  theme,
} from "../../src/display/index";
import { wrapWords } from "../../src/display/figures/page-table-walk-diagram";
import { lookupContention } from "../../src/scenarios/index";
import { raceTrace } from "../../src/scenarios/mm/compare";
import { formatLockStat } from "../../src/sched/lockstat";

describe("showTable / tableBundle", () => {
  const rows = [
    { name: "a <b>", n: 5, hex: "0x10" },
    { name: "longer name", n: 123, hex: "0x2000" },
  ];

  it("gives html with escaped cells, numbers right-aligned, text left-aligned", () => {
    const b = tableBundle(rows);
    expect(b["text/html"]).toContain("a &lt;b&gt;");
    expect(b["text/html"]).not.toContain("<b>");
    const cells = [...b["text/html"].matchAll(/<td style="([^"]*)">([^<]*)<\/td>/g)].map((m) => [
      m[2],
      /text-align:right/.test(m[1]!),
    ]);
    expect(cells).toContainEqual(["123", true]);
    expect(cells).toContainEqual(["longer name", false]);
  });

  it("gives a fixed-width text/plain with the header and one padded line per row", () => {
    const lines = tableBundle(rows, { columns: ["name", "n"] })["text/plain"].split("\n");
    expect(lines).toEqual(["name           n", "a <b>          5", "longer name  123"]);
  });

  it("rejects a column that no row has, naming it and the fields there are", () => {
    expect(() => tableBundle(rows, { columns: ["nmae"] })).toThrow(
      'showTable: column "nmae" is not a field of any row (fields: name, n, hex)',
    );
    expect(() => tableBundle("x" as never)).toThrow("showTable: rows must be an array of objects, got string");
  });

  it("emphasises the rows the caller picks", () => {
    const html = tableBundle(rows, { emphasize: (r) => r.n > 100 })["text/html"];
    const trs = html.split("<tr").slice(2);
    expect(trs[0]).not.toContain("font-weight:600");
    expect(trs[1]).toContain("font-weight:600");
  });

  it("returns the bundle outside a kernel", () => {
    expect(showTable(rows)).toEqual(tableBundle(rows));
  });

  it("countsText lists non-zero counts as words", () => {
    expect(countsText({ ok: 514, "outside vma": 512, retried: 0 })).toBe("ok 514, outside vma 512");
    expect(countsText({})).toBe("none");
  });

  it("preBundle folds the text under a summary when asked, and escapes it", () => {
    const b = preBundle("a < b", { collapsed: "the raw text" });
    expect(b["text/html"]).toMatch(
      /^<details[^>]*><summary[^>]*>the raw text<\/summary><pre[^>]*>a &lt; b<\/pre><\/details>$/,
    );
    expect(b["text/plain"]).toBe("a < b");
  });
});

describe("lock_stat as a table", () => {
  const run = lookupContention({ tasks: 4, lookupsPerTask: 6, leaf: "pud", seed: 1 });

  it("has one row per class and mode with lock_stat's numbers; text/plain is the kernel's text", () => {
    const rows = lockStatRows(run.lockStat);
    const ptl = rows.find((r) => r["class name"] === "&mm->page_table_lock")!;
    const line = formatLockStat(run.lockStat)
      .split("\n")
      .find((l) => l.includes("&mm->page_table_lock:"))!;
    const nums = line.split(":")[1]!.trim().split(/\s+/);
    expect([String(ptl["con-bounces"]), String(ptl.contentions), ptl["waittime-min"], ptl["waittime-max"]]).toEqual(
      nums.slice(0, 4),
    );
    expect(rows.some((r) => r["class name"] === "&mm->mmap_lock-R")).toBe(true);
    const b = lockStatBundle(run.lockStat, { caption: "PUD" });
    expect(b["text/plain"]).toBe(`PUD\n${formatLockStat(run.lockStat)}`);
    expect(b["text/html"]).toContain("<details");
  });
});

describe("race tables", () => {
  it("mark the preemption and emphasise the stale-pfn rows", () => {
    const rows = raceTable(raceTrace("follow-vs-zap", "a4b", { variant: "v6.12", leaf: "pmd" }));
    const b = raceTableBundle(rows);
    expect(b["text/plain"]).toMatch(/^ +⚡4 +zap /m);
    const bold = b["text/html"].split("\n").filter((l) => l.startsWith('<tr style="font-weight:600'));
    expect(bold.length).toBe(rows.filter((r) => /stale-pfn/.test(r.verdict)).length);
    expect(bold.length).toBeGreaterThan(0);
  });
});

describe("figures fit a 960 px output area", () => {
  it("raceStepChart is at most MAX_FIGURE_WIDTH wide and clips its labels to fit a column", () => {
    const fig = raceStepChart(raceTrace("vfio-type1-vs-zap", "a7b"));
    expect(fig.layout.width).toBeLessThanOrEqual(theme.MAX_FIGURE_WIDTH);
    const siteLabels = fig.data
      .filter((t) => t.mode === "markers+text" && !String(t.name).startsWith("sanitizer"))
      .flatMap((t) => t.text as string[]);
    expect(siteLabels.length).toBeGreaterThan(10);
    const longest = Math.max(...siteLabels.map((s) => s.length));
    expect(longest).toBeLessThanOrEqual(40);
  });

  it("callerOutcomeBars with many callers stays within MAX_FIGURE_WIDTH", () => {
    const rows = Array.from({ length: 9 }, (_, i) => ({
      caller: `caller number ${i}`,
      outcomes: { ok: 3, einval: 0, retried: 0, "stale-pfn": i, "use-after-free": 0, misuse: 0 },
    }));
    expect(callerOutcomeBars(rows).layout.width).toBe(theme.MAX_FIGURE_WIDTH);
  });

  it("show() narrows a wider figure to MAX_FIGURE_WIDTH, and its PNG with it; an explicit width stays", () => {
    const fig = { data: [{ type: "bar", x: ["a"], y: [1] }], layout: { width: 1400, height: 300 } };
    const out = figureOutput(fig, { png: false });
    expect(out.data["application/vnd.plotly.v1+json"]!.layout.width).toBe(theme.MAX_FIGURE_WIDTH);
    expect(fig.layout.width).toBe(1400); // the caller's figure is not changed
    const kept = figureOutput(fig, { png: false, width: 1400 });
    expect(kept.data["application/vnd.plotly.v1+json"]!.layout.width).toBe(1400);
  });

  it("wrapWords breaks at spaces within the width and ends a cut text with …", () => {
    expect(wrapWords("-EINVAL: no vma covers 0x7f0000000000: a caller would find none to pass", 20, 6)).toEqual([
      "-EINVAL: no vma",
      "covers",
      "0x7f0000000000: a",
      "caller would find",
      "none to pass",
    ]);
    expect(wrapWords("one two three four", 4, 2)).toEqual(["one", "two…"]);
  });
});

describe("table html attributes", () => {
  it("keep every style inside its attribute (a code column's font and nowrap survive)", () => {
    const html = tableBundle([{ s: "vfio-type1-vs-zap" }], { columns: [{ key: "s", code: true, nowrap: true }] })[
      "text/html"
    ];
    const td = /<td style="([^"]*)">vfio-type1-vs-zap<\/td>/.exec(html);
    expect(td?.[1]).toMatch(/font-family:'DejaVu Sans Mono'.*white-space:nowrap/);
    expect(preBundle("x")["text/html"]).toMatch(
      /<pre class="pfnlab-pre" style="[^"]*font-family:'DejaVu Sans Mono'[^"]*white-space:pre;[^"]*">x<\/pre>/,
    );
  });
});
