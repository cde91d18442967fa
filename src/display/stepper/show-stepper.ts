/**
 * `showStepper(scenario, opts)`: one call in a notebook cell puts an interactive race in
 * the output. The step tree is computed here, in the kernel, with the real model (call
 * sites on, so every task shows the line of our mirror it is at), and sent with the page
 * that walks it (page.ts): nothing runs in the kernel while the student clicks.
 */
import type { Scenario } from "../../sched/scenario";
import { stepTree, type StepTreeOptions } from "../../sched/explore/step-tree";
import { tslabDisplayWriter } from "../tslab-channel";
import { packStepTree, type PackedStepTree } from "./pack";
import { stepperHtml } from "./page";

export interface StepperOutput {
  /** The MIME bundle: text/html (the stepper) and text/plain (what to do without scripts). */
  data: { "text/html": string; "text/plain": string };
  packed: PackedStepTree;
}

let shown = 0;

/** FNV-1a of a string, for element ids that are the same on every re-run of a notebook. */
function fnv(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** The stepper's output without sending it (tests, export tools). */
export function stepperOutput(scenario: Scenario | string, opts: StepTreeOptions = {}): StepperOutput {
  const tree = stepTree(scenario, opts);
  const packed = packStepTree(tree);
  const json = JSON.stringify(packed);
  const id = `pfnlab-stepper-${fnv(json)}-${shown++}`;
  const failing = tree.nodes.filter((n) => n.end?.failed).length;
  const text =
    `Be the scheduler: ${tree.scenario} (${packed.params}), up to ${tree.bound} preemption(s): ` +
    `${tree.nodes.length} states, ${tree.schedules} schedules, ${failing} of them failing.\n` +
    `This output is interactive where scripts run (Jupyter, the exported HTML); in a terminal: npx pfnlab step ${tree.scenario}`;
  return { data: { "text/html": stepperHtml(packed, id), "text/plain": text }, packed };
}

/**
 * Shows the stepper. Inside a tslab kernel it sends one display_data and returns
 * undefined; elsewhere it returns the output it would send.
 */
export function showStepper(scenario: Scenario | string, opts: StepTreeOptions = {}): StepperOutput | undefined {
  const out = stepperOutput(scenario, opts);
  const write = tslabDisplayWriter();
  if (!write) return out;
  write({ data: out.data, metadata: {}, transient: {} }, false);
  return undefined;
}
