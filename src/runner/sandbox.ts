/**
 * A kernelspec that runs tslab in a sandbox, for code we do not trust (students'
 * submissions). What the kernel sees:
 *
 * - mode "root" (the grader runs as root and `unshare` works): new mount and pid
 *   namespaces, a tmpfs as `/` (pivot_root, the old root unmounted) holding read-only
 *   binds of /usr, /etc, the libraries, the project's node_modules, dist and
 *   package.json, a private /tmp and a private working folder /pfnlab/work (tmpfs, size
 *   capped), a fresh /proc that shows only the kernel's own processes. The kernel runs
 *   without capabilities, with no_new_privs, as a uid of its own: SANDBOX_UID_BASE + the
 *   pid of its launcher (unique while the kernel lives, since the launcher waits for it),
 *   so RLIMIT_NPROC counts this kernel's processes and threads only and no submission
 *   can use up another's budget. Nothing else on the machine is visible: not the
 *   instructor's notebook, not other submissions, not the grader's cache. When the
 *   kernel (pid 1 of its namespace) ends, every process it started ends too; when the
 *   executor dies, the kernel is killed (PDEATHSIG).
 * - mode "userns" (not root, unprivileged user namespaces allowed): the same view of the
 *   file system inside a user namespace of its own; the kernel keeps the caller's uid,
 *   and RLIMIT_NPROC counts per user namespace (Linux >= 5.14), so per kernel.
 * - mode "none" (neither works): a plain kernel with the caller's rights, working in a
 *   temporary folder. Student code can then read whatever the caller can read: keep
 *   instructor files unreadable to that user, or grade as root or in a container.
 *
 * Network (modes root and userns): the executor runs in a network namespace of its own
 * (`executorPrefix`, loopback only) and starts the kernel there, so the kernel talks to
 * its executor over that namespace's loopback and reaches no service of the machine.
 *
 * The connection file (socket ports and the key that signs Jupyter messages) reaches
 * tslab through a FIFO that is removed once read: the kernel's files hold no copy. The
 * key stays in tslab's memory, and that is harmless: it only signs messages on this
 * kernel's own sockets, in a network namespace no other kernel shares, which the
 * kernel's own code can already write to; grades never rest on it (hidden checks sign
 * their results with one-time keys of their own, see src/grading/hidden.ts).
 *
 * Limits in every mode: RLIMIT_AS (JS heap cap + room for V8's own reservations),
 * V8's --max-old-space-size, RLIMIT_NPROC and RLIMIT_FSIZE.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "./execute";

export type SandboxMode = "root" | "userns" | "none";

export interface SandboxOptions {
  /** A private folder of the caller (mode 0700), removed by the caller afterwards. */
  dir: string;
  /** JS heap cap of the kernel, MiB (default 1024). */
  memoryMiB?: number;
  /** Size of the kernel's working folder and /tmp, MiB (default 64). */
  diskMiB?: number;
  /** Force a mode (default: the strongest that works here). */
  mode?: SandboxMode;
}

export interface Sandbox {
  mode: SandboxMode;
  /** Pass as ExecuteOptions.kernel. */
  kernel: string;
  /** Pass as ExecuteOptions.kernelSpecPath. */
  kernelSpecPath: string[];
  /** Working folder of the kernel, as the kernel sees it. */
  workdir: string;
  /** Run the executor under this command (its own network namespace), or [] (mode "none"). */
  executorPrefix: string[];
}

/** Address space V8 and tslab need beyond the JS heap (1.5 GiB did not start; see docs). */
const BASELINE_AS_MIB = 2048;
/**
 * Mode "root": kernel uids are this + the launcher's pid (pid_max <= 2^22), a range no
 * distribution hands out (systemd leaves 0x70000000-0x7ffdffff unused).
 */
export const SANDBOX_UID_BASE = 0x70000000;
/** Processes and threads of one kernel (tslab alone runs about a dozen threads). */
export const SANDBOX_NPROC = 256;
export const SANDBOX_WORKDIR = "/pfnlab/work";

let detected: SandboxMode | null = null;

/** The strongest sandbox this machine allows (probed once per process). */
export function detectSandboxMode(): SandboxMode {
  if (detected) return detected;
  const isRoot = process.getuid?.() === 0;
  const probe = (args: string[]) => spawnSync("unshare", args, { stdio: "ignore", timeout: 10_000 }).status === 0;
  const inner = [
    "--mount",
    "--pid",
    "--net",
    "--fork",
    "--kill-child",
    "--",
    "sh",
    "-c",
    "mount -t tmpfs tmpfs /mnt 2>/dev/null || mount -t tmpfs tmpfs /tmp",
  ];
  if (isRoot && probe(inner)) detected = "root";
  else if (!isRoot && probe(["--user", "--map-root-user", ...inner])) detected = "userns";
  else detected = "none";
  return detected;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The launcher: runs as the caller, builds the namespace, then execs tslab. */
function launcher(mode: SandboxMode, opts: Required<Omit<SandboxOptions, "mode">>): string {
  const P = projectRoot;
  const heap = opts.memoryMiB;
  const asBytes = (opts.memoryMiB + BASELINE_AS_MIB) * 1024 * 1024;
  const limits = `/usr/bin/prlimit --as=${asBytes} --nproc=${SANDBOX_NPROC} --fsize=${opts.diskMiB * 1024 * 1024} --core=0 --`;
  const node = `${process.execPath} --max-old-space-size=${heap} ${P}/node_modules/tslab/bin/tslab kernel --config-path`;
  if (mode === "none") {
    return `#!/bin/sh\nexec ${limits} ${node} "$1"\n`;
  }
  const R = join(opts.dir, "root");
  const W = SANDBOX_WORKDIR;
  // $2 is the kernel's own uid (mode root), computed by the outer script below.
  const dropUser =
    mode === "root"
      ? `/usr/bin/setpriv --reuid="$2" --regid="$2" --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all --`
      : `/usr/bin/setpriv --no-new-privs --inh-caps=-all --bounding-set=-all --`;
  const owner = mode === "root" ? `,uid=$2,gid=$2` : "";
  const conn = `${W}/.connection.json`;
  const inner = [
    "set -eu",
    // Kept in memory only: the new root gets a FIFO, removed once tslab has read it.
    `CONN=$(cat "$1")`,
    "mount --make-rprivate /",
    `R=${shellQuote(R)}`,
    `mount -t tmpfs -o mode=755,size=16m tmpfs "$R"`,
    `for d in /bin /sbin /lib /lib64 /lib32 /libx32; do`,
    `  if [ -L "$d" ]; then ln -s "$(readlink "$d")" "$R$d"; elif [ -d "$d" ]; then mkdir -p "$R$d"; mount --rbind "$d" "$R$d"; mount -o remount,ro,bind "$R$d"; fi`,
    `done`,
    // The private /tmp first: a project that lives under /tmp (a clone in a temporary
    // folder, as CI may make) is bound into it below, not hidden by it.
    `mkdir -p "$R/tmp"`,
    `mount -t tmpfs -o size=${opts.diskMiB}m,mode=1777,nosuid,nodev tmpfs "$R/tmp"`,
    `for d in /usr /etc ${shellQuote(P + "/node_modules")} ${shellQuote(P + "/dist")} ${shellQuote(process.execPath)} ${shellQuote(P + "/package.json")}; do`,
    `  [ -e "$d" ] || continue`,
    `  [ -e "$R$d" ] && continue`,
    `  if [ -d "$d" ]; then mkdir -p "$R$d"; else mkdir -p "$(dirname "$R$d")"; touch "$R$d"; fi`,
    `  mount --rbind "$d" "$R$d"; mount -o remount,ro,bind "$R$d"`,
    `done`,
    `mkdir -p "$R/dev" "$R/proc" "$R/tmp" "$R${W}"`,
    `for f in null zero full random urandom tty; do [ -e "/dev/$f" ] && touch "$R/dev/$f" && mount --bind "/dev/$f" "$R/dev/$f"; done`,
    `mount -t proc -o nosuid,nodev,noexec proc "$R/proc"`,
    `mount -t tmpfs -o size=${opts.diskMiB}m,mode=700,nosuid,nodev${owner} tmpfs "$R${W}"`,
    `mkfifo -m 600 "$R${conn}"`,
    `ln -s ${shellQuote(P + "/node_modules")} "$R${W}/node_modules"`,
    ...(mode === "root" ? [`chown -h "$2:$2" "$R${conn}" "$R${W}/node_modules"`] : []),
    `mkdir "$R/.old"`,
    `cd "$R"`,
    `pivot_root . .old`,
    `umount -l /.old`,
    `rmdir /.old`,
    `cd ${W}`,
    // Blocks until tslab opens the FIFO (at start-up, before any cell), then removes it.
    `( printf '%s' "$CONN" > ${conn}; rm -f ${conn} ) &`,
    `exec ${dropUser} /usr/bin/env -i HOME=${W} PATH=/usr/bin:/bin LANG=C.UTF-8 ${limits} ${node} ${conn}`,
  ].join("\n");
  const userns = mode === "userns" ? "--user --map-root-user " : "";
  return (
    "#!/bin/sh\n# pfnlab sandboxed tslab kernel (generated by src/runner/sandbox.ts)\n" +
    // This shell's pid stays taken while the kernel lives (exec'd unshare waits for it).
    `U=$((${SANDBOX_UID_BASE} + $$))\n` +
    `exec /usr/bin/setpriv --pdeathsig KILL -- unshare ${userns}--mount --pid --fork --kill-child -- /bin/sh -c ${shellQuote(inner)} sh "$1" "$U"\n`
  );
}

/** Write a kernelspec "pfnlab-sandbox" into opts.dir that starts tslab sandboxed. */
export function createSandbox(opts: SandboxOptions): Sandbox {
  const mode = opts.mode ?? detectSandboxMode();
  const full = { dir: opts.dir, memoryMiB: opts.memoryMiB ?? 1024, diskMiB: opts.diskMiB ?? 64 };
  mkdirSync(join(opts.dir, "root"), { recursive: true });
  const plainWork = join(opts.dir, "work");
  if (mode === "none") {
    mkdirSync(plainWork, { recursive: true });
    symlinkSync(join(projectRoot, "node_modules"), join(plainWork, "node_modules"), "dir");
  }
  const specRoot = join(opts.dir, "kernelspec");
  const specDir = join(specRoot, "kernels", "pfnlab-sandbox");
  mkdirSync(specDir, { recursive: true });
  const script = join(opts.dir, "kernel.sh");
  writeFileSync(script, launcher(mode, full));
  chmodSync(script, 0o700);
  const spec = {
    argv: ["/bin/sh", script, "{connection_file}"],
    display_name: "TypeScript (pfnlab sandbox)",
    language: "typescript",
  };
  writeFileSync(join(specDir, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
  const executorPrefix =
    mode === "root"
      ? ["unshare", "--net", "--"]
      : mode === "userns"
        ? ["unshare", "--user", "--map-root-user", "--net", "--"]
        : [];
  return {
    mode,
    kernel: "pfnlab-sandbox",
    kernelSpecPath: [specRoot],
    workdir: mode === "none" ? plainWork : SANDBOX_WORKDIR,
    executorPrefix,
  };
}
