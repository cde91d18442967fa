/** The scenario contract lives with the engine that runs it (src/sched/scenario.ts); re-exported here for scenario authors. */
export * from "../sched/scenario";
