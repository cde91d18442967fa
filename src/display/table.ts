/**
 * Tables as rich output, like pandas' _repr_html_: one display_data with `text/html`
 * (a table that wraps its cells inside the output area) and `text/plain` (the same rows
 * as fixed-width text, for terminals, logs and front ends without HTML).
 *
 * `showTable(rows, {columns})` in a notebook cell; `tableBundle` gives the bundle itself.
 * `showPre(text)` shows wide preformatted text (a kernel's /proc file) in a box that
 * fits the output area: small type, and a horizontal scrollbar only when even that
 * is too wide.
 */
import { tslabDisplayWriter } from "./tslab-channel";

/** A cell: text, a number, or nothing. */
export type TableCell = string | number | boolean | null | undefined;

/** One column: which field of a row, its header, and how to show it. */
export interface TableColumn {
  /** Field of the row object. */
  key: string;
  /** Header text; default the key. */
  header?: string;
  /** Default: right for columns whose values are all numbers, else left. */
  align?: "left" | "right";
  /** Monospace (hex values, code sites, file:line). */
  code?: boolean;
  /** Cells of this column never wrap (short values such as "-EINVAL" or hex pfns). */
  nowrap?: boolean;
  /** CSS width of the column, e.g. "20%". When any column has one, the table spans the
   * output area with fixed column widths (long texts wrap inside their column). */
  width?: string;
}

export interface TableOptions<R> {
  /** Columns in order: keys or column specs. Default: the keys of the first row. */
  columns?: readonly (string | TableColumn)[];
  /** A line above the table (plain text). */
  caption?: string;
  /** Rows to emphasise (bold, tinted red): e.g. verdicts that are bugs. */
  emphasize?: (row: R, index: number) => boolean;
}

/** The MIME bundle of one table. */
export interface TableBundle {
  "text/html": string;
  "text/plain": string;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function cellText(v: TableCell): string {
  return v === null || v === undefined ? "" : String(v);
}

/** Resolves the column specs, checking them against the rows (clear errors for typos). */
function resolveColumns<R extends object>(
  fn: string,
  rows: readonly R[],
  columns?: readonly (string | TableColumn)[],
): Required<TableColumn>[] {
  const specs = (columns ?? Object.keys(rows[0] ?? {})).map((c, i) => {
    const col = typeof c === "string" ? { key: c } : c;
    if (!col || typeof col.key !== "string" || col.key === "")
      throw new Error(`${fn}: columns[${i}] must be a key or { key, header? }`);
    return col;
  });
  if (specs.length === 0) throw new Error(`${fn}: no columns: give rows with fields or options.columns`);
  const known = new Set(rows.flatMap((r) => Object.keys(r)));
  for (const c of specs) {
    if (rows.length > 0 && !known.has(c.key))
      throw new Error(`${fn}: column "${c.key}" is not a field of any row (fields: ${[...known].join(", ")})`);
  }
  return specs.map((c) => {
    const values = rows
      .map((r) => (r as Record<string, unknown>)[c.key])
      .filter((v) => v !== null && v !== undefined && v !== "");
    const numeric = values.length > 0 && values.every((v) => typeof v === "number");
    const align: "left" | "right" = c.align ?? (numeric ? "right" : "left");
    return {
      key: c.key,
      header: c.header ?? c.key,
      align,
      code: c.code ?? false,
      nowrap: c.nowrap ?? false,
      width: c.width ?? "",
    };
  });
}

/** Style of the whole table: fits the output area, wraps long cells, left-aligned headers. */
const TABLE_STYLE =
  "border-collapse:collapse;margin:2px 0;font-size:12.5px;line-height:1.35;table-layout:auto;width:auto;max-width:100%";
const CELL_STYLE =
  "padding:2px 8px;border:none;border-bottom:1px solid #e4e4e4;vertical-align:top;overflow-wrap:anywhere";
// Single quotes: this goes inside style="..." attributes.
const MONO = "'DejaVu Sans Mono',Menlo,Consolas,monospace";

/** The table as html and fixed-width text. Rows are objects; cells are text or numbers. */
export function tableBundle<R extends object>(rows: readonly R[], opts: TableOptions<R> = {}): TableBundle {
  const fn = "showTable";
  if (!Array.isArray(rows))
    throw new Error(`${fn}: rows must be an array of objects, got ${rows === null ? "null" : typeof rows}`);
  rows.forEach((r, i) => {
    if (typeof r !== "object" || r === null || Array.isArray(r))
      throw new Error(`${fn}: rows[${i}] must be an object (one field per column)`);
  });
  const cols = resolveColumns(fn, rows, opts.columns);
  const get = (r: R, key: string): string => cellText((r as Record<string, TableCell>)[key]);

  const fixed = cols.some((c) => c.width);
  const th = cols
    .map(
      (c) =>
        `<th style="${CELL_STYLE};text-align:${c.align};${c.width ? `width:${c.width};` : ""}border-bottom:1px solid #888;font-weight:600;overflow-wrap:normal">${escapeHtml(c.header)}</th>`,
    )
    .join("");
  const body = rows
    .map((r, i) => {
      const strong = opts.emphasize?.(r, i) ?? false;
      const tds = cols
        .map((c) => {
          const style = [
            CELL_STYLE,
            `text-align:${c.align}`,
            c.code ? `font-family:${MONO};font-size:11.5px` : "",
            c.nowrap ? "white-space:nowrap" : "",
          ]
            .filter(Boolean)
            .join(";");
          return `<td style="${style}">${escapeHtml(get(r, c.key))}</td>`;
        })
        .join("");
      return `<tr${strong ? ' style="font-weight:600;background:#fdecea"' : ""}>${tds}</tr>`;
    })
    .join("\n");
  const caption = opts.caption
    ? `<caption style="caption-side:top;text-align:left;color:#444;padding:2px 0">${escapeHtml(opts.caption)}</caption>`
    : "";
  const tableStyle = fixed ? `${TABLE_STYLE};table-layout:fixed;width:100%` : TABLE_STYLE;
  const html = `<table class="pfnlab-table" style="${tableStyle}">${caption}<thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;

  const widths = cols.map((c) => Math.max(c.header.length, ...rows.map((r) => get(r, c.key).length)));
  const line = (cells: string[]): string =>
    cells
      .map((s, j) => (cols[j]!.align === "right" ? s.padStart(widths[j]!) : s.padEnd(widths[j]!)))
      .join("  ")
      .trimEnd();
  const text = [
    ...(opts.caption ? [opts.caption] : []),
    line(cols.map((c) => c.header)),
    ...rows.map((r) => line(cols.map((c) => get(r, c.key)))),
  ].join("\n");
  return { "text/html": html, "text/plain": text };
}

/** Sends a bundle as one display_data, or returns it outside a kernel. */
export function displayBundle(bundle: TableBundle): TableBundle | undefined {
  const write = tslabDisplayWriter();
  if (!write) return bundle;
  write({ data: { ...bundle }, metadata: {}, transient: {} }, false);
  return undefined;
}

/**
 * Displays rows as a table (html with a text/plain fallback). Inside a tslab kernel it
 * sends one display_data and returns undefined; elsewhere it returns the bundle.
 *
 *     showTable(rows, { columns: ["step", { key: "site", code: true }, "what"] })
 */
export function showTable<R extends object>(rows: readonly R[], opts: TableOptions<R> = {}): TableBundle | undefined {
  return displayBundle(tableBundle(rows, opts));
}

export interface PreOptions {
  /** A line above the block (plain text). */
  caption?: string;
  /** Font size in px of the block (default 10.5: ~150 monospace columns in 960 px). */
  fontSize?: number;
  /** Show the block folded under this summary line (a <details> the reader opens). */
  collapsed?: string;
}

/** Wide preformatted text as html (small monospace, scrolls sideways only if still too wide) and text/plain. */
export function preBundle(text: string, opts: PreOptions = {}): TableBundle {
  if (typeof text !== "string")
    throw new Error(`showPre: text must be a string, got ${text === null ? "null" : typeof text}`);
  const size = opts.fontSize ?? 10.5;
  if (!(size >= 6 && size <= 20)) throw new Error(`showPre: fontSize ${String(size)} must be between 6 and 20 px`);
  const caption = opts.caption ? `<div style="color:#444;margin:2px 0">${escapeHtml(opts.caption)}</div>` : "";
  const pre = `<pre class="pfnlab-pre" style="font-family:${MONO};font-size:${size}px;line-height:1.3;white-space:pre;overflow-x:auto;max-width:100%;margin:2px 0;padding:4px 6px;background:#f7f7f7;border:1px solid #e4e4e4">${escapeHtml(text)}</pre>`;
  const html = opts.collapsed
    ? `${caption}<details class="pfnlab-details"><summary style="display:list-item;cursor:pointer;color:#444">${escapeHtml(opts.collapsed)}</summary>${pre}</details>`
    : caption + pre;
  return { "text/html": html, "text/plain": opts.caption ? `${opts.caption}\n${text}` : text };
}

/** Displays wide preformatted text (e.g. the kernel's /proc/lock_stat) so that it fits the output area. */
export function showPre(text: string, opts: PreOptions = {}): TableBundle | undefined {
  return displayBundle(preBundle(text, opts));
}

/** Counts as words for a printed line: {ok: 514, "pud none": 512} -> "ok 514, pud none 512" (zeros left out). */
export function countsText(counts: Readonly<Record<string, number>>): string {
  if (typeof counts !== "object" || counts === null)
    throw new Error(`countsText: counts must be an object of numbers, got ${counts === null ? "null" : typeof counts}`);
  const parts = Object.entries(counts)
    .filter(([, n]) => n !== 0)
    .map(([k, n]) => `${k} ${n}`);
  return parts.length ? parts.join(", ") : "none";
}
