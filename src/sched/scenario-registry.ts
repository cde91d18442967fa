/**
 * The scenario registry: names used by `pfnlab explore <name>`, notebooks and the grader.
 * Part of the engine, so `explore("name")` resolves names without importing scenarios/;
 * scenarios/registry.ts adds the built-in ones, other modules add theirs with `registerScenario`.
 */
import type { Scenario } from "./scenario";
import { validateScenario } from "./scenario";

const registry = new Map<string, Scenario>();

/** Add a scenario; a second scenario with the same name is an error. */
export function registerScenario(s: Scenario): void {
  validateScenario(s as Scenario);
  const old = registry.get(s.name);
  if (old && old !== s) throw new Error(`registerScenario: a scenario named '${s.name}' is already registered`);
  registry.set(s.name, s);
}

/** The scenario called `name`, or an error listing the known names. */
export function getScenario(name: string): Scenario {
  if (registry.size === 0)
    throw new Error(`scenario '${name}': no scenario registry loaded (import from "pfnlab" or src/scenarios)`);
  const s = registry.get(name);
  if (!s)
    throw new Error(
      `unknown scenario '${name}' (known: ${listScenarios()
        .map((x) => x.name)
        .join(", ")})`,
    );
  return s;
}

export function hasScenario(name: string): boolean {
  return registry.has(name);
}

/** All registered scenarios, by name. */
export function listScenarios(): Scenario[] {
  return [...registry.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
