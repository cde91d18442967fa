/**
 * A step tree as the interactive stepper: the packed tree and the page that walks it
 * (page.ts), sent as one output; nothing runs in the kernel while the student clicks.
 * The tree is computed by the caller (notebook/stepper.ts `showStepper(scenario, opts)`).
 */
import type { StepTree } from "../../sched/explore/step-tree";
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

/** The stepper's output for a computed step tree, without sending it (tests, export tools). */
export function stepperOutputOf(tree: StepTree): StepperOutput {
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
 * Shows the stepper of a computed step tree. Inside a tslab kernel it sends one
 * display_data and returns undefined; elsewhere it returns the output it would send.
 */
export function showStepperTree(tree: StepTree): StepperOutput | undefined {
  const out = stepperOutputOf(tree);
  const write = tslabDisplayWriter();
  if (!write) return out;
  write({ data: out.data, metadata: {}, transient: {} }, false);
  return undefined;
}
