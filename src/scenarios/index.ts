/** Scenarios: the Scenario interface, the registry, and the built-in scenarios (toy and mm races). */
export * from "./scenario";
export * from "./registry";
export * from "./toy/index";
export * from "./mm/index";
export * from "./experiments/huge-pfnmaps";
