/**
 * The grader's first cell, run in the student's kernel before any student code. It holds
 * no secret. It installs `globalThis.__pfnlabGrader` (non-writable, non-configurable),
 * which the hidden checks use to print results signed with HMAC-SHA256 under a key that
 * only the hidden cell itself carries. Everything it needs is captured now, before the
 * student's code can replace it: a pure-JS SHA-256 (no node:crypto, whose prototypes
 * are reachable from student code), Reflect.apply, the stdout object. It also freezes
 * the `vm` entry points tslab compiles cells through, and snapshots the built-ins
 * checks rely on, so that a runtime the student modified is reported ("tampered").
 *
 * Then it locks (LOCKDOWN_SOURCE) what a hidden check travels through on its way in and
 * what it calls, because replacing those was enough to pass every check: a student cell
 * could patch tslab's execute handler (via require.cache) to rewrite the checks' code
 * before it ran, or replace an exported pfnlab checker. Locked: the module loader and
 * every loaded module of tslab, zeromq and pfnlab (exports, functions, class
 * prototypes), tslab's `__tslab__` channel, and the built-ins code strings pass
 * through (String, Array, RegExp, JSON, Buffer, typed arrays, Function, Promise, Map,
 * Set); Object.prototype takes no new properties. What stays open is written in
 * docs/instructors.md ("What the sandbox does not cover").
 */
export const RESULT_PREFIX = "PFNLAB-RESULT";

/** Exact SHA-256 round constants and initial hash (cube and square roots of primes). */
function sha256Constants(): { k: number[]; h: number[] } {
  const primes: number[] = [];
  for (let n = 2; primes.length < 64; n++) if (primes.every((p) => n % p !== 0)) primes.push(n);
  const iroot = (x: bigint, r: bigint): bigint => {
    let y = BigInt(Math.floor(Number(x) ** (1 / Number(r))));
    for (;;) {
      // Newton step on integers, then settle to floor.
      const next = ((r - 1n) * y + x / y ** (r - 1n)) / r;
      if (next >= y) break;
      y = next;
    }
    while (y ** r > x) y--;
    while ((y + 1n) ** r <= x) y++;
    return y;
  };
  const mod32 = (v: bigint) => Number(v % 2n ** 32n);
  return {
    k: primes.map((p) => mod32(iroot(BigInt(p) << 96n, 3n))),
    h: primes.slice(0, 8).map((p) => mod32(iroot(BigInt(p) << 64n, 2n))),
  };
}

const C = sha256Constants();

/**
 * `function (keyHex, text, cc, U8, U32) -> hex`: HMAC-SHA256 over typed arrays and
 * operators only; `cc(text, i)` gives a char code (text must be ASCII), U8 and U32 are
 * Uint8Array and Uint32Array, all captured before student code ran. Exported for the
 * unit test, which compares it with node:crypto.
 */
export const HMAC_SOURCE = `function (keyHex, text, cc, U8, U32) {
  var K = new U32([${C.k.join(",")}]);
  var H0 = [${C.h.join(",")}];
  function sha(bytes, n) {
    var total = ((n + 9 + 63) >>> 6) << 6;
    var m = new U8(total);
    for (var i = 0; i < n; i++) m[i] = bytes[i];
    m[n] = 0x80;
    var bits = n * 8;
    m[total - 4] = (bits >>> 24) & 255; m[total - 3] = (bits >>> 16) & 255; m[total - 2] = (bits >>> 8) & 255; m[total - 1] = bits & 255;
    m[total - 5] = ((bits - (bits >>> 0)) / 4294967296) & 255;
    var h = new U32(8); for (var j = 0; j < 8; j++) h[j] = H0[j];
    var w = new U32(64);
    for (var off = 0; off < total; off += 64) {
      for (var t = 0; t < 16; t++) w[t] = (m[off + 4 * t] << 24) | (m[off + 4 * t + 1] << 16) | (m[off + 4 * t + 2] << 8) | m[off + 4 * t + 3];
      for (t = 16; t < 64; t++) {
        var a0 = w[t - 15], a1 = w[t - 2];
        var s0 = ((a0 >>> 7) | (a0 << 25)) ^ ((a0 >>> 18) | (a0 << 14)) ^ (a0 >>> 3);
        var s1 = ((a1 >>> 17) | (a1 << 15)) ^ ((a1 >>> 19) | (a1 << 13)) ^ (a1 >>> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (t = 0; t < 64; t++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var ch = (e & f) ^ (~e & g);
        var t1 = (hh + S1 + ch + K[t] + w[t]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var mj = (a & b) ^ (a & c) ^ (b & c);
        var t2 = (S0 + mj) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }
    var out = new U8(32);
    for (j = 0; j < 8; j++) { out[4 * j] = h[j] >>> 24; out[4 * j + 1] = (h[j] >>> 16) & 255; out[4 * j + 2] = (h[j] >>> 8) & 255; out[4 * j + 3] = h[j] & 255; }
    return out;
  }
  var HEX = "0123456789abcdef";
  function hv(c) { return c <= 57 ? c - 48 : c - 87; }
  var key = new U8(64);
  for (var i = 0; i < keyHex.length / 2 && i < 64; i++) key[i] = hv(cc(keyHex, 2 * i)) * 16 + hv(cc(keyHex, 2 * i + 1));
  var n = text.length;
  var inner = new U8(64 + n);
  for (i = 0; i < 64; i++) inner[i] = key[i] ^ 0x36;
  for (i = 0; i < n; i++) inner[64 + i] = cc(text, i) & 255;
  var ih = sha(inner, 64 + n);
  var outer = new U8(96);
  for (i = 0; i < 64; i++) outer[i] = key[i] ^ 0x5c;
  for (i = 0; i < 32; i++) outer[64 + i] = ih[i];
  var r = sha(outer, 96);
  var s = "";
  for (i = 0; i < 32; i++) s += HEX[r[i] >>> 4] + HEX[r[i] & 15];
  return s;
}`;

/**
 * Statements run inside the prelude's function (with `g` = globalThis, `freeze`,
 * `getDesc`, `defineProperty`, `ownKeys` captured): freeze what hidden checks depend on.
 * Exported for the unit test, which runs it in a child process.
 */
export const LOCKDOWN_SOURCE = `
  const lockFn = (f: any) => { if (typeof f !== "function") return; freeze(f); if (f.prototype && typeof f.prototype === "object") freeze(f.prototype); };
  // Functions and classes a module exports are pinned; its other values stay writable,
  // and so does the one function slot tslab re-assigns for every cell.
  const lockExports = (exp: any) => {
    if (!exp || (typeof exp !== "object" && typeof exp !== "function")) return;
    const keys = ownKeys(exp);
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === "lastWriteDisplayData") continue;
      const d: any = getDesc(exp, keys[i]);
      if (!d || !d.configurable && !d.writable) continue;
      if ("value" in d && typeof d.value !== "function") continue;
      if ("value" in d) lockFn(d.value);
      try { defineProperty(exp, keys[i], "value" in d ? { writable: false, configurable: false } : { configurable: false }); } catch (e) {}
    }
    if (typeof exp === "function") lockFn(exp);
  };
  try { require("pfnlab"); } catch (e) {}
  const Module = require("module");
  const cache = Module._cache;
  const lockedDirs = ["/node_modules/tslab/", "/node_modules/zeromq/"];
  try { const main = require.resolve("pfnlab"); lockedDirs.push(main.slice(0, main.lastIndexOf("/") + 1)); } catch (e) {}
  const files = ownKeys(cache);
  for (let i = 0; i < files.length; i++) {
    const file: any = files[i];
    if (!lockedDirs.some((d) => file.includes(d))) continue;
    const mod = cache[file];
    lockExports(mod && mod.exports);
    try { defineProperty(mod, "exports", { writable: false, configurable: false }); } catch (e) {}
  }
  // The cache itself: no entry replaced or removed (a fake "pfnlab" for the checks' import).
  for (let i = 0; i < files.length; i++) { try { defineProperty(cache, files[i], { writable: false, configurable: false }); } catch (e) {} }
  for (const k of ["_load", "_resolveFilename", "_findPath", "_nodeModulePaths", "createRequire", "_cache", "_extensions"]) {
    try { defineProperty(Module, k, { writable: false, configurable: false }); } catch (e) {}
  }
  try { defineProperty(Module.prototype, "require", { writable: false, configurable: false }); } catch (e) {}
  // tslab runs each cell as (function (exports, require) {...})(__tslab__.exports, __tslab__.require).
  try { freeze(g.__tslab__); defineProperty(g, "__tslab__", { writable: false, configurable: false }); } catch (e) {}
  const TypedArray = Object.getPrototypeOf(Uint8Array);
  const builtins: any[] = [Function.prototype, Array.prototype, Array, String.prototype, String, RegExp.prototype, RegExp, JSON, Reflect, Math,
    Promise.prototype, Promise, Map.prototype, Set.prototype, WeakMap.prototype, WeakSet.prototype, Symbol.prototype, Number.prototype, Boolean.prototype,
    Buffer.prototype, TypedArray.prototype, TypedArray, Uint8Array.prototype, Uint8Array, Uint32Array.prototype, Object];
  for (let i = 0; i < builtins.length; i++) freeze(builtins[i]);
  Object.preventExtensions(Object.prototype);
  const globalNames = ["Object", "Function", "Array", "String", "Number", "Boolean", "Symbol", "RegExp", "JSON", "Reflect", "Math", "Promise", "Map", "Set",
    "WeakMap", "WeakSet", "Buffer", "Uint8Array", "Uint32Array", "TextDecoder", "TextEncoder", "Proxy"];
  for (let i = 0; i < globalNames.length; i++) {
    // Some (Buffer) are accessors: pin their current value as a plain read-only property.
    try { const v = g[globalNames[i]]; defineProperty(g, globalNames[i], { value: v, writable: false, configurable: false }); } catch (e) {}
  }
`;

/** The prelude cell's source. */
export function preludeSource(): string {
  return `// pfnlab grader set-up: runs before your code; holds no answers.
(function () {
  const g: any = globalThis;
  const apply = Reflect.apply, ownKeys = Reflect.ownKeys, getDesc = Object.getOwnPropertyDescriptor;
  const defineProperty = Object.defineProperty, freeze = Object.freeze, same = Object.is;
  const charCodeAt = String.prototype.charCodeAt, fromCharCode = String.fromCharCode;
  const U8 = Uint8Array, U32 = Uint32Array, FunctionCtor = Function;
  const cc = (s: string, i: number): number => apply(charCodeAt, s, [i]);
  const toStr = String, ErrorCtor = Error;
  const stdout = process.stdout;
  const vm = require("vm");
  try { freeze(vm.Script.prototype); } catch (e) {}
  for (const k of ["runInThisContext", "runInContext", "runInNewContext", "Script", "compileFunction", "createContext"]) {
    try { defineProperty(vm, k, { writable: false, configurable: false }); } catch (e) {}
  }
  const hmacRaw = new FunctionCtor("return " + ${JSON.stringify(HMAC_SOURCE)})();
  const HEX = "0123456789abcdef";
  // JSON string literal, ASCII only, built with operators (JSON.stringify calls toJSON hooks).
  const jstr = (text: string): string => {
    let out = '"';
    for (let i = 0; i < text.length; i++) {
      const c = cc(text, i);
      if (c === 34 || c === 92) out += "\\\\" + fromCharCode(c);
      else if (c >= 32 && c < 127) out += fromCharCode(c);
      else out += "\\\\u" + HEX[(c >>> 12) & 15] + HEX[(c >>> 8) & 15] + HEX[(c >>> 4) & 15] + HEX[c & 15];
    }
    return out + '"';
  };
  const watched: [string, any][] = [
    ["Object", Object], ["Object.prototype", Object.prototype], ["Function.prototype", Function.prototype],
    ["Array", Array], ["Array.prototype", Array.prototype], ["String", String], ["String.prototype", String.prototype],
    ["Number", Number], ["Number.prototype", Number.prototype], ["Boolean.prototype", Boolean.prototype],
    ["Promise", Promise], ["Promise.prototype", Promise.prototype], ["Map.prototype", Map.prototype],
    ["Set.prototype", Set.prototype], ["JSON", JSON], ["Math", Math], ["Reflect", Reflect],
    ["Error.prototype", Error.prototype], ["RegExp.prototype", RegExp.prototype],
  ];
  const globals = ["Object", "Function", "Array", "String", "Number", "Boolean", "Promise", "Map", "Set", "JSON", "Math", "Reflect", "Error", "RegExp", "Symbol", "BigInt", "isNaN", "parseInt", "parseFloat", "Uint8Array", "Uint32Array"];
  const snap: [string, any, string | symbol, any, any, any][] = [];
  const counts: [string, any, number][] = [];
  for (const [label, obj] of watched) {
    const keys = ownKeys(obj);
    counts[counts.length] = [label, obj, keys.length];
    for (let i = 0; i < keys.length; i++) {
      const d: any = getDesc(obj, keys[i]);
      if (d) snap[snap.length] = [label, obj, keys[i], d.value, d.get, d.set];
    }
  }
  for (let i = 0; i < globals.length; i++) {
    const d: any = getDesc(g, globals[i]);
    if (d) snap[snap.length] = ["globalThis", g, globals[i], d.value, d.get, d.set];
  }
  const tampered = (): string[] => {
    const out: string[] = [];
    for (let i = 0; i < snap.length; i++) {
      const s = snap[i];
      const d: any = getDesc(s[1], s[2]);
      if (!d || !same(d.value, s[3]) || d.get !== s[4] || d.set !== s[5]) out[out.length] = s[0] + "." + toStr(s[2]);
    }
    for (let i = 0; i < counts.length; i++) {
      if (ownKeys(counts[i][1]).length !== counts[i][2]) out[out.length] = counts[i][0] + " (properties added)";
    }
    return out;
  };
  const api = freeze({
    writer(): any {
      const d: any = getDesc(stdout, "write");
      return d && typeof d.value === "function" ? d.value : null;
    },
    message(e: any): string {
      try {
        const m = toStr(e instanceof ErrorCtor ? e.message : e);
        return m.length > 600 ? m.slice(0, 600) + "..." : m;
      } catch (x) {
        return "the check failed with a value that cannot be printed";
      }
    },
    report(write: any, key: string, nonce: string, exercise: string, ok: boolean, message: string) {
      const t = tampered();
      let ts = "";
      for (let i = 0; i < t.length; i++) ts += (i ? "," : "") + jstr(t[i]);
      const pass = ok === true && t.length === 0;
      const payload = '{"n":' + jstr(nonce) + ',"e":' + jstr(exercise) + ',"ok":' + (pass ? "true" : "false") + ',"m":' + jstr(toStr(message)) + ',"t":[' + ts + "]}";
      const line = "\\n${RESULT_PREFIX} " + payload + " " + hmacRaw(key, payload, cc, U8, U32) + "\\n";
      if (write) apply(write, stdout, [line]);
    },
  });
  defineProperty(g, "__pfnlabGrader", { value: api, writable: false, configurable: false, enumerable: false });
  // Lockdown: after the snapshot above, which compares values, not writability.${LOCKDOWN_SOURCE}
})();
`;
}
