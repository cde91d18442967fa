/**
 * The release manifest: which student got which parameters. Written by `pfnlab release
 * --roster` next to the student folders, kept by the instructor, read by the grader
 * (which trusts it, never the parameters a submission carries). Do not hand it out:
 * it holds every student's values.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { ParamValue } from "./parameters";
import { projectRoot } from "../runner/execute";

export interface ManifestStudent {
  name: string;
  email?: string;
  seed: string;
  /** Parameter values per notebook file name. */
  params: Record<string, Record<string, ParamValue>>;
}

export interface Manifest {
  kind: "pfnlab-release-manifest";
  formatVersion: 1;
  pfnlabVersion: string;
  /** sha256 of each released source notebook, by file name. */
  notebooks: Record<string, string>;
  students: Record<string, ManifestStudent>;
}

export function pfnlabVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export function writeManifest(path: string, m: Manifest): void {
  writeFileSync(path, JSON.stringify(m, null, 2) + "\n");
}

export function readManifest(path: string): Manifest {
  const m = JSON.parse(readFileSync(path, "utf8")) as Manifest;
  if (m?.kind !== "pfnlab-release-manifest" || typeof m.students !== "object") {
    throw new Error(`readManifest: ${path} is not a pfnlab release manifest (kind ${JSON.stringify(m?.kind)})`);
  }
  return m;
}
