// TaintToleration, cases from k/k pkg/scheduler/framework/plugins/tainttoleration/taint_toleration_test.go
// (TestTaintTolerationScore, TestTaintTolerationFilter).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { newTaintToleration } from "../../../src/scheduler/plugins/tainttoleration";
import { fakeHandle, makeNode, makePod, nodeInfos, runFilter, runScore, verdicts } from "./helpers";

const taint = (s: string) => {
  const [kv, effect] = s.split(":");
  const [key, value] = kv.split("=");
  return { key, value, effect };
};

test("Score: the more intolerable PreferNoSchedule taints, the lower the score", () => {
  const nodes = [makeNode("nodeA"), makeNode("nodeB", { taints: [taint("cpu-type=arm64:PreferNoSchedule")] }), makeNode("nodeC", { taints: [taint("cpu-type=arm64:PreferNoSchedule"), taint("disk-type=ssd:PreferNoSchedule")] })];
  const infos = nodeInfos(nodes);
  const pod = makePod("p", { tolerations: [{ key: "foo", operator: "Equal", value: "bar", effect: "PreferNoSchedule" }] });
  assert.equal(runScore(newTaintToleration(undefined, fakeHandle(infos)), pod, infos), { nodeA: 100, nodeB: 50, nodeC: 0 });
});

test("Score: tolerated taints do not count; only PreferNoSchedule taints and tolerations matter", () => {
  const nodes = [makeNode("nodeA", { taints: [taint("cpu-type=arm64:PreferNoSchedule")] }), makeNode("nodeB", { taints: [taint("cpu-type=arm64:NoSchedule")] }), makeNode("nodeC", { taints: [taint("cpu-type=arm64:PreferNoSchedule"), taint("disk-type=ssd:PreferNoSchedule")] })];
  const infos = nodeInfos(nodes);
  const tolerating = makePod("p", { tolerations: [{ key: "cpu-type", operator: "Equal", value: "arm64", effect: "PreferNoSchedule" }] });
  assert.equal(runScore(newTaintToleration(undefined, fakeHandle(infos)), tolerating, infos), { nodeA: 100, nodeB: 100, nodeC: 0 });
  const noScheduleOnly = makePod("p", { tolerations: [{ key: "cpu-type", operator: "Equal", value: "arm64", effect: "NoSchedule" }, { key: "disk-type", operator: "Equal", value: "ssd", effect: "NoSchedule" }] });
  assert.equal(runScore(newTaintToleration(undefined, fakeHandle(infos)), noScheduleOnly, infos), { nodeA: 50, nodeB: 100, nodeC: 0 });
});

test("Filter table (TestTaintTolerationFilter)", () => {
  const U = (t: string) => `UnschedulableAndUnresolvable: node(s) had untolerated taint {${t}}`;
  const cases: [any[] | undefined, string, string][] = [
    [undefined, "dedicated=user1:NoSchedule", U("dedicated: user1")],
    [[{ key: "dedicated", value: "user1", effect: "NoSchedule" }], "dedicated=user1:NoSchedule", "Success"],
    [[{ key: "dedicated", operator: "Equal", value: "user2", effect: "NoSchedule" }], "dedicated=user1:NoSchedule", U("dedicated: user1")],
    [[{ key: "foo", operator: "Exists", effect: "NoSchedule" }], "foo=bar:NoSchedule", "Success"],
    [[{ key: "foo", operator: "Equal", value: "bar", effect: "PreferNoSchedule" }], "foo=bar:NoSchedule", U("foo: bar")],
    [[{ key: "foo", operator: "Equal", value: "bar" }], "foo=bar:NoSchedule", "Success"],
    [undefined, "dedicated=user1:PreferNoSchedule", "Success"],
    [undefined, "dedicated=user1:NoExecute", U("dedicated: user1")],
    [[{ operator: "Exists" }], "anything=x:NoExecute", "Success"], // empty key + Exists tolerates everything
    [[{ key: "foo", operator: "Gt", value: "1" }], "foo=2:NoSchedule", U("foo: 2")], // Gt/Lt are not v1.32 operators
  ];
  for (const [tolerations, t, want] of cases) {
    const infos = nodeInfos([makeNode("n", { taints: [taint(t)] })]);
    assert.is(verdicts(runFilter(newTaintToleration(undefined, fakeHandle(infos)), makePod("p", { tolerations }), infos)).n, want, `${JSON.stringify(tolerations)} / ${t}`);
  }
});

test.run();
