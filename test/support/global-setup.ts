// Before any test file: the same set-up as `npm start` (quick when nothing changed), so
// tests that spawn the built CLI or a kernel see a dist/ built from the current src/.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

export default function setup(): void {
  const root = resolve(__dirname, "..", "..");
  const r = spawnSync(process.execPath, [join(root, "scripts", "setup.mjs")], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`scripts/setup.mjs failed:\n${r.stderr}`);
}
