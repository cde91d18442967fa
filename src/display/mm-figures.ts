/**
 * Experiments on the mm model turned into figures, for notebooks 01 and 02: sweeps of
 * follow_pfnmap_start() / the legacy follow_pte() across a range of addresses, each
 * lookup classified by its cause (ok, or why it returned -EINVAL); which pages of a vma
 * are populated; populated leaves vs touches; and how much address space the lock a
 * lookup holds until end() covers. The experiment functions return plain data (tests
 * assert on it); the figure functions turn that data into plain plotly figures.
 */
import { PAGE_SIZE, PMD_SIZE, TASK_SIZE, hex } from "../mm/constants";
import { doUserAddrFault } from "../mm/fault";
import { followPfnmapEnd, followPfnmapStart } from "../mm/follow";
import { followPfnmapArgs, type FollowFailure, type FollowPteFailure, type LeafLevel } from "../mm/follow-args";
import { followPte, pteUnmapUnlock, type FollowPteOut } from "../mm/follow-pte";
import { mappedLeaves } from "../mm/leaves";
import { mmapReadLock, mmapReadUnlock } from "../mm/mmap-lock";
import type { Mm } from "../mm/mm";
import { TABLE_SPAN, lookupLeaf } from "../mm/pagetable";
import { entryPfn } from "../mm/pte";
import type { Vma } from "../mm/vma";
import { walkData } from "../mm/explain";
import { outcomeBars } from "./figures/outcome-bars";
import { LAYOUT_FLAGS, layoutFigure, walkDiagram } from "./model-figures";
import { byteTicks, checkArray, formatBytes } from "./figures/format";
import { axis, baseLayout, hashColor, LEAF_LEVEL_COLORS, LEAF_LEVEL_LABELS, lockClassColor } from "./theme";
import type { PlotlyFigure, PlotlyTrace } from "./types";

// ---------------------------------------------------------------------------------
// Lookup causes

/** Short names of why a lookup ended the way it did, in the order the kernel checks. */
export const LOOKUP_CAUSES = [
  "ok",
  "outside vma",
  "no VM_IO|VM_PFNMAP",
  "p4d none",
  "p4d bad",
  "pud none",
  "pmd none",
  "pte_offset_map_lock NULL",
  "pte none",
  "zapped under lock",
  "PUD leaf (follow_pte)",
  "PMD leaf (follow_pte)",
] as const;
export type LookupCause = (typeof LOOKUP_CAUSES)[number];

/** One colour per cause: green for ok, muted tones for clean refusals, red for the legacy API's blind spot. */
export const LOOKUP_CAUSE_COLORS: Readonly<Record<LookupCause, string>> = {
  ok: "#2ca02c",
  "outside vma": "#c7c7c7",
  "no VM_IO|VM_PFNMAP": "#9467bd",
  "p4d none": "#8c564b",
  "p4d bad": "#e377c2",
  "pud none": "#7f7f7f",
  "pmd none": "#bcbd22",
  "pte_offset_map_lock NULL": "#17becf",
  "pte none": "#ff7f0e",
  "zapped under lock": "#1f77b4",
  "PUD leaf (follow_pte)": "#d62728",
  "PMD leaf (follow_pte)": "#ff9896",
};

const CAUSE_OF: Readonly<Record<FollowFailure | FollowPteFailure, LookupCause>> = {
  outsideVma: "outside vma",
  notPfnmap: "no VM_IO|VM_PFNMAP",
  p4dNone: "p4d none",
  p4dBad: "p4d bad",
  pudNone: "pud none",
  pudNotPresent: "pud none",
  pudGoneUnderLock: "zapped under lock",
  pmdNotPresent: "pmd none",
  pmdGoneUnderLock: "zapped under lock",
  pteMapNull: "pte_offset_map_lock NULL",
  pteNotPresent: "pte none",
  // follow_pte's own exits
  pudLeaf: "PUD leaf (follow_pte)",
  pmdLeaf: "PMD leaf (follow_pte)",
  // follow_pte found the pmd empty when pte_offset_map_lock() returned NULL: same situation as "pmd none"
  pmdNone: "pmd none",
};

/**
 * The cause of a lookup from the failure code the model recorded (args.failure of
 * followPfnmapStart, out.failure of followPte); null or undefined (a success) is "ok".
 */
export function lookupCause(failure: FollowFailure | FollowPteFailure | null | undefined): LookupCause {
  if (failure === null || failure === undefined) return "ok";
  const c = CAUSE_OF[failure];
  if (!c) throw new Error(`lookupCause: failure code "${String(failure)}" has no cause name; add it to LOOKUP_CAUSES`);
  return c;
}

// ---------------------------------------------------------------------------------
// Sweeps

/** One lookup of a sweep. */
export interface LookupPoint {
  address: number;
  /** 0 or -EINVAL. */
  ret: number;
  cause: LookupCause;
  /** The model's reason, in words. */
  reason: string;
  /** Level of the leaf found (success only). */
  leaf: LeafLevel | null;
  /** pfn returned (success only). */
  pfn: number | null;
  /** Lock class held between start and end (success only). */
  lock: string | null;
}

/** Which lookup a sweep runs: the v6.12 API or the legacy follow_pte (v6.11 and before). */
export type LookupApi = "follow_pfnmap" | "follow_pte";

/** Options of sweepLookups. */
export interface SweepOptions {
  /** First address (default vma.vmStart). */
  start?: number;
  /** End, exclusive (default vma.vmEnd). */
  end?: number;
  /** Distance between addresses, bytes (default PAGE_SIZE). */
  step?: number;
  /** Explicit addresses instead of start/end/step. */
  addresses?: number[];
  api?: LookupApi;
}

/** Holds mm's mmap_lock for read around fn, unless task "main" already holds it. */
function withMmapRead<T>(mm: Mm, fn: () => T): T {
  const held = mm.kernel.ctx.task.held.some((h) => h.lock === mm.mmapLock);
  if (!held) mmapReadLock(mm);
  try {
    return fn();
  } finally {
    if (!held) mmapReadUnlock(mm);
  }
}

/** The addresses a sweep visits. */
export function sweepAddresses(vma: Vma, opts: SweepOptions = {}): number[] {
  if (opts.addresses) return [...checkArray<number>("sweepAddresses", "addresses", opts.addresses)];
  const start = opts.start ?? vma.vmStart;
  const end = opts.end ?? vma.vmEnd;
  const step = opts.step ?? PAGE_SIZE;
  if (!(step > 0) || !Number.isInteger(step))
    throw new Error(`sweepAddresses: step ${step} must be a positive integer`);
  if (!(end > start)) throw new Error(`sweepAddresses: end ${hex(end)} must be above start ${hex(start)}`);
  if ((end - start) / step > 200_000)
    throw new Error(`sweepAddresses: ${Math.ceil((end - start) / step)} lookups is too many; use a larger step`);
  const out: number[] = [];
  for (let a = start; a < end; a += step) out.push(a);
  return out;
}

/**
 * Look up every address of the sweep as a correct caller does: mmap_lock held for
 * read (taken here if the caller does not hold it), start(), read the outputs, end().
 * `api: "follow_pte"` runs the legacy follow_pte() + pte_unmap_unlock() instead.
 */
export function sweepLookups(vma: Vma, opts: SweepOptions = {}): LookupPoint[] {
  const addrs = sweepAddresses(vma, opts);
  const api = opts.api ?? "follow_pfnmap";
  if (api !== "follow_pfnmap" && api !== "follow_pte")
    throw new Error(`sweepLookups: api ${String(api)} must be "follow_pfnmap" or "follow_pte"`);
  const mm = vma.mm;
  return withMmapRead(mm, () =>
    addrs.map((address): LookupPoint => {
      if (api === "follow_pte") {
        const out: FollowPteOut = { ptep: null, ptl: null, reason: "" };
        const ret = followPte(vma, address, out);
        if (ret !== 0)
          return {
            address,
            ret,
            cause: lookupCause(out.failure),
            reason: out.reason,
            leaf: null,
            pfn: null,
            lock: null,
          };
        const pfn = entryPfn(out.ptep!.table.entries[out.ptep!.index]);
        const lock = out.ptl!.className;
        pteUnmapUnlock(vma, out.ptep, out.ptl!);
        return { address, ret, cause: "ok", reason: "ok", leaf: "pte", pfn, lock };
      }
      const args = followPfnmapArgs(vma, address);
      const ret = followPfnmapStart(args);
      if (ret !== 0)
        return {
          address,
          ret,
          cause: lookupCause(args.failure),
          reason: args.reason,
          leaf: null,
          pfn: null,
          lock: null,
        };
      const point: LookupPoint = {
        address,
        ret,
        cause: "ok",
        reason: "ok",
        leaf: args.leaf,
        pfn: args.pfn,
        lock: args.lock!.className,
      };
      followPfnmapEnd(args);
      return point;
    }),
  );
}

/** Lookups per cause, only causes that occur, in LOOKUP_CAUSES order. */
export function countByCause(points: LookupPoint[]): Partial<Record<LookupCause, number>> {
  const out: Partial<Record<LookupCause, number>> = {};
  for (const c of LOOKUP_CAUSES) {
    const n = points.filter((p) => p.cause === c).length;
    if (n) out[c] = n;
  }
  return out;
}

// ---------------------------------------------------------------------------------
// Strips along the address axis

/** A run of one class along the address axis: [start, end). */
export interface StripSegment {
  start: number;
  end: number;
  cls: string;
}

/** A row of a strip figure. */
export interface StripRow {
  name: string;
  /** Addresses are drawn relative to this (e.g. vm_start). */
  origin: number;
  segments: StripSegment[];
}

/** Merge consecutive points of the same cause into segments ([address, address + step)). */
export function lookupSegments(points: LookupPoint[], step = PAGE_SIZE): StripSegment[] {
  const segs: StripSegment[] = [];
  for (const p of points) {
    const last = segs[segs.length - 1];
    if (last && last.cls === p.cause && last.end === p.address) last.end = p.address + step;
    else segs.push({ start: p.address, end: p.address + step, cls: p.cause });
  }
  return segs;
}

/** The unit a byte span reads best in on an axis. */
function axisUnit(span: number): { size: number; name: string } {
  if (span >= 4 * 2 ** 30) return { size: 2 ** 30, name: "GiB" };
  if (span >= 4 * 2 ** 20) return { size: 2 ** 20, name: "MiB" };
  return { size: 1024, name: "KiB" };
}

/**
 * Horizontal strips, one row per StripRow, x = offset from the row's origin in KiB,
 * MiB or GiB; one trace per class (legend), coloured by `colors` (others by a hash).
 */
export function stripFigure(
  rows: StripRow[],
  colors: Record<string, string>,
  title: string,
  xTitle: string,
  legendTitle: string,
  order: readonly string[] = [],
): PlotlyFigure {
  checkArray<StripRow>("stripFigure", "rows", rows);
  let lo = Infinity,
    hi = -Infinity;
  for (const r of rows)
    for (const s of r.segments) {
      lo = Math.min(lo, s.start - r.origin);
      hi = Math.max(hi, s.end - r.origin);
    }
  const unit = axisUnit(Number.isFinite(hi - lo) ? hi - lo : 1);
  const present = new Set(rows.flatMap((r) => r.segments.map((s) => s.cls)));
  const classes = [...order.filter((c) => present.has(c)), ...[...present].filter((c) => !order.includes(c)).sort()];
  const data: PlotlyTrace[] = classes.map((cls) => {
    const segs = rows.flatMap((r) => r.segments.filter((s) => s.cls === cls).map((s) => ({ r, s })));
    return {
      type: "bar",
      orientation: "h",
      name: cls,
      y: segs.map(({ r }) => r.name),
      base: segs.map(({ r, s }) => (s.start - r.origin) / unit.size),
      x: segs.map(({ s }) => (s.end - s.start) / unit.size),
      customdata: segs.map(({ s }) => `${hex(s.start)}..${hex(s.end)} (${formatBytes(s.end - s.start)})`),
      textposition: "none",
      marker: { color: colors[cls] ?? hashColor(cls), line: { width: 0 } },
      hovertemplate: `${cls}<br>%{customdata}<extra></extra>`,
    };
  });
  return {
    data,
    layout: baseLayout(title, {
      barmode: "overlay",
      bargap: 0.35,
      // Tall enough for the legend (title + one line per class), which must not scroll.
      height: Math.max(220, 120 + 60 * rows.length, 140 + 20 * (classes.length + 1)),
      xaxis: axis(xTitle, unit.name, { zeroline: true, zerolinecolor: "#444" }),
      yaxis: axis("", undefined, { type: "category", autorange: "reversed", ticks: "" }),
      legend: { title: { text: legendTitle }, traceorder: "normal" },
      margin: { l: 150, r: 20, t: 60, b: 60 },
    }),
  };
}

/**
 * Where each lookup of a sweep ended, along the address axis: one row per sweep, x =
 * address - origin (default origin: the vma's vm_start; `xTitle` names it).
 */
export function lookupStripFigure(
  rows: { name: string; vma: Vma; points: LookupPoint[]; step?: number; origin?: number }[],
  title = "follow_pfnmap_start() outcome by address",
  xTitle = "address - vm_start",
): PlotlyFigure {
  const strip: StripRow[] = rows.map((r) => ({
    name: r.name,
    origin: r.origin ?? r.vma.vmStart,
    segments: lookupSegments(r.points, r.step ?? PAGE_SIZE),
  }));
  return stripFigure(strip, LOOKUP_CAUSE_COLORS, title, xTitle, "cause", LOOKUP_CAUSES);
}

/** Bars of lookups per cause, one bar per group (e.g. per API or per kernel variant). */
export function lookupOutcomeBars(
  groups: { group: string; points: LookupPoint[] }[],
  title = "Lookups by cause",
  groupAxis = "",
): PlotlyFigure {
  const fig = outcomeBars({
    groups: groups.map((g) => ({ group: g.group, counts: countByCause(g.points) as Record<string, number> })),
    title,
    countOf: "lookups",
    groupAxis,
  });
  // Cause colours and the kernel's order instead of outcome classes.
  const rank = (n: unknown) => LOOKUP_CAUSES.indexOf(n as LookupCause);
  fig.data.sort((a, b) => rank(a.name) - rank(b.name));
  for (const t of fig.data)
    (t.marker as Record<string, unknown>).color =
      LOOKUP_CAUSE_COLORS[t.name as LookupCause] ?? hashColor(String(t.name));
  fig.layout.legend = { title: { text: "cause" }, traceorder: "normal" };
  return fig;
}

// ---------------------------------------------------------------------------------
// Populated pages

/** Leaf-level segments of [start, end) in mm, with "none" for unmapped stretches. */
export function leafSegments(mm: Mm, start: number, end: number): StripSegment[] {
  const segs: StripSegment[] = [];
  let cursor = start;
  const push = (s: number, e: number, cls: string) => {
    const last = segs[segs.length - 1];
    if (last && last.cls === cls && last.end === s) last.end = e;
    else segs.push({ start: s, end: e, cls });
  };
  for (const leaf of mappedLeaves(mm, start, end)) {
    const s = Math.max(start, leaf.start);
    const e = Math.min(end, leaf.start + leaf.size);
    if (s > cursor) push(cursor, s, "none");
    push(s, e, leaf.level);
    cursor = e;
  }
  if (cursor < end) push(cursor, end, "none");
  return segs;
}

const LEAF_STRIP_COLORS: Record<string, string> = {
  [LEAF_LEVEL_LABELS.pte]: LEAF_LEVEL_COLORS.pte,
  [LEAF_LEVEL_LABELS.pmd]: LEAF_LEVEL_COLORS.pmd,
  [LEAF_LEVEL_LABELS.pud]: LEAF_LEVEL_COLORS.pud,
  "not mapped": "#d0d0d0",
};

/** Which parts of each vma are mapped, and by which leaf size (one row per vma). */
export function vmaLeafStrip(
  rows: { name: string; vma: Vma }[],
  title = "What the page tables map in each vma",
): PlotlyFigure {
  const label = (cls: string) => (cls === "none" ? "not mapped" : LEAF_LEVEL_LABELS[cls as LeafLevel]);
  const strip: StripRow[] = rows.map((r) => ({
    name: r.name,
    origin: r.vma.vmStart,
    segments: leafSegments(r.vma.mm, r.vma.vmStart, r.vma.vmEnd).map((s) => ({ ...s, cls: label(s.cls) })),
  }));
  return stripFigure(strip, LEAF_STRIP_COLORS, title, "address - vm_start", "leaf", Object.keys(LEAF_STRIP_COLORS));
}

/** Populated leaves and faults after each touch of a sequence. */
export interface TouchSeries {
  name: string;
  /** 0, 1, 2, ... touches so far. */
  touches: number[];
  /** Leaves mapping the vma after that many touches. */
  populated: number[];
  /** Page faults taken so far (a touch of a mapped page takes none). */
  faults: number[];
}

/**
 * Touch `addresses` of `vma` one by one as a CPU would (a load: no fault if a leaf
 * maps the address, else do_user_addr_fault) and count the vma's leaves after each.
 */
export function touchSeries(name: string, vma: Vma, addresses: number[]): TouchSeries {
  const mm = vma.mm;
  const count = () => mappedLeaves(mm, vma.vmStart, vma.vmEnd).length;
  const s: TouchSeries = { name, touches: [0], populated: [count()], faults: [0] };
  let faults = 0;
  addresses.forEach((a, i) => {
    if (!vma.contains(a)) throw new Error(`touchSeries: address ${hex(a)} is not inside ${vma}`);
    if (!lookupLeaf(mm, a).leaf) {
      faults++;
      doUserAddrFault(mm, a);
    }
    s.touches.push(i + 1);
    s.populated.push(count());
    s.faults.push(faults);
  });
  return s;
}

const SERIES_COLORS = ["#9467bd", "#1f77b4", "#2ca02c", "#d62728", "#8c564b"];

/** Populated leaves (solid) and faults taken (dotted) vs touches, one colour per series. */
export function touchFigure(series: TouchSeries[], title = "Pages appear when touched"): PlotlyFigure {
  const data: PlotlyTrace[] = [];
  series.forEach((s, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${s.name}: populated leaves`,
      x: s.touches,
      y: s.populated,
      line: { color, width: 3, shape: "hv" },
    });
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${s.name}: faults taken`,
      x: s.touches,
      y: s.faults,
      line: { color, width: 1.5, dash: "dot", shape: "hv" },
    });
  });
  return {
    data,
    layout: baseLayout(title, {
      xaxis: axis("touches (loads from random pages of the vma)", "count", { rangemode: "tozero" }),
      yaxis: axis("leaves / faults", "count", { rangemode: "tozero" }),
      // Legend outside the plot area: no curve can pass under it, whatever the parameters.
      width: 900,
    }),
  };
}

// ---------------------------------------------------------------------------------
// Lock scope

/** The lock a successful lookup holds until end(), and how much address space it guards. */
export interface LockScope {
  leaf: LeafLevel;
  lock: string;
  /** Bytes of virtual address space whose entries the same lock protects. */
  bytes: number;
}

/**
 * Bytes guarded by a lookup's lock: a split PTE ptlock covers one PTE table (2 MiB),
 * a split PMD ptlock one PMD table (1 GiB), mm->page_table_lock the whole mm
 * (user space: 128 TiB with 4-level paging).
 */
export function lockScope(leaf: LeafLevel, lockClass: string): LockScope {
  const bytes =
    lockClass === "ptlock (PTE)"
      ? TABLE_SPAN.pte
      : lockClass === "ptlock (PMD)"
        ? TABLE_SPAN.pmd
        : TASK_SIZE + PAGE_SIZE;
  return { leaf, lock: lockClass, bytes };
}

/** Horizontal bars (log scale) of the address space each leaf level's lookup lock guards. */
export function lockScopeFigure(
  rows: LockScope[],
  title = "Address space serialised by the lock held until follow_pfnmap_end()",
): PlotlyFigure {
  checkArray<LockScope>("lockScopeFigure", "rows", rows);
  const y = rows.map((r) => `${LEAF_LEVEL_LABELS[r.leaf]} leaf`);
  const ticks = byteTicks([PMD_SIZE, ...rows.map((r) => r.bytes)]);
  return {
    data: [
      {
        type: "bar",
        orientation: "h",
        name: "lock scope",
        showlegend: false,
        y,
        x: rows.map((r) => r.bytes),
        text: rows.map((r) => `${r.lock}: ${formatBytes(r.bytes)}`),
        textposition: "auto",
        insidetextanchor: "end",
        marker: { color: rows.map((r) => lockClassColor(r.lock)) },
        hovertemplate: "%{y}: %{text}<extra></extra>",
      },
    ],
    layout: baseLayout(title, {
      height: 300,
      margin: { l: 130, r: 40, t: 60, b: 60 },
      xaxis: axis("virtual address space guarded by that one lock", "bytes, log", {
        type: "log",
        tickvals: ticks,
        ticktext: ticks.map(formatBytes),
        range: [Math.log10(ticks[0] / 2), Math.log10(ticks[ticks.length - 1] * 60)],
      }),
      yaxis: axis("", undefined, { type: "category", autorange: "reversed", ticks: "" }),
    }),
  };
}

// ---------------------------------------------------------------------------------
// Model figures with short labels

/**
 * walkDiagram() with the result box saying only the cause (e.g. "-EINVAL: no
 * VM_IO|VM_PFNMAP") instead of the model's full reason, which overflows the box.
 */
export function walkFigure(mm: Mm, address: number, title?: string): PlotlyFigure {
  const fig = walkDiagram(mm, address, title);
  const w = walkData(mm, address);
  if (w.lookup.ret !== 0) {
    const f = w.lookup.failure;
    const cause = f === "noVma" ? "no vma" : lookupCause(f);
    // No lock is held after a failed start(): drop the "lock:" label under the leaf.
    const anns = ((fig.layout.annotations ?? []) as { text?: string }[]).filter(
      (a) => !(typeof a.text === "string" && a.text.startsWith("lock: ")),
    );
    for (const a of anns) {
      if (typeof a.text === "string" && a.text.startsWith("<b>result</b>"))
        a.text = `<b>result</b><br>start() = -EINVAL<br>${cause}`;
    }
    fig.layout.annotations = anns;
  }
  return fig;
}

/** layoutFigure() under the name notebook 01 uses (labels: the course's flags only). */
export function addressSpaceFigure(mm: Mm, title?: string, showFlags = LAYOUT_FLAGS): PlotlyFigure {
  return layoutFigure(mm, title, showFlags);
}
