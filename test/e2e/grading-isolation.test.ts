// Submissions graded side by side cannot hurt each other, and the grading machine's own
// failures never become a student's grade: a submission hoarding processes leaves the
// honest ones beside it full marks (each kernel has its own uid, so its own RLIMIT_NPROC);
// a kernel that dies before any student code ran is retried, reported, never cached,
// and makes `pfnlab grade` exit 1; a submission reaches no network service of the
// machine, finds no copy of its kernel's connection file, and cannot rewrite the hidden
// checks on their way into its kernel nor replace what they call.
import { createServer, type Server } from "node:net";
import { networkInterfaces } from "node:os";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { command as gradeCommand } from "../../src/cli/cmd-grade";
import { runCli } from "../support/cli";
import { GradeCache, findSubmissions, gradeAll, loadSource, type SubmissionGrade } from "../../src/grading";
import { projectRoot, readNotebook, writeNotebook, type Notebook } from "../../src/runner";
import { detectSandboxMode } from "../../src/runner/sandbox";

const mode = detectSandboxMode();
const scratch = join(projectRoot, "test-output", "grading-isolation-e2e");
const exercises = join(projectRoot, "course", "05-exercises.ipynb");
const pages = join(projectRoot, "test", "fixtures", "grading", "pages.ipynb");

/** `nb` with code cells inserted before its first code cell after the parameters. */
function planted(nb: Notebook, ...sources: string[]): Notebook {
  const copy = JSON.parse(JSON.stringify(nb)) as Notebook;
  const params = copy.cells.findIndex((c) => (c.metadata.tags as string[] | undefined)?.includes("parameters"));
  copy.cells.splice(
    params + 1,
    0,
    ...sources.map((s, i) => ({
      id: `planted-${i}`,
      cell_type: "code" as const,
      source: s,
      metadata: {},
      outputs: [],
      execution_count: null,
    })),
  );
  return copy;
}

function put(dir: string, student: string, nb: Notebook, name: string): void {
  mkdirSync(join(dir, student), { recursive: true });
  writeNotebook(join(dir, student, name), nb);
}

/** Text of every output of a kept (debug) executed notebook. */
function debugText(dir: string, file: string): string {
  return JSON.stringify(readNotebook(join(dir, file)).cells.map((c) => c.outputs ?? []));
}

// Keeps up to 400 `sleep` children alive, spawning every 0.4 s, for 20 s.
const HOARDER = [
  'const cp = require("child_process");',
  "let alive = 0, peak = 0, refused = 0;",
  "setInterval(() => {",
  "  for (let i = 0; i < 40 && alive < 400; i++) {",
  '    const c = cp.spawn("sleep", ["1000"], { stdio: "ignore" });',
  '    c.on("error", () => { refused++; });',
  '    if (c.pid) { alive++; c.on("exit", () => { alive--; }); }',
  "  }",
  "  peak = Math.max(peak, alive);",
  "}, 400);",
  "await new Promise((r) => setTimeout(r, 20000));",
  "console.log(`HOARDER peak ${peak} alive ${alive} refused ${refused}`);",
].join("\n");

describe.skipIf(mode === "none")("grading beside a process-hoarding submission", () => {
  const NAME = "05-exercises.ipynb";
  const subs = join(scratch, "hoard", "subs");
  const debug = join(scratch, "hoard", "debug");
  let grades: Map<string, SubmissionGrade>;

  beforeAll(async () => {
    rmSync(join(scratch, "hoard"), { recursive: true, force: true });
    mkdirSync(debug, { recursive: true });
    const instructor = readNotebook(exercises);
    // Graded first, so its children are alive while the honest kernels start.
    put(subs, "a-hoarder", planted(instructor, HOARDER), NAME);
    for (const s of ["b-honest", "c-honest", "d-honest"]) put(subs, s, instructor, NAME);
    const { submissions } = findSubmissions(subs, [NAME]);
    const results = await gradeAll(submissions, new Map([[NAME, loadSource(exercises, NAME)]]), {
      timeout: 60,
      memoryMiB: 512,
      jobs: 2,
      cache: null,
      debugDir: debug,
    });
    grades = new Map(results.map((g) => [g.student, g]));
    writeFileSync(join(scratch, "hoard", "grades.json"), JSON.stringify(results, null, 1));
  }, 600_000);

  it("the hoarder really held hundreds of processes", () => {
    const m = /HOARDER peak (\d+) alive (\d+) refused (\d+)/.exec(debugText(debug, `a-hoarder-${NAME}`));
    expect(m, "the hoarding cell reported").not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(150);
  });

  it("leaves every honest submission full marks (24/24), graded", () => {
    for (const s of ["b-honest", "c-honest", "d-honest"]) {
      const g = grades.get(s)!;
      expect({ s, status: g.status, total: g.total, max: g.max, problems: g.problems }).toEqual({
        s,
        status: "graded",
        total: 24,
        max: 24,
        problems: [],
      });
    }
  });
});

describe("a kernel that dies before student code ran", () => {
  const NAME = "pages.ipynb";
  const subs = join(scratch, "start", "subs");

  beforeAll(() => {
    rmSync(join(scratch, "start"), { recursive: true, force: true });
    put(subs, "s001", readNotebook(pages), NAME);
  });

  it.skipIf(mode === "none")("is retried, reported as the grading machine's failure and not cached", async () => {
    const cache = join(scratch, "start", "cache-api");
    mkdirSync(cache, { recursive: true });
    const { submissions } = findSubmissions(subs, [NAME]);
    // A 16 MiB heap: tslab dies while loading, before it answers kernel_info.
    const [g] = await gradeAll(submissions, new Map([[NAME, loadSource(pages, NAME)]]), {
      memoryMiB: 16,
      jobs: 1,
      startRetries: 1,
      cache: new GradeCache(cache),
    });
    expect(g!.status).toBe("infrastructure-error");
    expect(g!.total).toBe(0);
    expect(g!.problems.join("\n")).toMatch(/failed 2 time\(s\) before the student's code ran .*did not start/);
    expect((readdirSync(cache, { recursive: true }) as string[]).filter((f) => f.endsWith(".json"))).toEqual([]);
  });

  it("makes pfnlab grade exit 1 naming the submission, with nothing cached", async () => {
    // Without a sandbox the kernel inherits the environment: a preload that does not
    // exist stops node before tslab starts, as a broken machine would.
    const cache = join(scratch, "start", "cache-cli");
    const out = join(scratch, "start", "gradebook.json");
    const saved = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = `--require=${join(scratch, "no-such-preload.js")}`;
    let code: number;
    let err: string;
    try {
      ({ code, err } = await runCli(gradeCommand, [
        subs,
        "--source",
        pages,
        "--sandbox",
        "none",
        "--jobs",
        "1",
        "--cache",
        cache,
        "-o",
        out,
      ]));
    } finally {
      if (saved === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = saved;
    }
    expect(code).toBe(1);
    expect(err).toContain("NOT GRADED: 1 submission(s) (s001/pages.ipynb)");
    const book = JSON.parse(readFileSync(out, "utf8")) as { results: SubmissionGrade[] };
    expect(book.results.map((r) => r.status)).toEqual(["infrastructure-error"]);
    expect(readdirSync(cache).filter((f) => f.endsWith(".json"))).toEqual([]);
  });
});

// Wrong answers, then every way found to make the hidden checks pass anyway: rewrite their
// code as tslab receives it, hand them a fake pfnlab (through __tslab__.require, the
// module cache or the exports), or rewrite the strings they travel in.
const TAMPER_HEADER = [
  'const J = require.cache[Object.keys(require.cache).find((k) => k.endsWith("tslab/dist/jupyter.js"))!]!.exports as any;',
  "const results: string[] = [];",
  'const attempt = (what: string, f: () => boolean) => { try { results.push(what + (f() ? ": TOOK EFFECT" : ": no effect")); } catch (e) { results.push(what + ": refused"); } };',
  'const neuter = (code: string) => String(code).replace(/throw new Error/g, "void ");',
];
const TAMPER_MODULES = [
  ...TAMPER_HEADER,
  "const orig = J.JupyterHandlerImpl.prototype.handleExecute;",
  'attempt("tslab handler", () => { const f = function (this: any, req: any, ...rest: any[]) { req.code = neuter(req.code); return orig.call(this, req, ...rest); }; J.JupyterHandlerImpl.prototype.handleExecute = f; return J.JupyterHandlerImpl.prototype.handleExecute === f; });',
  "const fake = { PAGE_SIZE: 0 };",
  "const realRequire = (globalThis as any).__tslab__.require;",
  'attempt("__tslab__.require", () => { const f = (id: string) => (id === "pfnlab" ? fake : realRequire(id)); (globalThis as any).__tslab__.require = f; return (globalThis as any).__tslab__.require === f; });',
  'attempt("require.cache", () => { const k = require.resolve("pfnlab"); const m = { exports: fake } as any; (require.cache as any)[k] = m; return require.cache[k] === m; });',
  'attempt("pfnlab exports", () => { const m = require.cache[require.resolve("pfnlab")]!; (m as any).exports = fake; return m.exports === fake; });',
  'console.log(results.map((r) => "TAMPER " + r).join("\\n"));',
].join("\n");
const TAMPER_BUILTINS = [
  ...TAMPER_HEADER,
  "const split = String.prototype.split;",
  'attempt("String.prototype.split", () => { const f = function (this: string, ...a: any[]) { return (split as any).apply(neuter(this), a); }; (String.prototype as any).split = f; return (String.prototype as any).split === f; });',
  "const toStr = Buffer.prototype.toString;",
  'attempt("Buffer.prototype.toString", () => { const f = function (this: any, ...a: any[]) { return neuter((toStr as any).apply(this, a)); }; (Buffer.prototype as any).toString = f; return (Buffer.prototype as any).toString === f; });',
  'console.log(results.map((r) => "TAMPER " + r).join("\\n"));',
].join("\n");

describe.skipIf(mode === "none")(
  "a submission's view of the network, of its kernel's connection and of the checks",
  () => {
    const NAME = "pages.ipynb";
    const subs = join(scratch, "net", "subs");
    const debug = join(scratch, "net", "debug");
    let server: Server;
    const received: string[] = [];
    let grade: SubmissionGrade;
    let tamperers: SubmissionGrade[];

    beforeAll(async () => {
      rmSync(join(scratch, "net"), { recursive: true, force: true });
      mkdirSync(debug, { recursive: true });
      server = createServer((sock) => {
        received.push("connection");
        sock.on("data", (d) => received.push(String(d)));
      });
      await new Promise<void>((res) => server.listen(0, "0.0.0.0", res));
      const port = (server.address() as { port: number }).port;
      const external = Object.values(networkInterfaces())
        .flat()
        .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
      const targets = ["127.0.0.1", ...(external ? [external] : [])];
      const probe = [
        'const net = require("net");',
        `for (const host of ${JSON.stringify(targets)}) {`,
        "  await new Promise<void>((res) => {",
        `    const s = net.connect(${port}, host, () => { s.write("planted by a student"); console.log("NET " + host + " CONNECTED"); s.end(); res(); });`,
        '    s.on("error", (e: any) => { console.log("NET " + host + " " + e.code); res(); });',
        "  });",
        "}",
      ].join("\n");
      // Every place a copy of the connection file could be: the kernel's argv, its folder, its fds.
      const reader = [
        'const fs = require("fs");',
        'const argv = fs.readFileSync("/proc/self/cmdline", "utf8").split("\\0");',
        'const files = [argv[argv.indexOf("--config-path") + 1], ...fs.readdirSync(".").map((f: string) => "./" + f), ...fs.readdirSync("/proc/self/fd").map((f: string) => "/proc/self/fd/" + f)];',
        "for (const f of files) {",
        '  try { const t = fs.readFileSync(f, { encoding: "utf8", flag: fs.constants.O_RDONLY | fs.constants.O_NONBLOCK }); console.log("CONN " + f + (t.includes("signature_scheme") ? " HOLDS-THE-KEY" : " no key")); }',
        '  catch (e) { console.log("CONN " + f + " " + (e as any).code); }',
        "}",
      ].join("\n");
      put(subs, "s001", planted(readNotebook(pages), probe, reader), NAME);
      const wrong = JSON.parse(JSON.stringify(readNotebook(pages))) as Notebook;
      wrong.cells.find((c) => c.id === "ex1-answer")!.source = "const answerBytes: number = 1;";
      wrong.cells.find((c) => c.id === "ex2-answer")!.source = "function pfnOf(addr: number): number {\n  return 7;\n}";
      const tamper = (source: string): Notebook => ({
        ...wrong,
        cells: [
          ...wrong.cells,
          { id: "tamper", cell_type: "code", source, metadata: {}, outputs: [], execution_count: null },
        ],
      });
      put(subs, "s002", tamper(TAMPER_MODULES), NAME);
      put(subs, "s003", tamper(TAMPER_BUILTINS), NAME);
      const { submissions } = findSubmissions(subs, [NAME]);
      [grade, ...tamperers] = await gradeAll(submissions, new Map([[NAME, loadSource(pages, NAME)]]), {
        timeout: 20,
        memoryMiB: 256,
        jobs: 2,
        cache: null,
        debugDir: debug,
      });
    }, 300_000);

    afterAll(() => new Promise<void>((res) => server.close(() => res())));

    it("cannot connect to a service of the machine, on loopback or its own address", () => {
      const text = debugText(debug, `s001-${NAME}`);
      expect(text).toMatch(/NET 127\.0\.0\.1 (ECONNREFUSED|ENETUNREACH)/);
      expect(text).not.toContain("CONNECTED");
      expect(received).toEqual([]);
      expect(grade.total).toBe(5); // the probes cost the submission nothing
    });

    it("finds no copy of its connection file (the key that signs Jupyter messages)", () => {
      const text = debugText(debug, `s001-${NAME}`);
      expect(text).toContain("CONN /pfnlab/work/.connection.json ENOENT");
      expect(text).toMatch(/CONN \/proc\/self\/fd\/\d+/);
      expect(text).not.toContain("HOLDS-THE-KEY");
    });

    it("cannot make the hidden checks pass by rewriting them or what they call", () => {
      const said = debugText(debug, `s002-${NAME}`) + debugText(debug, `s003-${NAME}`);
      for (const what of [
        "tslab handler",
        "__tslab__.require",
        "require.cache",
        "pfnlab exports",
        "String.prototype.split",
        "Buffer.prototype.toString",
      ]) {
        expect(said, what).toMatch(new RegExp(`TAMPER ${what.replace(/[.]/g, "\\.")}: (no effect|refused)`));
      }
      for (const t of tamperers) {
        expect({ student: t.student, status: t.status, total: t.total }).toEqual({
          student: t.student,
          status: "graded",
          total: 0,
        });
        expect(t.exercises.find((e) => e.id === "bytes")!.feedback).toContain("answerBytes is 1");
      }
    });
  },
);
