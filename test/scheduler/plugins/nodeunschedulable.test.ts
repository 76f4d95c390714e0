// NodeUnschedulable, cases from k/k pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable_test.go.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { newNodeUnschedulable } from "../../../src/scheduler/plugins/nodeunschedulable";
import { makeNode, makePod, nodeInfos, runFilter, verdicts, fakeHandle } from "./helpers";

test("NodeUnschedulable (TestNodeUnschedulable)", () => {
  const cases: [boolean, any[] | undefined, string][] = [
    [true, undefined, "UnschedulableAndUnresolvable: node(s) were unschedulable"],
    [false, undefined, "Success"],
    [true, [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }], "Success"],
    [true, [{ key: "node.kubernetes.io/unschedulable", operator: "Exists" }], "Success"],
    [true, [{ key: "node.kubernetes.io/unschedulable", effect: "NoExecute" }], "UnschedulableAndUnresolvable: node(s) were unschedulable"],
  ];
  for (const [unschedulable, tolerations, want] of cases) {
    const infos = nodeInfos([makeNode("n", { unschedulable })]);
    assert.is(verdicts(runFilter(newNodeUnschedulable(undefined, fakeHandle(infos)), makePod("p", { tolerations }), infos)).n, want, JSON.stringify(tolerations));
  }
});

test.run();
