/**
 * `showStepper(scenario, opts)`: one call in a notebook cell puts an interactive race in
 * the output. The step tree is computed here, in the kernel, with the real model (call
 * sites on, so every task shows the line of our mirror it is at); display/stepper turns
 * it into the page that walks it.
 */
import { showStepperTree, type StepperOutput, stepperOutputOf } from "../display/stepper/index";
import { type StepTreeOptions, stepTree } from "../sched/explore/step-tree";
import type { Scenario } from "../sched/scenario";

/** The stepper's output for a scenario without sending it (tests, export tools). */
export function stepperOutput(scenario: Scenario | string, opts: StepTreeOptions = {}): StepperOutput {
  return stepperOutputOf(stepTree(scenario, opts));
}

/**
 * Shows the stepper of a scenario. Inside a tslab kernel it sends one display_data and
 * returns undefined; elsewhere it returns the output it would send.
 */
export function showStepper(scenario: Scenario | string, opts: StepTreeOptions = {}): StepperOutput | undefined {
  return showStepperTree(stepTree(scenario, opts));
}
