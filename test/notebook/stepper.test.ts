/**
 * showStepper(scenario, opts) computes the step tree here (notebook layer) and hands it to
 * display/stepper, which only renders a tree it is given.
 */
import { describe, expect, it } from "vitest";
import "../../src/scenarios/index";
import { packStepTree } from "../../src/display/stepper/pack";
import { stepperOutputOf } from "../../src/display/stepper/show-stepper";
import { stepTree } from "../../src/sched/explore/step-tree";
import { showStepper } from "../../src/index";

const opts = { params: { variant: "v6.12", leaf: "pmd" }, bound: 1 };

describe("showStepper", () => {
  it("outside a tslab kernel returns the stepper of the scenario's step tree, the same as rendering that tree", () => {
    const out = showStepper("follow-vs-zap", opts);
    const tree = stepTree("follow-vs-zap", opts);
    expect(out?.packed).toEqual(packStepTree(tree));
    expect(out?.data["text/plain"]).toBe(stepperOutputOf(tree).data["text/plain"]);
    expect(out?.data["text/plain"]).toContain(`${tree.nodes.length} states, ${tree.schedules} schedules`);
    expect(out?.data["text/html"]).toContain("pfnlab-stepper-");
  });

  it("names the unknown scenario", () => {
    expect(() => showStepper("no-such-scenario")).toThrow(/no-such-scenario/);
  });
});
