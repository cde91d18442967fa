/**
 * Approximate SVG geometry for jsdom, which has none.
 *
 * plotly measures text (legend widths, axis title offsets, automargins) with
 * getBoundingClientRect / getBBox / getComputedTextLength. jsdom returns zeros, so
 * legends get clipped and titles overlap ticks. We compute boxes ourselves:
 * text from real font advance widths (fontMetrics.ts), shapes from their attributes,
 * groups as the union of their children, all through the SVG transform attributes.
 */
import { textWidth } from "./font-metrics";

/** An axis-aligned box; null means "draws nothing". */
interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
/** 2-D affine matrix [a b c d e f] as in SVG matrix(). */
type Matrix = [number, number, number, number, number, number];

const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];
/** DejaVu Sans ascent and descent in em: where the glyph box sits around the baseline. */
const ASCENT_EM = 0.93;
const DESCENT_EM = 0.24;
const DEFAULT_FONT_PX = 12;

function multiply(m: Matrix, n: Matrix): Matrix {
  return [
    m[0] * n[0] + m[2] * n[1],
    m[1] * n[0] + m[3] * n[1],
    m[0] * n[2] + m[2] * n[3],
    m[1] * n[2] + m[3] * n[3],
    m[0] * n[4] + m[2] * n[5] + m[4],
    m[1] * n[4] + m[3] * n[5] + m[5],
  ];
}

/** Parses an SVG transform attribute (translate, rotate, scale, matrix, skew ignored). */
export function parseTransform(attr: string | null): Matrix {
  let m: Matrix = IDENTITY;
  if (!attr) return m;
  const re = /(translate|rotate|scale|matrix)\s*\(([^)]*)\)/g;
  for (let hit = re.exec(attr); hit; hit = re.exec(attr)) {
    const v = (hit[2].match(/-?[\d.]+(?:e-?\d+)?/gi) ?? []).map(Number);
    let n: Matrix = IDENTITY;
    if (hit[1] === "translate") n = [1, 0, 0, 1, v[0] || 0, v[1] || 0];
    else if (hit[1] === "scale") n = [v[0] ?? 1, 0, 0, v[1] ?? v[0] ?? 1, 0, 0];
    else if (hit[1] === "matrix" && v.length === 6) n = v as Matrix;
    else if (hit[1] === "rotate") {
      const a = ((v[0] || 0) * Math.PI) / 180;
      const [cx, cy] = [v[1] || 0, v[2] || 0];
      const r: Matrix = [Math.cos(a), Math.sin(a), -Math.sin(a), Math.cos(a), 0, 0];
      n = multiply(multiply([1, 0, 0, 1, cx, cy], r), [1, 0, 0, 1, -cx, -cy]);
    }
    m = multiply(m, n);
  }
  return m;
}

function apply(m: Matrix, b: Box): Box {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [x, y] of [
    [b.x0, b.y0],
    [b.x1, b.y0],
    [b.x0, b.y1],
    [b.x1, b.y1],
  ]) {
    xs.push(m[0] * x + m[2] * y + m[4]);
    ys.push(m[1] * x + m[3] * y + m[5]);
  }
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

function union(a: Box | null, b: Box | null): Box | null {
  if (!a) return b;
  if (!b) return a;
  return { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
}

function num(el: Element, name: string): number {
  const v = parseFloat(el.getAttribute(name) ?? "");
  return Number.isFinite(v) ? v : 0;
}

/** Font size in px, from the element's inline style or attribute, inherited from ancestors. */
function fontSizeOf(el: Element | null): number {
  for (let e = el; e; e = e.parentElement) {
    const styled = (e as SVGElement).style?.fontSize || e.getAttribute("font-size");
    const px = parseFloat(styled ?? "");
    if (Number.isFinite(px) && px > 0) return px;
  }
  return DEFAULT_FONT_PX;
}

/** Monospace text (entry values in diagrams): DejaVu Sans Mono advances are all 0.602 em. */
const MONO_EM = 0.602;

function isMonospace(el: Element | null): boolean {
  for (let e = el; e; e = e.parentElement) {
    const family = (e as SVGElement).style?.fontFamily || e.getAttribute("font-family");
    if (family) return /mono|courier|consolas|menlo/i.test(family);
  }
  return false;
}

/**
 * Width in px of the text under `node` (a text, tspan or line), measuring each text
 * node in its own family: plotly puts <span style="font-family:..."> into tspans.
 */
function nodeWidth(node: Node, fs: number): number {
  if (node.nodeType === 3) {
    const text = node.nodeValue ?? "";
    return isMonospace(node.parentElement) ? Array.from(text).length * MONO_EM * fs : textWidth(text, fs);
  }
  let w = 0;
  node.childNodes.forEach((c) => {
    w += nodeWidth(c, fs);
  });
  return w;
}

/** A length like "1.3em", "5px" or "5" in px at font size `fs`. */
function lengthPx(v: string | null, fs: number): number {
  if (!v) return 0;
  const n = parseFloat(v);
  if (!Number.isFinite(n)) return 0;
  return v.trim().endsWith("em") ? n * fs : n;
}

/** Lines of a text element: plotly puts each <br>-separated line into a tspan.line. */
function textLines(el: Element): { node: Node; x: number | null; y: number | null; dy: number }[] {
  const fs = fontSizeOf(el);
  const lines = Array.from(el.children).filter((c) => c.tagName === "tspan" && c.classList.contains("line"));
  if (lines.length === 0) return [{ node: el, x: null, y: null, dy: 0 }];
  return lines.map((l) => ({
    node: l,
    x: l.hasAttribute("x") ? num(l, "x") : null,
    y: l.hasAttribute("y") ? num(l, "y") : null,
    dy: lengthPx(l.getAttribute("dy"), fs),
  }));
}

function anchorOf(el: Element): string {
  for (let e: Element | null = el; e; e = e.parentElement) {
    const a = e.getAttribute("text-anchor") || (e as SVGElement).style?.textAnchor;
    if (a) return a;
  }
  return "start";
}

/** Width of the widest line of a text element, in px. */
export function textLength(el: Element): number {
  const fs = fontSizeOf(el);
  return Math.max(0, ...textLines(el).map((l) => nodeWidth(l.node, fs)));
}

function textBox(el: Element): Box | null {
  const fs = fontSizeOf(el);
  const anchor = anchorOf(el);
  const x = num(el, "x");
  let y = num(el, "y") + lengthPx(el.getAttribute("dy"), fs);
  let box: Box | null = null;
  for (const line of textLines(el)) {
    // SVG: a tspan with its own y starts there (plotly gives each line y plus dy = 1.3em * index);
    // without one, dy shifts from where the previous line was.
    y = line.y !== null ? line.y + line.dy : y + line.dy;
    const w = nodeWidth(line.node, fs);
    if (w === 0) continue;
    const lx = line.x ?? x;
    const left = anchor === "middle" ? lx - w / 2 : anchor === "end" ? lx - w : lx;
    box = union(box, { x0: left, y0: y - ASCENT_EM * fs, x1: left + w, y1: y + DESCENT_EM * fs });
  }
  return box;
}

/** Points of a path's outline: endpoints of each segment (arcs add their radius). */
export function pathPoints(d: string): [number, number][] {
  const pts: [number, number][] = [];
  const tokens = d.match(/[a-zA-Z]|-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?/gi) ?? [];
  let cmd = "M";
  let [cx, cy, sx, sy] = [0, 0, 0, 0];
  let i = 0;
  const next = (): number => Number(tokens[i++]);
  while (i < tokens.length) {
    if (/[a-zA-Z]/.test(tokens[i])) cmd = tokens[i++];
    const rel = cmd === cmd.toLowerCase();
    const C = cmd.toUpperCase();
    const ox = rel ? cx : 0;
    const oy = rel ? cy : 0;
    if (C === "Z") {
      [cx, cy] = [sx, sy];
      pts.push([cx, cy]);
      continue;
    }
    if (C === "H") cx = ox + next();
    else if (C === "V") cy = oy + next();
    else if (C === "M" || C === "L" || C === "T") [cx, cy] = [ox + next(), oy + next()];
    else if (C === "C") {
      i += 4;
      [cx, cy] = [ox + next(), oy + next()];
    } else if (C === "S" || C === "Q") {
      i += 2;
      [cx, cy] = [ox + next(), oy + next()];
    } else if (C === "A") {
      const rx = next();
      const ry = next();
      i += 3;
      const [px, py] = [cx, cy];
      [cx, cy] = [ox + next(), oy + next()];
      pts.push([px - rx, py - ry], [px + rx, py + ry]);
      pts.push([cx - rx, cy - ry], [cx + rx, cy + ry]);
    } else {
      i++; // unknown command: skip a number so the loop always advances
      continue;
    }
    if (C === "M") {
      [sx, sy] = [cx, cy];
      if (cmd === "M") cmd = "L";
      else if (cmd === "m") cmd = "l";
    }
    pts.push([cx, cy]);
  }
  return pts.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
}

function pointsBox(pts: [number, number][]): Box | null {
  if (pts.length === 0) return null;
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

/** Box of an element in its own user space (its own transform not applied). */
function localBox(el: Element): Box | null {
  if ((el as SVGElement).style?.display === "none") return null;
  switch (el.tagName) {
    case "text":
      return textBox(el);
    case "rect":
    case "image":
    case "foreignObject": {
      const [x, y] = [num(el, "x"), num(el, "y")];
      return { x0: x, y0: y, x1: x + num(el, "width"), y1: y + num(el, "height") };
    }
    case "circle": {
      const r = num(el, "r");
      return { x0: num(el, "cx") - r, y0: num(el, "cy") - r, x1: num(el, "cx") + r, y1: num(el, "cy") + r };
    }
    case "line":
      return pointsBox([
        [num(el, "x1"), num(el, "y1")],
        [num(el, "x2"), num(el, "y2")],
      ]);
    case "path":
      return pointsBox(pathPoints(el.getAttribute("d") ?? ""));
    case "defs":
    case "clipPath":
    case "style":
      return null;
    default: {
      let box: Box | null = null;
      for (const child of Array.from(el.children)) {
        const b = localBox(child);
        if (b) box = union(box, apply(parseTransform(child.getAttribute("transform")), b));
      }
      return box;
    }
  }
}

/** Box of an element in page coordinates: through its own and every SVG ancestor's transform. */
function pageBox(el: Element): Box | null {
  let box = localBox(el);
  for (let e: Element | null = el; box && e && e.namespaceURI === "http://www.w3.org/2000/svg"; e = e.parentElement) {
    box = apply(parseTransform(e.getAttribute("transform")), box);
    if (e.tagName === "svg" && e !== el) box = apply([1, 0, 0, 1, num(e, "x"), num(e, "y")], box);
  }
  return box;
}

function rect(b: Box | null) {
  const { x0, y0, x1, y1 } = b ?? { x0: 0, y0: 0, x1: 0, y1: 0 };
  return {
    x: x0,
    y: y0,
    width: x1 - x0,
    height: y1 - y0,
    left: x0,
    top: y0,
    right: x1,
    bottom: y1,
    toJSON() {
      return this;
    },
  };
}

function polylineLength(pts: [number, number][]): number {
  let len = 0;
  for (let k = 1; k < pts.length; k++) len += Math.hypot(pts[k][0] - pts[k - 1][0], pts[k][1] - pts[k - 1][1]);
  return len;
}

/** Minimal window shape we patch: the jsdom window's constructors. */
interface GeometryWindow {
  SVGElement: { prototype: object };
}

/** Installs getBBox, getBoundingClientRect, getComputedTextLength and path lengths on SVG elements. */
export function installSvgGeometry(window: GeometryWindow): void {
  const proto = window.SVGElement.prototype as Record<string, unknown>;
  proto.getBBox = function (this: Element) {
    return rect(localBox(this));
  };
  proto.getBoundingClientRect = function (this: Element) {
    return rect(pageBox(this));
  };
  proto.getComputedTextLength = function (this: Element) {
    return textLength(this);
  };
  proto.getTotalLength = function (this: Element) {
    return polylineLength(pathPoints(this.getAttribute("d") ?? ""));
  };
  proto.getPointAtLength = function (this: Element, at: number) {
    const pts = pathPoints(this.getAttribute("d") ?? "");
    let left = Math.max(0, at);
    for (let k = 1; k < pts.length; k++) {
      const seg = Math.hypot(pts[k][0] - pts[k - 1][0], pts[k][1] - pts[k - 1][1]);
      if (left <= seg && seg > 0) {
        const t = left / seg;
        return {
          x: pts[k - 1][0] + t * (pts[k][0] - pts[k - 1][0]),
          y: pts[k - 1][1] + t * (pts[k][1] - pts[k - 1][1]),
        };
      }
      left -= seg;
    }
    const last = pts[pts.length - 1] ?? [0, 0];
    return { x: last[0], y: last[1] };
  };
}
