/**
 * Fonts for resvg. resvg draws only glyphs of fonts it has loaded; with none,
 * every label silently disappears from the PNG. We hand it DejaVu (the font whose
 * metrics fontMetrics.ts measures with) when present, so layout and glyphs agree
 * and the PNG does not depend on whatever else is installed; otherwise we let it
 * scan the system fonts.
 */
import fs from "node:fs";
import path from "node:path";
import { sansMetrics } from "./font-metrics";

/** The `font` option passed to resvg. */
export interface ResvgFontOptions {
  fontFiles: string[];
  loadSystemFonts: boolean;
  defaultFontFamily: string;
  sansSerifFamily: string;
  monospaceFamily: string;
}

let cached: ResvgFontOptions | undefined;

/** resvg font options: DejaVu Sans (+ Bold, Mono) when found, else the system fonts. */
export function resvgFonts(): ResvgFontOptions {
  if (cached) return cached;
  const sans = sansMetrics().file;
  if (sans) {
    const dir = path.dirname(sans);
    const files = [
      "DejaVuSans.ttf",
      "DejaVuSans-Bold.ttf",
      "DejaVuSans-Oblique.ttf",
      "DejaVuSansMono.ttf",
      "DejaVuSansMono-Bold.ttf",
    ]
      .map((f) => path.join(dir, f))
      .filter((f) => fs.existsSync(f));
    cached = {
      fontFiles: files,
      loadSystemFonts: false,
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
      monospaceFamily: files.some((f) => f.includes("Mono")) ? "DejaVu Sans Mono" : "DejaVu Sans",
    };
  } else {
    cached = {
      fontFiles: [],
      loadSystemFonts: true,
      defaultFontFamily: "sans-serif",
      sansSerifFamily: "Arial",
      monospaceFamily: "Courier New",
    };
  }
  return cached;
}

/** True when a font file was found, i.e. PNG text will render. */
export function pngFontsAvailable(): boolean {
  return resvgFonts().fontFiles.length > 0;
}
