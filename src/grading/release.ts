/**
 * Student copies of an instructor notebook: solution regions replaced by stubs, cells
 * tagged `solution` and `hidden-check` removed, outputs and execution counts dropped,
 * cell metadata reduced to tags and `pfnlab` {exercise, points}, notebook metadata to
 * the kernelspec and language info. With a roster, each student's copy carries an
 * `injected-parameters` cell with that student's variant.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { readNotebook, writeNotebook, type Notebook, type NotebookCell } from "../runner/notebook";
import { gradingMeta, hasTag, hiddenChecks, sourceOf, tagsOf, TAGS, toSource } from "./cells";
import { pfnlabVersion, sha256, writeManifest, type Manifest } from "./manifest";
import { findParameters, injectedCell, withInjected, type ParamValue } from "./parameters";
import type { Student } from "./roster";
import { hasSolutionMarkers, stripSolutions } from "./solutions";
import { studentSeed, variantParameters } from "./variants";

export interface StudentCopy {
  notebook: Notebook;
  /** Lines the student must never see: removed solutions and hidden checks. */
  secrets: string[];
  regions: number;
  hiddenChecks: number;
}

const KEPT_TAGS_DROP = new Set<string>([TAGS.solution, TAGS.hidden, TAGS.injected]);

function publicCell(cell: NotebookCell, source: string, i: number): NotebookCell {
  const metadata: NotebookCell["metadata"] = {};
  const tags = tagsOf(cell).filter((t) => !KEPT_TAGS_DROP.has(t));
  if (tags.length) metadata.tags = tags;
  const g = gradingMeta(cell);
  if (g.exercise !== undefined || g.points !== undefined) metadata.pfnlab = { ...g };
  const id = typeof cell.id === "string" && cell.id ? cell.id : `cell-${i}`;
  const out: NotebookCell = { id, cell_type: cell.cell_type, source: toSource(source), metadata };
  if (cell.cell_type === "code") {
    out.outputs = [];
    out.execution_count = null;
  }
  return out;
}

/** The student copy of one instructor notebook (no variant). `name` is for messages. */
export function studentCopy(source: Notebook, name: string): StudentCopy {
  const checks = hiddenChecks(source, name);
  const secrets: string[] = checks.flatMap((c) => c.source.split("\n"));
  let regions = 0;
  const cells: NotebookCell[] = [];
  source.cells.forEach((cell, i) => {
    const text = sourceOf(cell);
    if (hasTag(cell, TAGS.hidden) || hasTag(cell, TAGS.injected)) return;
    if (hasTag(cell, TAGS.solution)) {
      secrets.push(...text.split("\n"));
      return;
    }
    const where = `${name} cell ${i}`;
    if (cell.cell_type === "raw") {
      if (hasSolutionMarkers(text))
        throw new Error(`studentCopy: ${where} is a raw cell with solution markers; use a code or markdown cell`);
      cells.push(publicCell(cell, text, i));
      return;
    }
    const s = stripSolutions(text, cell.cell_type, where);
    regions += s.regions;
    secrets.push(...s.removed);
    cells.push(publicCell(cell, s.text, i));
  });
  const metadata: Notebook["metadata"] = { pfnlab: { released: true, source: name } };
  for (const k of ["kernelspec", "language_info"]) if (k in source.metadata) metadata[k] = source.metadata[k];
  const notebook: Notebook = { cells, metadata, nbformat: 4, nbformat_minor: Math.max(5, source.nbformat_minor ?? 5) };
  assertNoLeak(notebook, secrets, name);
  return { notebook, secrets, regions, hiddenChecks: checks.length };
}

/**
 * Refuse a student copy in which a secret line (of 12+ characters) appears anywhere but
 * in a line the instructor also wrote outside solutions, or that still has markers.
 */
export function assertNoLeak(nb: Notebook, secrets: string[], name: string): void {
  const publicLines = new Set(
    nb.cells.flatMap((c) =>
      sourceOf(c)
        .split("\n")
        .map((l) => l.trim()),
    ),
  );
  const text = JSON.stringify(nb);
  for (const raw of secrets) {
    const line = raw.trim();
    if (line.length < 12 || publicLines.has(line)) continue;
    if (text.includes(JSON.stringify(line).slice(1, -1)))
      throw new Error(`studentCopy: ${name}: the student copy still contains the solution line "${line}"`);
  }
  nb.cells.forEach((c, i) => {
    if (hasSolutionMarkers(sourceOf(c)))
      throw new Error(`studentCopy: ${name} cell ${i} still holds a solution marker`);
  });
}

/** A student's copy with their variant injected after the parameters cell. */
export function variantCopy(
  copy: Notebook,
  name: string,
  student: Student,
  values: Record<string, ParamValue>,
): Notebook {
  const params = findParameters(copy, name);
  if (!params)
    return {
      ...copy,
      metadata: { ...copy.metadata, pfnlab: { ...(copy.metadata.pfnlab as object), student: student.id } },
    };
  const cell = injectedCell(
    params.params,
    values,
    `Your variant (student ${student.id}), injected by pfnlab release: these values replace the defaults above. The grader uses the same values.`,
  );
  const nb = withInjected(copy, cell, params.index);
  return { ...nb, metadata: { ...nb.metadata, pfnlab: { ...(nb.metadata.pfnlab as object), student: student.id } } };
}

/** The instructor notebooks a release or grade source argument names (a file or a folder). */
export function sourceNotebooks(path: string): string[] {
  if (!existsSync(path)) throw new Error(`sourceNotebooks: ${path} does not exist`);
  if (!statSync(path).isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((f) => f.endsWith(".ipynb") && !f.startsWith("."))
    .sort()
    .map((f) => join(path, f));
  if (files.length === 0) throw new Error(`sourceNotebooks: ${path} holds no .ipynb file`);
  return files;
}

export interface ReleaseOptions {
  sources: string[];
  outDir: string;
  roster?: Student[];
  secret?: string | null;
  /** Where the manifest goes (default <outDir>/manifest.json); only with a roster. */
  manifestPath?: string;
}

export interface ReleaseReport {
  files: string[];
  manifest: Manifest | null;
  manifestPath: string | null;
  warnings: string[];
}

/** A path with every existing part resolved (symlinks too), also for a path not made yet. */
function realPathOf(path: string): string {
  const full = resolve(path);
  try {
    return realpathSync(full);
  } catch {
    const parent = dirname(full);
    return parent === full ? full : join(realPathOf(parent), basename(full));
  }
}

/**
 * Release writes student copies over whatever is in the way, so an output that is a
 * source, or a folder holding one, would replace the instructor's notebook with its own
 * student copy (`release nb/05.ipynb -o nb/`). Refuse before anything is written.
 */
export function assertOutputSparesSources(sources: string[], outDir: string, manifestPath?: string): void {
  const out = realPathOf(outDir);
  for (const src of sources) {
    const real = realPathOf(src);
    const rel = relative(out, real);
    if (real === out || (!rel.startsWith(".." + sep) && rel !== ".." && !rel.startsWith(sep))) {
      throw new Error(
        `release: the output folder ${outDir} ${real === out ? "is" : "holds"} the source ${src}: writing there would replace or mix with the instructor's notebook; choose another -o`,
      );
    }
    if (manifestPath && realPathOf(manifestPath) === real)
      throw new Error(`release: the manifest path ${manifestPath} is the source ${src}; choose another --manifest`);
  }
}

/** Write the student notebooks (and, with a roster, each student's variant and the manifest). */
export function release(opts: ReleaseOptions): ReleaseReport {
  assertOutputSparesSources(opts.sources, opts.outDir, opts.manifestPath);
  const copies = opts.sources.map((path) => {
    const name = basename(path);
    return { path, name, copy: studentCopy(readNotebook(path), name), hash: sha256(readFileSync(path)) };
  });
  const names = new Set<string>();
  for (const c of copies) {
    if (names.has(c.name)) throw new Error(`release: two sources are named ${c.name}`);
    names.add(c.name);
  }
  mkdirSync(opts.outDir, { recursive: true });
  const files: string[] = [];
  const warnings: string[] = [];
  if (!opts.roster) {
    for (const c of copies) {
      const out = join(opts.outDir, c.name);
      writeNotebook(out, c.copy.notebook);
      files.push(out);
    }
    return { files, manifest: null, manifestPath: null, warnings };
  }
  if (!opts.secret)
    throw new Error(
      "release: a roster needs a course secret (--secret, --secret-file or PFNLAB_SECRET) to derive each student's seed",
    );
  const manifest: Manifest = {
    kind: "pfnlab-release-manifest",
    formatVersion: 1,
    pfnlabVersion: pfnlabVersion(),
    notebooks: Object.fromEntries(copies.map((c) => [c.name, c.hash])),
    students: {},
  };
  const seenParams = new Map<string, string>();
  const hasVariants = copies.some(
    (c) => findParameters(c.copy.notebook, c.name)?.params.some((p) => p.variant) ?? false,
  );
  for (const student of opts.roster) {
    const seed = studentSeed(opts.secret, student.id);
    const params: Record<string, Record<string, ParamValue>> = {};
    for (const c of copies) {
      const p = findParameters(c.copy.notebook, c.name);
      const values = p ? variantParameters(p.params, seed) : {};
      params[c.name] = values;
      const dir = join(opts.outDir, student.id);
      mkdirSync(dir, { recursive: true });
      const out = join(dir, c.name);
      writeNotebook(out, variantCopy(c.copy.notebook, c.name, student, values));
      files.push(out);
    }
    const key = JSON.stringify(params);
    const twin = seenParams.get(key);
    if (twin !== undefined && hasVariants) {
      warnings.push(`students ${twin} and ${student.id} got the same parameters (widen the @variant ranges)`);
    }
    seenParams.set(key, student.id);
    manifest.students[student.id] = {
      name: student.name,
      ...(student.email ? { email: student.email } : {}),
      seed,
      params,
    };
  }
  const manifestPath = opts.manifestPath ?? join(opts.outDir, "manifest.json");
  writeManifest(manifestPath, manifest);
  return { files, manifest, manifestPath, warnings };
}
