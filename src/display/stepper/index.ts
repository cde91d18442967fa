export { showStepperTree, stepperOutputOf, type StepperOutput } from "./show-stepper";
export { packStepTree, unpackNode, type PackedStepTree } from "./pack";
export { stepperHtml } from "./page";
