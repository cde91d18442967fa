// The Binder badge: one place says which GitHub repository it opens (package.json
// "repository", else the git remote "origin"), and the README's badge agrees with it.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/runner";
// @ts-expect-error plain ESM helper, no types
import { badgeBlock, binderUrl, configuredRepo, githubRepoFrom, withBadge } from "../../scripts/lib/binder.mjs";

const dirs: string[] = [];
afterEach(() =>
  dirs.splice(0).forEach((d) => {
    rmSync(d, { recursive: true, force: true });
  }),
);

/** A git repository with the project's package.json and README, and optionally an origin. */
function project(pkg: Record<string, unknown>, origin?: string): string {
  const d = mkdtempSync(join(tmpdir(), "pfnlab-badge-"));
  dirs.push(d);
  writeFileSync(join(d, "package.json"), JSON.stringify(pkg));
  cpSync(join(projectRoot, "README.md"), join(d, "README.md"));
  execFileSync("git", ["init", "-q", d]);
  if (origin) execFileSync("git", ["-C", d, "remote", "add", "origin", origin]);
  return d;
}

describe("the Binder badge", () => {
  it("reads owner/name from every GitHub URL form git and npm use, and nothing from other hosts", () => {
    for (const url of [
      "https://github.com/ada/pfnlab.git",
      "https://github.com/ada/pfnlab",
      "git@github.com:ada/pfnlab.git",
      "ssh://git@github.com/ada/pfnlab.git",
      "git+https://github.com/ada/pfnlab.git",
      "github:ada/pfnlab",
      "ada/pfnlab",
    ]) {
      expect(githubRepoFrom(url), url).toBe("ada/pfnlab");
    }
    expect(githubRepoFrom("https://gitlab.com/ada/pfnlab.git")).toBeNull();
    expect(githubRepoFrom("")).toBeNull();
  });

  it('takes package.json "repository" first, then the git remote origin, else says there is none', () => {
    expect(configuredRepo(project({ repository: "github:ada/pfnlab" }, "git@github.com:bob/fork.git")).repo).toBe(
      "ada/pfnlab",
    );
    expect(
      configuredRepo(project({ repository: { type: "git", url: "git+https://github.com/ada/pfnlab.git" } })).repo,
    ).toBe("ada/pfnlab");
    expect(configuredRepo(project({}, "git@github.com:bob/fork.git")).repo).toBe("bob/fork");
    const none = configuredRepo(project({}));
    expect(none.repo).toBeNull();
    expect(none.from).toMatch(/no package.json "repository" and no git remote "origin"/);
    expect(() => configuredRepo(project({ repository: "https://gitlab.com/ada/pfnlab" }))).toThrow(
      /names no GitHub repository/,
    );
  });

  it("binder-link --write-readme puts the link for the configured repository into the README", () => {
    const d = project({ repository: "github:ada/pfnlab" });
    cpSync(join(projectRoot, "scripts"), join(d, "scripts"), { recursive: true });
    const out = execFileSync(process.execPath, [join(d, "scripts", "binder-link.mjs"), "--write-readme"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const url = "https://mybinder.org/v2/gh/ada/pfnlab/HEAD?urlpath=lab/tree/notebooks";
    expect(out.trim()).toBe(url);
    expect(readFileSync(join(d, "README.md"), "utf8")).toContain(
      `[![Binder](https://mybinder.org/badge_logo.svg)](${url})`,
    );
  });

  it('the committed README\'s badge is the one package.json "repository" gives, with no OWNER placeholder', () => {
    const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
    expect(readme).not.toMatch(/OWNER\/pfnlab/);
    // package.json only: a clone's own remote (a fork, a CI checkout) must not change what the README should say.
    const { repo } = configuredRepo(projectRoot, { remote: false });
    expect(withBadge(readme, repo), "run: node scripts/binder-link.mjs --write-readme").toBe(readme);
    expect(readme).toContain(badgeBlock(repo));
    expect(() => binderUrl("not a repo")).toThrow(/is not "owner\/name"/);
  });
});
