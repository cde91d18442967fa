/**
 * The built-in toy scenarios, registered in the engine's registry (src/sched/scenario-registry.ts,
 * re-exported here). The mm scenarios register themselves in scenarios/mm.
 */
import type { Scenario } from "../sched/scenario";
import { registerScenario } from "../sched/scenario-registry";
import { toyScenarios } from "./toy/index";

export { getScenario, hasScenario, listScenarios, registerScenario } from "../sched/scenario-registry";

for (const s of toyScenarios) registerScenario(s as Scenario);
