export { showStepper, stepperOutput, type StepperOutput } from "./show-stepper";
export { packStepTree, unpackNode, type PackedStepTree } from "./pack";
export { stepperHtml } from "./page";
