// NodeAffinity, cases from k/k pkg/scheduler/framework/plugins/nodeaffinity/node_affinity_test.go
// (TestNodeAffinity for Filter/PreFilter, TestNodeAffinityPriority for Score).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { newNodeAffinity } from "../../../src/scheduler/plugins/nodeaffinity";
import { CycleState } from "../../../src/scheduler/framework/interface";
import { fakeHandle, makeNode, makePod, nodeInfos, runFilter, runScore, verdicts } from "./helpers";

const POD = "UnschedulableAndUnresolvable: node(s) didn't match Pod's node affinity/selector";
const req = (...terms: any[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });
const expr = (key: string, operator: string, values?: string[]) => ({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] });

test("Filter (TestNodeAffinity): nodeSelector and required terms", () => {
  const cases: [any, Record<string, string>, string][] = [
    [{}, { foo: "bar" }, "Success"],
    [{ nodeSelector: { foo: "bar" } }, { foo: "bar" }, "Success"],
    [{ nodeSelector: { foo: "bar" } }, { baz: "blah" }, POD],
    [{ affinity: req(expr("foo", "In", ["bar", "value2"])) }, { foo: "bar" }, "Success"],
    [{ affinity: req(expr("kernel-version", "Gt", ["0204"])) }, { "kernel-version": "0206" }, "Success"],
    [{ affinity: req(expr("kernel-version", "Gt", ["0204"])) }, { "kernel-version": "0200" }, POD],
    [{ affinity: req(expr("kernel-version", "Gt", ["abc"])) }, { "kernel-version": "0206" }, POD], // unparsable bound: term matches nothing
    [{ affinity: req(expr("mem-type", "NotIn", ["DDR", "DDR2"])) }, { "mem-type": "DDR3" }, "Success"],
    [{ affinity: req(expr("GPU", "Exists")) }, { GPU: "NVIDIA-GRID-K1" }, "Success"],
    [{ affinity: req(expr("foo", "In", ["value1", "value2"])) }, { foo: "bar" }, POD],
    [{ affinity: req() }, { foo: "bar" }, POD], // empty nodeSelectorTerms matches nothing
    [{ affinity: req({ matchExpressions: [] }) }, { foo: "bar" }, POD], // empty term matches nothing
    [{ affinity: req(expr("foo", "In", ["bar"]), expr("diffkey", "In", ["wrong"])) }, { foo: "bar" }, "Success"], // terms ORed
    [{ affinity: req({ matchExpressions: [{ key: "foo", operator: "In", values: ["bar"] }, { key: "GPU", operator: "Exists" }] }) }, { foo: "bar" }, POD], // ANDed inside
    [{ affinity: req(expr("foo", "In", ["bar"])), nodeSelector: { foo: "bar", baz: "x" } }, { foo: "bar" }, POD], // both must hold
  ];
  for (const [spec, labels, want] of cases) {
    const infos = nodeInfos([makeNode("node1", { labels })]);
    assert.is(verdicts(runFilter(newNodeAffinity(undefined, fakeHandle(infos)), makePod("p", spec), infos)).node1, want, JSON.stringify(spec));
  }
});

test("PreFilter: matchFields metadata.name narrows the node set; conflicting terms reject", () => {
  const h = fakeHandle([]);
  const plugin: any = newNodeAffinity(undefined, h);
  const fields = (...names: string[][]) => req(...names.map((vs) => ({ matchFields: [{ key: "metadata.name", operator: "In", values: vs }] })));
  const r = plugin.preFilter(new CycleState(), makePod("p", { affinity: fields(["node1"], ["node2"]) }), []);
  assert.equal([...r.result.nodeNames].sort(), ["node1", "node2"]);
  const and = req({ matchFields: [{ key: "metadata.name", operator: "In", values: ["node1"] }, { key: "metadata.name", operator: "In", values: ["node2"] }] });
  const c = plugin.preFilter(new CycleState(), makePod("p", { affinity: and }), []);
  assert.is(c.status.code, "UnschedulableAndUnresolvable");
  assert.is(c.status.message(), "pod affinity terms conflict");
  // One term without a name pin: every node stays possible.
  const mixed = plugin.preFilter(new CycleState(), makePod("p", { affinity: req({ matchFields: [{ key: "metadata.name", operator: "In", values: ["node1"] }] }, expr("foo", "Exists")) }), []);
  assert.is(mixed.result, undefined);
  assert.is(plugin.preFilter(new CycleState(), makePod("p"), []).status.code, "Skip");
  // Filter agrees: matchFields on the name.
  const infos = nodeInfos([makeNode("node1"), makeNode("node2")]);
  assert.equal(verdicts(runFilter(plugin, makePod("p", { affinity: fields(["node1"]) }), infos)), { node1: "Success", node2: POD });
});

test("addedAffinity (scheduler-enforced) is checked first", () => {
  const infos = nodeInfos([makeNode("node1", { labels: { zone: "foo" } }), makeNode("node2", { labels: { zone: "bar" } })]);
  const plugin = newNodeAffinity({ addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [expr("zone", "In", ["foo"])] } } }, fakeHandle(infos));
  assert.equal(verdicts(runFilter(plugin, makePod("p"), infos)), { node1: "Success", node2: "UnschedulableAndUnresolvable: node(s) didn't match scheduler-enforced node affinity" });
});

const pref = (...terms: [number, any][]) => ({ nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: terms.map(([weight, preference]) => ({ weight, preference })) } });

test("Score (TestNodeAffinityPriority)", () => {
  const infos = nodeInfos([makeNode("node1", { labels: { foo: "bar" } }), makeNode("node5", { labels: { foo: "bar", key: "value", az: "az1" } }), makeNode("node2", { labels: { key: "value" } })]);
  const all = { matchExpressions: [{ key: "foo", operator: "In", values: ["bar"] }, { key: "key", operator: "In", values: ["value"] }, { key: "az", operator: "In", values: ["az1"] }] };
  const pod = makePod("p", { affinity: pref([2, expr("foo", "In", ["bar"])], [4, expr("key", "In", ["value"])], [5, all]) });
  assert.equal(runScore(newNodeAffinity(undefined, fakeHandle(infos)), pod, infos), { node1: 18, node5: 100, node2: 36 });
  // No match anywhere: all 0.
  const none = makePod("p", { affinity: pref([2, expr("nope", "Exists")]) });
  assert.equal(runScore(newNodeAffinity(undefined, fakeHandle(infos)), none, infos), { node1: 0, node5: 0, node2: 0 });
  // No preferred terms: PreScore skips (-1 in the helper).
  assert.equal(runScore(newNodeAffinity(undefined, fakeHandle(infos)), makePod("p"), infos), { node1: -1, node5: -1, node2: -1 });
});

test("Score with addedAffinity preferred terms (TestNodeAffinityPriority 'added affinity')", () => {
  const infos = nodeInfos([makeNode("node1", { labels: { foo: "bar" } }), makeNode("node2", { labels: { key: "value" } }), makeNode("node3", { labels: { foo: "bar", key: "value", az: "az1" } })]);
  const plugin = newNodeAffinity({ addedAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 3, preference: expr("key", "In", ["value"]) }] } }, fakeHandle(infos));
  const pod = makePod("p", { affinity: pref([2, expr("foo", "In", ["bar"])]) });
  assert.equal(runScore(plugin, pod, infos), { node1: 40, node2: 60, node3: 100 });
});

test.run();
