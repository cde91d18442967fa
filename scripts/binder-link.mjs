#!/usr/bin/env node
// Prints the project's Binder link; --write-readme puts its badge into README.md.
// The repository comes from package.json "repository", else the git remote "origin".
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binderUrl, configuredRepo, withBadge } from "./lib/binder.mjs";
import { log, root } from "./lib/env.mjs";

try {
  const { repo, from } = configuredRepo(root);
  if (process.argv.includes("--write-readme")) {
    const file = join(root, "README.md");
    writeFileSync(file, withBadge(readFileSync(file, "utf8"), repo));
    log(`README.md badge: ${repo ? binderUrl(repo) : "none yet"} (${from})`);
  }
  if (!repo) throw new Error(`pfnlab: no Binder link: ${from}. Set "repository": "github:OWNER/NAME" in package.json`);
  process.stdout.write(`${binderUrl(repo)}\n`);
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}
