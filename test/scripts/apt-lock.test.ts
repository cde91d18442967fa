// Set-up waits for another apt/dpkg instead of failing at once: it names the process
// holding the lock, returns when the lock is released, and gives up after its bound.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM helper of scripts/setup.mjs, no types
import { lockHolders, waitForAptLocks } from "../../scripts/lib/apt-lock.mjs";

const dir = mkdtempSync(join(tmpdir(), "pfnlab-apt-lock-"));
const lock = join(dir, "lock-frontend");
const other = join(dir, "lock");
writeFileSync(lock, "");
writeFileSync(other, "");
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** A process holding a POSIX write lock on `file`, as apt and dpkg do (fcntl); resolves once it holds it. */
function holdLock(file: string, seconds: number): Promise<ChildProcess> {
  const script = join(dir, "pfnlab-test-apt-holder.py");
  writeFileSync(
    script,
    'import fcntl, sys, time\nf = open(sys.argv[1], "w")\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint("locked", flush=True)\ntime.sleep(float(sys.argv[2]))\n',
  );
  const child = spawn("python3", [script, file, String(seconds)], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return new Promise((res, rej) => {
    child.stdout!.on("data", (d) => String(d).includes("locked") && res(child));
    child.on("error", rej);
  });
}

/** Wait while the holder runs, from another process (the wait itself blocks its thread). */
function waitInChild(timeoutSeconds: number): Promise<{ code: number | null; err: string }> {
  const mod = join(__dirname, "..", "..", "scripts", "lib", "apt-lock.mjs");
  const script = `import { waitForAptLocks } from ${JSON.stringify(mod)};
try { waitForAptLocks({ files: ${JSON.stringify([lock, other])}, timeoutSeconds: ${timeoutSeconds}, pollMs: 100, log: (m) => process.stderr.write(m + "\\n") }); }
catch (e) { process.stderr.write(e.message + "\\n"); process.exit(3); }`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  return new Promise((res) => child.on("close", (code) => res({ code, err })));
}

describe("waiting for the apt/dpkg lock", () => {
  it("names no holder when the lock files are free or absent", () => {
    expect(lockHolders([lock, other, join(dir, "absent")])).toEqual([]);
    expect(waitForAptLocks({ files: [lock, other], timeoutSeconds: 0 })).toBe(0);
  });

  it("names the process and the lock file it holds", async () => {
    const holder = await holdLock(lock, 30);
    try {
      const h = lockHolders([lock, other]);
      expect(h).toHaveLength(1);
      expect(h[0]).toMatchObject({ file: lock, pid: holder.pid });
      expect(h[0].command).toContain("pfnlab-test-apt-holder");
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("gives up after its bound, naming what holds the lock", async () => {
    const holder = await holdLock(other, 30);
    try {
      const { code, err } = await waitInChild(1);
      expect(code).toBe(3);
      expect(err).toContain(`waiting for another apt/dpkg to finish before installing (up to 1 s): `);
      expect(err).toMatch(
        new RegExp(
          `gave up after 1 s waiting for another apt/dpkg to finish: .*pfnlab-test-apt-holder\\.py .* \\(pid ${holder.pid}\\) holds ${other}`,
        ),
      );
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("returns once the holder has finished", async () => {
    const holder = await holdLock(lock, 1);
    const { code, err } = await waitInChild(120);
    expect(code).toBe(0);
    expect(err).toContain(`(pid ${holder.pid}) holds ${lock}`);
    expect(err).toMatch(/the apt\/dpkg lock is free \(waited \d+ s\)/);
  });
});
