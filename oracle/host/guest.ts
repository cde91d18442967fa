/**
 * The guest's half of the oracle: find the Debian 6.12 kernel and its headers, build the
 * module, the static runner and a busybox initramfs in oracle/.cache/ (git-ignored), boot
 * qemu (TCG, no KVM needed) once and collect the runner's "@o" lines from the serial console.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { dirname, join } from "node:path";

/** The project root: the nearest folder above this file with oracle/module (works from .dist-oracle/ too). */
function projectRoot(): string {
  let d = __dirname;
  while (!existsSync(join(d, "oracle", "module", "pfnoracle.c"))) {
    const up = dirname(d);
    if (up === d) throw new Error(`oracle: no project root above ${__dirname}`);
    d = up;
  }
  return d;
}
export const PROJECT_ROOT = projectRoot();
export const ORACLE_DIR = join(PROJECT_ROOT, "oracle");
export const CACHE_DIR = join(ORACLE_DIR, ".cache");
/** The Debian packages the oracle needs (what .ci/run installs). */
export const DEBIAN_PACKAGES = [
  "qemu-system-x86",
  "linux-headers-6.12-amd64",
  "busybox-static",
  "libc6-dev",
  "gcc",
  "make",
];
/** Physical memory the guest reserves as "device memory": 4 GiB at 4 GiB (pfn 0x100000), 1 GiB aligned. */
export const GUEST_BASE_PFN = 0x100000;
export const GUEST_NR_PAGES = 0x100000;

function which(cmd: string, path = process.env.PATH ?? ""): string | null {
  const r = spawnSync("/bin/sh", ["-c", `command -v ${cmd}`], {
    encoding: "utf8",
    env: { ...process.env, PATH: path },
  });
  return r.status === 0 ? r.stdout.trim() : null;
}

export interface GuestTools {
  kver: string;
  vmlinuz: string;
  headers: string;
  qemu: string;
  busybox: string;
}

/** What is present; `missing` says what is not (and so why the oracle is skipped). `path`: where to look for programs. */
export function findGuestTools(path = process.env.PATH ?? ""): { tools: GuestTools | null; missing: string[] } {
  const missing: string[] = [];
  const qemu = which("qemu-system-x86_64", path);
  if (!qemu) missing.push("qemu-system-x86_64 (Debian package qemu-system-x86)");
  const kvers = existsSync("/lib/modules")
    ? readdirSync("/lib/modules")
        .filter((v) => v.startsWith("6.12.") && existsSync(`/lib/modules/${v}/build/Makefile`))
        .sort()
    : [];
  const kver = kvers[kvers.length - 1];
  if (!kver) missing.push("headers of a 6.12 kernel (Debian package linux-headers-6.12-amd64)");
  const vmlinuz = kver ? `/boot/vmlinuz-${kver}` : "";
  if (kver && !existsSync(vmlinuz)) missing.push(`the kernel image ${vmlinuz} (Debian package linux-image-${kver})`);
  const busybox = existsSync("/bin/busybox") ? "/bin/busybox" : "";
  if (!busybox || !isStatic(busybox)) missing.push("a static busybox (Debian package busybox-static)");
  if (!which("gcc", path)) missing.push("gcc");
  if (!existsSync("/usr/lib/x86_64-linux-gnu/libc.a")) missing.push("static libc (Debian package libc6-dev)");
  if (missing.length) return { tools: null, missing };
  return { tools: { kver, vmlinuz, headers: `/lib/modules/${kver}/build`, qemu: qemu!, busybox }, missing };
}

function isStatic(path: string): boolean {
  const r = spawnSync("ldd", [path], { encoding: "utf8" });
  return r.status !== 0 || /not a dynamic executable|statically linked/.test(r.stdout + r.stderr);
}

function run(cmd: string, args: string[], cwd?: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  if (r.status !== 0)
    throw new Error(
      `oracle build: ${cmd} ${args.join(" ")} failed (${r.status}):\n${(r.stdout + r.stderr).slice(-3000)}`,
    );
}

/** Build the module and the runner (each in a few seconds) into the cache. */
export function buildGuest(t: GuestTools): { ko: string; runner: string } {
  const build = join(CACHE_DIR, "build");
  mkdirSync(build, { recursive: true });
  for (const f of ["pfnoracle.c", "pfnoracle.h", "Kbuild"]) copyFileSync(join(ORACLE_DIR, "module", f), join(build, f));
  run("make", ["-s", "-C", t.headers, `M=${build}`, "modules"]);
  const runner = join(CACHE_DIR, "runner");
  run("gcc", ["-static", "-O2", "-Wall", "-o", runner, join(ORACLE_DIR, "guest", "runner.c")]);
  return { ko: join(build, "pfnoracle.ko"), runner };
}

/** An uncompressed newc initramfs: busybox, /init, the module, the runner, the cases. */
export function buildInitramfs(t: GuestTools, built: { ko: string; runner: string }, cases: string): string {
  const root = join(CACHE_DIR, "root");
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, "bin"), { recursive: true });
  copyFileSync(t.busybox, join(root, "bin", "busybox"));
  chmodSync(join(root, "bin", "busybox"), 0o755);
  copyFileSync(join(ORACLE_DIR, "guest", "init"), join(root, "init"));
  chmodSync(join(root, "init"), 0o755);
  run("strip", ["--strip-debug", "-o", join(root, "pfnoracle.ko"), built.ko]);
  copyFileSync(built.runner, join(root, "runner"));
  chmodSync(join(root, "runner"), 0o755);
  writeFileSync(join(root, "base_pfn"), `0x${GUEST_BASE_PFN.toString(16)}\n`);
  writeFileSync(join(root, "nr_pages"), `0x${GUEST_NR_PAGES.toString(16)}\n`);
  writeFileSync(join(root, "cases.txt"), cases);
  const cpio = join(CACHE_DIR, "initrd.cpio");
  run("sh", ["-c", `cd '${root}' && find . | '${t.busybox}' cpio -o -H newc > '${cpio}' 2>/dev/null`]);
  return cpio;
}

/** Boot once, run every case, return the serial console text. */
export function bootGuest(
  t: GuestTools,
  initrd: string,
  timeoutMs = 15 * 60_000,
): Promise<{ text: string; seconds: number }> {
  const args = [
    "-machine",
    "q35",
    "-accel",
    "tcg",
    "-m",
    "512",
    "-smp",
    "1",
    "-nographic",
    "-no-reboot",
    "-nodefaults",
    "-serial",
    "stdio",
    "-kernel",
    t.vmlinuz,
    "-initrd",
    initrd,
    "-append",
    `console=ttyS0 quiet panic=-1 memmap=${(GUEST_NR_PAGES * 4096) / 2 ** 30}G$${(GUEST_BASE_PFN * 4096) / 2 ** 30}G`,
  ];
  const t0 = Date.now();
  return new Promise((res, rej) => {
    const p = spawn(t.qemu, args, { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    let err = "";
    p.stdout.on("data", (d) => (text += d.toString()));
    p.stderr.on("data", (d) => (err += d.toString()));
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("error", rej);
    p.on("close", (code) => {
      clearTimeout(timer);
      if (!text.includes('@o {"done":true}'))
        return rej(new Error(`qemu ended (${code}) before the runner finished:\n${(text + err).slice(-3000)}`));
      res({ text, seconds: (Date.now() - t0) / 1000 });
    });
  });
}
