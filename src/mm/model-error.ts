/**
 * The model's bad-input error lives in base/model-error.ts (the leaf every layer may
 * import, the scheduler included); mm's files import it through this name.
 */
export * from "../base/model-error";
