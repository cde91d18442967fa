/**
 * Per-student variants, as OSTEP's seeded homework does: each student's seed is
 * HMAC-SHA256(course secret, student id), and each parameter with a `@variant` spec
 * gets its value from HMAC-SHA256(seed, parameter name). Deterministic (the same secret
 * and roster give the same notebooks on any machine), independent per parameter
 * (adding a parameter changes no other), and not guessable without the secret.
 *
 * The secret comes from `--secret TEXT`, else `--secret-file PATH`, else the environment
 * variable PFNLAB_SECRET; releasing for a roster without one is an error.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Parameter, ParamValue, VariantSpec } from "./parameters";

export function studentSeed(secret: string, studentId: string): string {
  return createHmac("sha256", secret).update(`pfnlab-seed\0${studentId}`).digest("hex").slice(0, 32);
}

/** A uniform integer in [0, count) derived from (seed, label). */
function draw(seed: string, label: string, count: number): number {
  const digest = createHmac("sha256", seed).update(label).digest("hex");
  return Number(BigInt("0x" + digest) % BigInt(count));
}

export function variantValue(spec: VariantSpec, seed: string, name: string): ParamValue {
  switch (spec.kind) {
    case "int": {
      const count = Math.floor((spec.hi - spec.lo) / spec.step) + 1;
      return spec.lo + draw(seed, name, count) * spec.step;
    }
    case "pick":
      return spec.values[draw(seed, name, spec.values.length)];
    case "bool":
      return draw(seed, name, 2) === 1;
  }
}

/** Every parameter's value for one seed: a variant where the cell says so, else the default. */
export function variantParameters(params: Parameter[], seed: string): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const p of params) out[p.name] = p.variant ? variantValue(p.variant, seed, p.name) : p.value;
  return out;
}

export interface SecretSources {
  secret?: string;
  secretFile?: string;
  env?: NodeJS.ProcessEnv;
}

/** The course secret, from the first source that has one; null when none does. */
export function courseSecret(s: SecretSources): string | null {
  if (s.secret) return s.secret;
  if (s.secretFile) {
    const text = readFileSync(s.secretFile, "utf8").trim();
    if (!text) throw new Error(`courseSecret: ${s.secretFile} is empty`);
    return text;
  }
  const env = (s.env ?? process.env).PFNLAB_SECRET;
  return env?.trim() ? env.trim() : null;
}
