/**
 * Text widths for laying out plotly figures without a browser.
 *
 * jsdom has no text layout, but plotly sizes legends, margins and titles from
 * measured text. We read the horizontal advance widths straight from the TrueType
 * font that resvg will draw with (DejaVu Sans on Debian), so the boxes plotly
 * computes match the glyphs in the PNG. When no such font exists we fall back to
 * an average width per character.
 */
import fs from "node:fs";

/** Advance widths of one font, in em (1 = the font size). */
export interface FontMetrics {
  /** Path of the font file read, or null when falling back to averages. */
  file: string | null;
  /** Advance width in em of a code point, from the font's cmap + hmtx tables. */
  advance(codePoint: number): number;
}

/** Where Debian/Ubuntu/Fedora/Arch put DejaVu Sans; the first present wins. */
export const DEJAVU_SANS_CANDIDATES: readonly string[] = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/TTF/DejaVuSans.ttf",
  "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
  "/usr/local/share/fonts/DejaVuSans.ttf",
];

/** Average advance of proportional sans fonts, used when no font file is found. */
const FALLBACK_EM = 0.58;

let cached: FontMetrics | undefined;

/** The metrics of the sans font used for PNGs, read once per process. */
export function sansMetrics(): FontMetrics {
  if (cached) return cached;
  const file = DEJAVU_SANS_CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
  cached = file ? readTrueTypeMetrics(file) : { file: null, advance: () => FALLBACK_EM };
  return cached;
}

/** Width of `text` in px at `fontSize` px. */
export function textWidth(text: string, fontSize: number): number {
  const m = sansMetrics();
  let em = 0;
  for (const ch of text) em += m.advance(ch.codePointAt(0) ?? 32);
  return em * fontSize;
}

/**
 * Minimal TrueType reader: the table directory, head.unitsPerEm, hhea.numberOfHMetrics,
 * hmtx advances and a cmap format 4 (BMP) subtable. Enough to measure Latin text.
 */
export function readTrueTypeMetrics(file: string): FontMetrics {
  const buf = fs.readFileSync(file);
  const numTables = buf.readUInt16BE(4);
  const tables = new Map<string, number>();
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + 16 * i;
    tables.set(buf.toString("latin1", rec, rec + 4), buf.readUInt32BE(rec + 8));
  }
  const need = (tag: string): number => {
    const off = tables.get(tag);
    if (off === undefined) throw new Error(`readTrueTypeMetrics: ${file} has no '${tag}' table`);
    return off;
  };
  const unitsPerEm = buf.readUInt16BE(need("head") + 18);
  const numberOfHMetrics = buf.readUInt16BE(need("hhea") + 34);
  const hmtx = need("hmtx");
  const advanceOfGlyph = (g: number): number =>
    buf.readUInt16BE(hmtx + 4 * Math.min(g, numberOfHMetrics - 1)) / unitsPerEm;

  const glyphOf = cmapFormat4(buf, need("cmap"));
  const memo = new Map<number, number>();
  return {
    file,
    advance(cp: number): number {
      let w = memo.get(cp);
      if (w === undefined) {
        const g = glyphOf(cp);
        w = g === 0 ? FALLBACK_EM : advanceOfGlyph(g);
        memo.set(cp, w);
      }
      return w;
    },
  };
}

/** A lookup code point -> glyph id from the first Unicode BMP (format 4) cmap subtable. */
function cmapFormat4(buf: Buffer, cmap: number): (cp: number) => number {
  const n = buf.readUInt16BE(cmap + 2);
  for (let i = 0; i < n; i++) {
    const platform = buf.readUInt16BE(cmap + 4 + 8 * i);
    const encoding = buf.readUInt16BE(cmap + 6 + 8 * i);
    const sub = cmap + buf.readUInt32BE(cmap + 8 + 8 * i);
    const unicode = platform === 0 || (platform === 3 && encoding === 1);
    if (!unicode || buf.readUInt16BE(sub) !== 4) continue;
    const segX2 = buf.readUInt16BE(sub + 6);
    const ends = sub + 14;
    const starts = ends + segX2 + 2;
    const deltas = starts + segX2;
    const ranges = deltas + segX2;
    return (cp: number): number => {
      if (cp > 0xffff) return 0;
      for (let s = 0; s < segX2; s += 2) {
        if (cp > buf.readUInt16BE(ends + s)) continue;
        const start = buf.readUInt16BE(starts + s);
        if (cp < start) return 0;
        const delta = buf.readInt16BE(deltas + s);
        const rangeOffset = buf.readUInt16BE(ranges + s);
        if (rangeOffset === 0) return (cp + delta) % 65536;
        const at = ranges + s + rangeOffset + 2 * (cp - start);
        const g = buf.readUInt16BE(at);
        return g === 0 ? 0 : (g + delta) % 65536;
      }
      return 0;
    };
  }
  return () => 0;
}
