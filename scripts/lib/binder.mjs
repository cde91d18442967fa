// The Binder link of the project: owner/name of its GitHub repository, taken from ONE
// place: package.json's "repository" (the npm field), else the git remote "origin".
// scripts/binder-link.mjs prints it and writes the README's badge from it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { probe } from "./env.mjs";

/** "owner/name" from a GitHub URL or npm shorthand, or null when it names no GitHub repository. */
export function githubRepoFrom(spec) {
  if (typeof spec !== "string") return null;
  const s = spec.trim();
  const patterns = [
    /^(?:git\+)?(?:https?|ssh|git):\/\/(?:[^@/]+@)?github\.com[/:]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/,
    /^git@github\.com:([\w.-]+)\/([\w.-]+?)(?:\.git)?$/,
    /^github:([\w.-]+)\/([\w.-]+?)(?:\.git)?$/,
    /^([\w-]+)\/([\w.-]+)$/, // npm's "owner/name" shorthand means GitHub
  ];
  for (const p of patterns) {
    const m = s.match(p);
    if (m) return `${m[1]}/${m[2]}`;
  }
  return null;
}

/**
 * { repo: "owner/name", from } or { repo: null, from: why not }, for the project at `dir`;
 * `remote: false` reads package.json only (what the committed README must agree with).
 */
export function configuredRepo(dir, { remote: useRemote = true } = {}) {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const field = typeof pkg.repository === "string" ? pkg.repository : pkg.repository?.url;
  if (field) {
    const repo = githubRepoFrom(field);
    if (!repo)
      throw new Error(
        `binder: package.json "repository" is ${JSON.stringify(field)}, which names no GitHub repository`,
      );
    return { repo, from: 'package.json "repository"' };
  }
  if (!useRemote) return { repo: null, from: 'no package.json "repository"' };
  const remote = probe("git", ["-C", dir, "remote", "get-url", "origin"]);
  const repo = githubRepoFrom(remote);
  if (repo) return { repo, from: `git remote origin (${remote})` };
  return {
    repo: null,
    from: remote
      ? `git remote origin ${remote} is not on GitHub`
      : 'no package.json "repository" and no git remote "origin"',
  };
}

/** The mybinder.org URL that opens notebooks/ in JupyterLab. */
export function binderUrl(repo, ref = "HEAD") {
  if (!githubRepoFrom(repo)) throw new Error(`binderUrl: repo ${JSON.stringify(repo)} is not "owner/name"`);
  return `https://mybinder.org/v2/gh/${repo}/${ref}?urlpath=lab/tree/notebooks`;
}

export const BADGE_START = "<!-- binder-badge: written by `node scripts/binder-link.mjs --write-readme` -->";
export const BADGE_END = "<!-- /binder-badge -->";

/** The README lines between the markers, for a repository or for none yet. */
export function badgeBlock(repo) {
  const body = repo
    ? `[![Binder](https://mybinder.org/badge_logo.svg)](${binderUrl(repo)})`
    : '*Binder:* set `"repository"` in package.json (or a GitHub `origin` remote), then run `node scripts/binder-link.mjs --write-readme` to put the badge here.';
  return `${BADGE_START}\n${body}\n${BADGE_END}`;
}

/** README text with its badge block replaced; throws when the markers are missing. */
export function withBadge(readme, repo) {
  const a = readme.indexOf(BADGE_START);
  const b = readme.indexOf(BADGE_END);
  if (a < 0 || b < a) throw new Error("binder: README.md has no binder-badge markers");
  return readme.slice(0, a) + badgeBlock(repo) + readme.slice(b + BADGE_END.length);
}
