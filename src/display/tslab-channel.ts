/**
 * Sending one display_data message with several MIME types from a tslab kernel.
 *
 * tslab's public API (`tslab.display.html(...)`) sends one MIME type per output, so
 * a front end cannot choose between plotly JSON, HTML and PNG. Internally tslab
 * keeps the writer of the cell being executed in the module variable
 * `lastWriteDisplayData` of tslab/dist/jupyter.js (set in handleExecuteImpl, used by
 * public.js's DisplayImpl.raw); it takes `{data, metadata, transient}` and sends it
 * as the content of a display_data message on iopub. We find that module among the
 * modules the kernel process has loaded (not through our own `require`: the kernel
 * may run a tslab other than the one next to pfnlab).
 */
import fs from "node:fs";
import path from "node:path";

/** The content of a Jupyter display_data message. */
export interface DisplayContent {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient: Record<string, unknown>;
}

/** tslab's internal writer: sends one display_data (update=false) message. */
export type DisplayWriter = (content: DisplayContent, update: boolean) => void;

const JUPYTER_MODULE = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

/** True when this process is a tslab kernel (started as `tslab kernel ...`). */
export function inTslabKernel(argv: readonly string[] = process.argv): boolean {
  return /tslab/.test(path.basename(argv[1] ?? "")) && argv.includes("kernel");
}

function tslabVersion(jupyterJs: string): string {
  try {
    const pkg = path.join(path.dirname(jupyterJs), "..", "package.json");
    return (JSON.parse(fs.readFileSync(pkg, "utf8")) as { version?: string }).version ?? "?";
  } catch {
    return "?";
  }
}

/**
 * The writer of the cell now executing, or null when not inside a tslab kernel.
 * Throws, naming the tslab version and what was expected, when inside a kernel whose
 * internals no longer look like tslab 1.0.x.
 */
export function tslabDisplayWriter(
  cache: Record<string, { exports?: unknown } | undefined> = require.cache,
  argv: readonly string[] = process.argv,
): DisplayWriter | null {
  const candidates = Object.keys(cache).filter((k) => JUPYTER_MODULE.test(k));
  for (const file of candidates) {
    const exp = cache[file]?.exports as { lastWriteDisplayData?: unknown } | undefined;
    if (typeof exp?.lastWriteDisplayData === "function") return exp.lastWriteDisplayData as DisplayWriter;
  }
  if (!inTslabKernel(argv)) return null;
  const found = candidates.length
    ? `found ${candidates.map((c) => `${c} (tslab ${tslabVersion(c)})`).join(", ")} but its export lastWriteDisplayData is not a function`
    : "no module tslab/dist/jupyter.js is loaded";
  throw new Error(
    `show: this is a tslab kernel, but tslab's internal display writer was not found: ${found}. ` +
      "pfnlab was written against tslab 1.0.22 internals. Workaround: tslab.display.html(figureBundle(fig)['text/html']).",
  );
}
