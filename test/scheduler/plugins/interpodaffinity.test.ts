// InterPodAffinity, cases from k/k pkg/scheduler/framework/plugins/interpodaffinity/
// filtering_test.go (TestRequiredAffinitySingleNode, TestRequiredAffinityMultipleNodes) and
// scoring_test.go (TestPreferredAffinity, TestPreferredAffinityWithHardPodAffinitySymmetricWeight).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { newInterPodAffinity } from "../../../src/scheduler/plugins/interpodaffinity";
import { CycleState } from "../../../src/scheduler/framework/interface";
import { fakeHandle, makeNode, makePod, nodeInfos, runFilter, runScore, verdicts, type HandleOpts } from "./helpers";

const S = "Success";
const AFF = "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules";
const ANTI = "Unschedulable: node(s) didn't match pod anti-affinity rules";
const EXISTING = "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules";
const sel = (key: string, op: string, values?: string[]) => ({ matchExpressions: [{ key, operator: op, ...(values ? { values } : {}) }] });
const term = (labelSelector: any, topologyKey: string, extra: any = {}) => ({ labelSelector, topologyKey, ...extra });
const affinity = (required: any[] = [], anti: any[] = []) => ({
  ...(required.length ? { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: required } } : {}),
  ...(anti.length ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: anti } } : {}),
});
const secScan = sel("service", "In", ["securityscan", "value2"]);

function filter(nodes: any[], pods: { pod: any; node: string }[], pod: any, h: HandleOpts = {}) {
  const infos = nodeInfos(nodes, pods);
  return verdicts(runFilter(newInterPodAffinity(undefined, fakeHandle(infos, h)), pod, infos));
}

const node1 = () => makeNode("node1", { labels: { region: "r1", zone: "z11" } });

test("Filter: TestRequiredAffinitySingleNode", () => {
  const existing = (labels: any, aff?: any) => [{ pod: makePod("e", { labels, affinity: aff }), node: "node1" }];
  assert.equal(filter([node1()], [], makePod("p")), { node1: S }, "a pod that has no required pod affinity scheduling rules can schedule onto a node with no existing pods");
  assert.equal(filter([node1()], existing({ service: "securityscan" }), makePod("p", { labels: { security: "S1" }, affinity: affinity([term(secScan, "region")]) })), { node1: S }, "satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In operator");
  assert.equal(filter([node1()], existing({ service: "securityscan" }), makePod("p", { labels: { security: "S1" }, affinity: affinity([term(sel("service", "NotIn", ["securityscan3", "value3"]), "region")]) })), { node1: S }, "NotIn operator");
  assert.equal(filter([node1()], existing({ service: "securityscan" }), makePod("p", { labels: { security: "S1" }, affinity: affinity([term(secScan, "region", { namespaces: ["DiffNameSpace"] })]) })), { node1: AFF }, "does not satisfy PodAffinity because of diff Namespace");
  assert.equal(filter([node1()], existing({ service: "securityscan" }), makePod("p", { labels: { security: "S1" }, affinity: affinity([term(sel("service", "In", ["antivirusscan", "value2"]), "region")]) })), { node1: AFF }, "unmatching labelSelector with PodAffinity");
  assert.equal(filter([node1()], existing({ service: "securityscan" }), makePod("p", { labels: { security: "S1" }, affinity: affinity([term(secScan, "region")], [term(secScan, "zone")]) })), { node1: ANTI }, "affinity satisfied, anti-affinity not");
  assert.equal(filter([node1()], existing({ service: "securityscan" }, affinity([], [term(secScan, "zone")])), makePod("p", { labels: { service: "securityscan" } })), { node1: EXISTING }, "symmetry: existing pod's anti-affinity rejects the incoming pod");
  assert.equal(filter([node1()], existing({ service: "securityscan" }, affinity([], [term(sel("service", "NotIn", ["securityscan", "value2"]), "zone")])), makePod("p", { labels: { service: "securityscan" } })), { node1: S }, "existing anti-affinity with NotIn does not match");
  // Missing topology key on the node: required affinity fails, anti-affinity is fine.
  assert.equal(filter([makeNode("node1", { labels: { region: "r1" } })], existing({ service: "securityscan" }), makePod("p", { affinity: affinity([term(secScan, "zone")]) })), { node1: AFF }, "node lacks the affinity topology key");
});

test("Filter: the first pod of a self-affine group may start anywhere that has the keys", () => {
  const nodes = [makeNode("node1", { labels: { zone: "z1" } }), makeNode("node2", {})];
  const pod = makePod("p", { labels: { app: "db" }, affinity: affinity([term(sel("app", "In", ["db"]), "zone")]) });
  assert.equal(filter(nodes, [], pod), { node1: S, node2: AFF });
  // Not matching its own terms: no exception.
  const other = makePod("p", { labels: { app: "web" }, affinity: affinity([term(sel("app", "In", ["db"]), "zone")]) });
  assert.equal(filter(nodes, [], other), { node1: AFF, node2: AFF });
});

test("Filter: TestRequiredAffinityMultipleNodes — anti-affinity by zone spans nodes", () => {
  const nodes = [makeNode("nodeA", { labels: { zone: "az1", hostname: "h1" } }), makeNode("nodeB", { labels: { zone: "az1", hostname: "h2" } }), makeNode("nodeC", { labels: { zone: "az2", hostname: "h3" } })];
  const pods = [{ pod: makePod("e", { labels: { foo: "bar" } }), node: "nodeA" }];
  const pod = makePod("p", { labels: { foo: "bar" }, affinity: affinity([], [term(sel("foo", "In", ["bar"]), "zone")]) });
  assert.equal(filter(nodes, pods, pod), { nodeA: ANTI, nodeB: ANTI, nodeC: S });
});

test("Filter: namespaceSelector uses namespace labels; {} matches every namespace", () => {
  const pods = [{ pod: makePod("e", { ns: "team-a", labels: { app: "db" } }), node: "node1" }];
  const h: HandleOpts = { namespaceLabels: { "team-a": { team: "a" }, default: {} } };
  const withNs = (namespaceSelector: any) => makePod("p", { affinity: affinity([], [term(sel("app", "In", ["db"]), "zone", { namespaceSelector })]) });
  assert.equal(filter([node1()], pods, withNs({ matchLabels: { team: "a" } }), h), { node1: ANTI });
  assert.equal(filter([node1()], pods, withNs({ matchLabels: { team: "b" } }), h), { node1: S });
  assert.equal(filter([node1()], pods, withNs({}), h), { node1: ANTI });
  assert.equal(filter([node1()], pods, makePod("p", { affinity: affinity([], [term(sel("app", "In", ["db"]), "zone")]) }), h), { node1: S }, "default: only the pod's own namespace");
});

test("PreFilter Skip, and AddPod/RemovePod for preemption", () => {
  const infos = nodeInfos([node1()], [{ pod: makePod("e", { labels: { app: "db" } }), node: "node1" }]);
  const plugin: any = newInterPodAffinity(undefined, fakeHandle(infos));
  assert.is(plugin.preFilter(new CycleState(), makePod("p"), infos).status.code, "Skip");
  const pod = makePod("p", { affinity: affinity([], [term(sel("app", "In", ["db"]), "zone")]) });
  const state = new CycleState();
  plugin.preFilter(state, pod, infos);
  assert.is(plugin.filter(state, pod, infos[0]).code, "Unschedulable");
  const copy = state.clone();
  plugin.removePod(copy, pod, infos[0].pods[0], infos[0]);
  assert.ok(plugin.filter(copy, pod, infos[0]).isSuccess(), "with the victim gone");
  assert.is(plugin.filter(state, pod, infos[0]).code, "Unschedulable", "original state untouched");
});

const preferred = (aff: [number, any, string][] = [], anti: [number, any, string][] = []) => ({
  ...(aff.length ? { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: aff.map(([weight, s, key]) => ({ weight, podAffinityTerm: term(s, key) })) } } : {}),
  ...(anti.length ? { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: anti.map(([weight, s, key]) => ({ weight, podAffinityTerm: term(s, key) })) } } : {}),
});

function score(nodes: any[], pods: { pod: any; node: string }[], pod: any, args?: any) {
  const infos = nodeInfos(nodes, pods);
  return runScore(newInterPodAffinity(args, fakeHandle(infos)), pod, infos);
}

test("Score: TestPreferredAffinity", () => {
  const S1 = sel("security", "In", ["S1"]);
  const nodes3 = [makeNode("node1", { labels: { region: "China" } }), makeNode("node2", { labels: { region: "India" } }), makeNode("node3", { labels: { az: "az1" } })];
  const p = (n: string, security: string, node: string) => ({ pod: makePod(n, { labels: { security } }), node });
  assert.equal(score(nodes3, [], makePod("p")), { node1: -1, node2: -1, node3: -1 }, "no affinity anywhere: Skip");
  assert.equal(score(nodes3, [p("a", "S1", "node1"), p("b", "S2", "node2"), p("c", "S1", "node3")], makePod("p", { affinity: preferred([[5, S1, "region"]]) })), { node1: 100, node2: 0, node3: 0 }, "affinity matched in the same region");
  const nodes5 = [["node1", "China"], ["node2", "India"], ["node3", "China"], ["node4", "China"], ["node5", "India"]].map(([n, r]) => makeNode(n, { labels: { region: r } }));
  const s2 = [p("a", "S2", "node1"), p("b", "S2", "node1"), p("c", "S2", "node2"), p("d", "S2", "node3"), p("e", "S2", "node4"), p("f", "S2", "node5")];
  assert.equal(score(nodes5, s2, makePod("p", { affinity: preferred([[6, sel("security", "In", ["S2"]), "region"]]) })), { node1: 100, node2: 0, node3: 100, node4: 100, node5: 0 }, "counted per topology domain");
  // Anti-affinity: the region with the matching pod scores lowest.
  assert.equal(score(nodes3.slice(0, 2), [p("a", "S1", "node1")], makePod("p", { affinity: preferred([], [[5, S1, "region"]]) })), { node1: 0, node2: 100 });
});

test("Score: existing pods' required affinity counts with hardPodAffinityWeight (TestPreferredAffinityWithHardPodAffinitySymmetricWeight)", () => {
  const nodes = [makeNode("node1", { labels: { region: "China" } }), makeNode("node2", { labels: { region: "India" } }), makeNode("node3", { labels: { az: "az1" } })];
  const existing = [{ pod: makePod("e", { affinity: affinity([term(sel("service", "In", ["S1"]), "region")]) }), node: "node1" }];
  const pod = makePod("p", { labels: { service: "S1" } });
  assert.equal(score(nodes, existing, pod, { hardPodAffinityWeight: 1 }), { node1: 100, node2: 0, node3: 0 });
  assert.equal(score(nodes, existing, pod, { hardPodAffinityWeight: 0 }), { node1: -1, node2: -1, node3: -1 }, "weight 0: nothing to score");
  assert.throws(() => newInterPodAffinity({ hardPodAffinityWeight: 101 }, fakeHandle([])), /hardPodAffinityWeight: Invalid value: 101: not in valid range \[0, 100\]/);
});

test.run();
