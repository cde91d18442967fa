/** Scenarios: the Scenario interface, the registry, and the built-in scenarios. */
export * from "./scenario";
export * from "./registry";
export * from "./toy/index";
