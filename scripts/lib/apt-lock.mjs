// Set-up installs Debian packages with apt-get, which fails at once while another apt or
// dpkg (unattended-upgrades, a second terminal) holds its lock. Wait for it instead, for
// a bounded time, saying which process holds which lock. Plain Node, Linux /proc only.
import { readFileSync, statSync } from "node:fs";

export const APT_LOCKS = [
  "/var/lib/dpkg/lock-frontend",
  "/var/lib/dpkg/lock",
  "/var/lib/apt/lists/lock",
  "/var/cache/apt/archives/lock",
];

/** Seconds to wait for the apt/dpkg locks: PFNLAB_APT_LOCK_WAIT, default 10 minutes. */
export function aptLockWaitSeconds(env = process.env) {
  const n = Number(env.PFNLAB_APT_LOCK_WAIT ?? 600);
  return Number.isFinite(n) && n >= 0 ? n : 600;
}

/** Linux dev_t as /proc/locks prints it: "major:minor" in hex. */
function devId(dev) {
  const d = BigInt(dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return `${major.toString(16).padStart(2, "0")}:${minor.toString(16).padStart(2, "0")}`;
}

function commandOf(pid) {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8")
      .split("\0")
      .filter(Boolean)
      .join(" ")
      .replace(/\s+/g, " ")
      .trim();
    return cmd.length > 160 ? cmd.slice(0, 157) + "..." : cmd || `pid ${pid}`;
  } catch {
    return `pid ${pid}`;
  }
}

/** The processes holding a lock on any of `files`: [{ file, pid, command }], from /proc/locks. */
export function lockHolders(files = APT_LOCKS, locksText = readFileSync("/proc/locks", "utf8")) {
  const byId = new Map();
  for (const file of files) {
    try {
      const st = statSync(file);
      byId.set(`${devId(st.dev)}:${st.ino}`, file);
    } catch {
      /* no such lock file: nobody holds it */
    }
  }
  const holders = [];
  for (const line of locksText.split("\n")) {
    // "1: POSIX  ADVISORY  WRITE 21622 fe:00:9978496 0 EOF" (lines starting "->" are waiters)
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[1] === "->") continue;
    const file = byId.get(f[5]);
    const pid = Number(f[4]);
    if (file && pid > 0 && !holders.some((h) => h.file === file && h.pid === pid))
      holders.push({ file, pid, command: commandOf(pid) });
  }
  return holders;
}

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Return once no process holds an apt/dpkg lock, logging what it waits for; throw after
 * `timeoutSeconds`, naming the holder. Returns the seconds waited.
 */
export function waitForAptLocks({
  files = APT_LOCKS,
  timeoutSeconds = aptLockWaitSeconds(),
  pollMs = 1000,
  log = () => {},
  sleep = sleepMs,
} = {}) {
  const t0 = Date.now();
  let said = "";
  let lastNote = 0;
  for (;;) {
    const holders = lockHolders(files);
    const waited = (Date.now() - t0) / 1000;
    if (holders.length === 0) {
      if (!said) return 0; // free at the first look: nothing was waited for (no clock reading leaks out)
      log(`the apt/dpkg lock is free (waited ${Math.round(waited)} s)`);
      return waited;
    }
    const what = holders.map((h) => `${h.command} (pid ${h.pid}) holds ${h.file}`).join("; ");
    if (waited >= timeoutSeconds) {
      throw new Error(
        `pfnlab: gave up after ${timeoutSeconds} s waiting for another apt/dpkg to finish: ${what}.\n` +
          "Let it finish (or stop it), then run again; PFNLAB_APT_LOCK_WAIT=<seconds> waits longer.",
      );
    }
    if (what !== said) {
      log(`waiting for another apt/dpkg to finish before installing (up to ${timeoutSeconds} s): ${what}`);
      said = what;
      lastNote = waited;
    } else if (waited - lastNote >= 30) {
      log(`still waiting for the apt/dpkg lock (${Math.round(waited)} s of ${timeoutSeconds} s): ${what}`);
      lastNote = waited;
    }
    sleep(Math.min(pollMs, Math.max(1, (timeoutSeconds - waited) * 1000)));
  }
}
