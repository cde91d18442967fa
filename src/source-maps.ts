/**
 * Imported first by index.ts: stack traces of the built package point at src/*.ts lines
 * (through the .js.map files beside dist/), so errors and replayed races name the lines
 * of our mirror a student can open. Node maps only modules loaded after this runs.
 */
const p = process as unknown as { setSourceMapsEnabled?: (on: boolean) => void };
p.setSourceMapsEnabled?.(true);
export {};
