// PodTopologySpread, cases from k/k pkg/scheduler/framework/plugins/podtopologyspread/
// filtering_test.go (TestSingleConstraint, TestMultipleConstraints, minDomains and node
// inclusion policy cases) and scoring_test.go (TestPodTopologySpreadScore).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { newPodTopologySpread } from "../../../src/scheduler/plugins/podtopologyspread";
import { CycleState } from "../../../src/scheduler/framework/interface";
import { fakeHandle, makeNode, makePod, nodeInfos, runFilter, runScore, verdicts, type HandleOpts } from "./helpers";

const S = "Success";
const U = "Unschedulable: node(s) didn't match pod topology spread constraints";
const UL = "UnschedulableAndUnresolvable: node(s) didn't match pod topology spread constraints (missing required label)";
const fooExists = { matchExpressions: [{ key: "foo", operator: "Exists" }] };
const tsc = (maxSkew: number, topologyKey: string, when = "DoNotSchedule", extra: any = {}) => ({ maxSkew, topologyKey, whenUnsatisfiable: when, labelSelector: fooExists, ...extra });
const zoneNode = (n: string, zone: string, nodeKey = "node") => makeNode(n, { labels: { zone, [nodeKey]: n } });
const fourNodes = () => [zoneNode("node-a", "zone1"), zoneNode("node-b", "zone1"), zoneNode("node-x", "zone2"), zoneNode("node-y", "zone2")];

/** counts: node → number of pods labeled foo on it. */
function place(counts: Record<string, number>, extra: any = {}) {
  const out: { pod: any; node: string }[] = [];
  for (const [node, n] of Object.entries(counts)) for (let i = 0; i < n; i++) out.push({ pod: makePod(`${node}-${i}`, { labels: { foo: "" }, ...extra }), node });
  return out;
}

function filter(nodes: any[], pods: { pod: any; node: string }[], pod: any, h: HandleOpts = {}) {
  const infos = nodeInfos(nodes, pods);
  return verdicts(runFilter(newPodTopologySpread(undefined, fakeHandle(infos, h)), pod, infos));
}

test("Filter: TestSingleConstraint", () => {
  const incoming = (c: any) => makePod("p", { labels: { foo: "" }, tsc: [c] });
  assert.equal(filter(fourNodes(), place({ "node-a": 2, "node-b": 1, "node-y": 3 }), incoming(tsc(1, "node"))), { "node-a": U, "node-b": U, "node-x": S, "node-y": U }, "2/1/0/3, only node-x fits");
  assert.equal(filter(fourNodes(), place({ "node-a": 2, "node-b": 1, "node-y": 3 }), incoming(tsc(2, "node"))), { "node-a": U, "node-b": S, "node-x": S, "node-y": U }, "maxSkew 2");
  assert.equal(filter(fourNodes(), place({ "node-a": 2, "node-b": 1, "node-y": 3 }), incoming(tsc(1, "zone"))), { "node-a": S, "node-b": S, "node-x": S, "node-y": S }, "3/3 across zones");
  const noZoneB = [zoneNode("node-a", "zone1"), makeNode("node-b", { labels: { zon: "zone1", node: "node-b" } }), zoneNode("node-x", "zone2"), zoneNode("node-y", "zone2")];
  assert.equal(filter(noZoneB, place({ "node-a": 1, "node-b": 1, "node-x": 1, "node-y": 1 }), incoming(tsc(1, "zone"))), { "node-a": S, "node-b": UL, "node-x": U, "node-y": U }, "1/2 due to absence of label 'zone' on node-b");
  // Pods in another namespace do not count.
  const nsPods = [
    { pod: makePod("a1", { ns: "ns1", labels: { foo: "" } }), node: "node-a" },
    { pod: makePod("b1", { ns: "ns2", labels: { foo: "" } }), node: "node-b" },
    { pod: makePod("x1", { labels: { foo: "" } }), node: "node-x" },
    { pod: makePod("y1", { labels: { foo: "" } }), node: "node-y" },
  ];
  assert.equal(filter(fourNodes(), nsPods, incoming(tsc(1, "zone"))), { "node-a": S, "node-b": S, "node-x": U, "node-y": U }, "existing pods in a different namespace do not count");
  // Terminating pods are excluded.
  const ab = [makeNode("node-a", { labels: { node: "node-a" } }), makeNode("node-b", { labels: { node: "node-b" } })];
  const term = [{ pod: makePod("p-a", { labels: { foo: "" }, terminating: true }), node: "node-a" }, { pod: makePod("p-b", { labels: { foo: "" } }), node: "node-b" }];
  assert.equal(filter(ab, term, incoming(tsc(1, "node"))), { "node-a": S, "node-b": U }, "terminating Pods should be excluded");
  // The incoming pod does not match its own selector: no +1.
  assert.equal(filter(fourNodes(), place({ "node-a": 2 }), makePod("p", { labels: { bar: "" }, tsc: [tsc(1, "node")] })), { "node-a": U, "node-b": S, "node-x": S, "node-y": S });
  assert.equal(filter(fourNodes(), place({ "node-a": 1 }), makePod("p", { labels: { bar: "" }, tsc: [tsc(1, "node")] })), { "node-a": S, "node-b": S, "node-x": S, "node-y": S }, "1 + 0 − 0 ≤ 1");
});

test("Filter: minDomains (filtering_test.go 'pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains < minDomains')", () => {
  const abc = ["node-a", "node-b", "node-c"].map((n) => makeNode(n, { labels: { node: n } }));
  const pods = place({ "node-a": 2, "node-b": 2, "node-c": 1 });
  const incoming = (minDomains: number) => makePod("p", { labels: { foo: "" }, tsc: [tsc(2, "node", "DoNotSchedule", { minDomains })] });
  assert.equal(filter(abc, pods, incoming(4)), { "node-a": U, "node-b": U, "node-c": S }, "minDomains 4 > 3 domains ⇒ global min 0");
  assert.equal(filter(abc, pods, incoming(2)), { "node-a": S, "node-b": S, "node-c": S }, "minDomains 2");
});

test("Filter: nodeAffinityPolicy / nodeTaintsPolicy decide which nodes' pods count", () => {
  const nodes = [makeNode("node-a", { labels: { zone: "zone1", node: "node-a", foo: "" } }), makeNode("node-b", { labels: { zone: "zone1", node: "node-b" } }), makeNode("node-x", { labels: { zone: "zone2", node: "node-x", foo: "" } }), makeNode("node-y", { labels: { zone: "zone2", node: "node-y", foo: "" } })];
  const pods = place({ "node-a": 1, "node-b": 2, "node-x": 1 });
  // Honor (default): node-b (not matching the pod's nodeSelector) is not counted, so its 2 pods
  // don't count either (NodeAffinity, not this plugin, is what rejects node-b itself).
  const pod = (policy?: string) => makePod("p", { labels: { foo: "" }, nodeSelector: { foo: "" }, tsc: [tsc(1, "node", "DoNotSchedule", policy ? { nodeAffinityPolicy: policy } : {})] });
  assert.equal(filter(nodes, pods, pod()), { "node-a": U, "node-b": S, "node-x": U, "node-y": S });
  // Ignore: node-b's 2 pods count: 2 + 1 − 0 > 1.
  assert.equal(filter(nodes, pods, pod("Ignore")), { "node-a": U, "node-b": U, "node-x": U, "node-y": S });
  // Taints: with Honor, a tainted node is not a domain, so its 0 pods do not pull the minimum down.
  const tainted = [makeNode("node-a", { labels: { node: "node-a" } }), makeNode("node-b", { labels: { node: "node-b" }, taints: [{ key: "k", value: "v", effect: "NoSchedule" }] })];
  const p2 = place({ "node-a": 1 });
  const withTaints = (policy: string) => makePod("p", { labels: { foo: "" }, tsc: [tsc(1, "node", "DoNotSchedule", { nodeTaintsPolicy: policy })] });
  assert.equal(filter(tainted, p2, withTaints("Ignore")), { "node-a": U, "node-b": S });
  assert.equal(filter(tainted, p2, withTaints("Honor")), { "node-a": S, "node-b": S });
});

test("Filter: matchLabelKeys adds the pod's own label values to the selector", () => {
  const ab = [makeNode("node-a", { labels: { node: "node-a" } }), makeNode("node-b", { labels: { node: "node-b" } })];
  const pods = [{ pod: makePod("old", { labels: { foo: "", rev: "1" } }), node: "node-a" }, { pod: makePod("old2", { labels: { foo: "", rev: "1" } }), node: "node-a" }];
  const pod = (keys?: string[]) => makePod("p", { labels: { foo: "", rev: "2" }, tsc: [tsc(1, "node", "DoNotSchedule", keys ? { matchLabelKeys: keys } : {})] });
  assert.equal(filter(ab, pods, pod()), { "node-a": U, "node-b": S });
  assert.equal(filter(ab, pods, pod(["rev"])), { "node-a": S, "node-b": S }, "rev=1 pods are another revision: not counted");
});

test("PreFilter Skip without DoNotSchedule constraints; AddPod/RemovePod keep counts right for preemption", () => {
  const infos = nodeInfos([makeNode("node-a", { labels: { node: "node-a" } }), makeNode("node-b", { labels: { node: "node-b" } })], place({ "node-a": 1 }));
  const plugin: any = newPodTopologySpread(undefined, fakeHandle(infos));
  assert.is(plugin.preFilter(new CycleState(), makePod("p"), infos).status.code, "Skip");
  const pod = makePod("p", { labels: { foo: "" }, tsc: [tsc(1, "node")] });
  const state = new CycleState();
  plugin.preFilter(state, pod, infos);
  assert.is(plugin.filter(state, pod, infos[0]).code, "Unschedulable");
  const victim = infos[0].pods[0];
  plugin.removePod(state, pod, victim, infos[0]);
  assert.ok(plugin.filter(state, pod, infos[0]).isSuccess(), "without the victim node-a fits");
  const clone = state.clone();
  plugin.addPod(clone, pod, victim, infos[0]);
  assert.is(plugin.filter(clone, pod, infos[0]).code, "Unschedulable", "adding it back");
  assert.ok(plugin.filter(state, pod, infos[0]).isSuccess(), "the clone is independent");
});

// scoring_test.go TestPodTopologySpreadScore: nodes labeled kubernetes.io/hostname (+ zone).
const H = "kubernetes.io/hostname";
const hostNode = (n: string, zone?: string) => makeNode(n, { labels: { [H]: n, ...(zone ? { zone } : {}) } });

function score(nodes: any[], counts: Record<string, number>, pod: any, filteredNames?: string[], h: HandleOpts = {}) {
  const infos = nodeInfos(nodes, place(counts));
  const filtered = filteredNames ? infos.filter((i) => filteredNames.includes(i.name)) : infos;
  return runScore(newPodTopologySpread(undefined, fakeHandle(infos, h)), pod, infos, filtered);
}

test("Score: TestPodTopologySpreadScore", () => {
  const abcd = ["node-a", "node-b", "node-c", "node-d"].map((n) => hostNode(n));
  const anyway = (maxSkew: number, key = H) => makePod("p", { labels: { foo: "" }, tsc: [tsc(maxSkew, key, "ScheduleAnyway")] });
  assert.equal(score(abcd, { "node-a": 2, "node-b": 1, "node-d": 3 }, anyway(1)), { "node-a": 20, "node-b": 60, "node-c": 100, "node-d": 0 }, "one constraint on node, all 4 nodes are candidates");
  assert.equal(score(abcd, { "node-a": 2, "node-b": 1, "node-d": 3 }, anyway(2)), { "node-a": 33, "node-b": 66, "node-c": 100, "node-d": 16 }, "maxSkew 2");
  assert.equal(score(abcd, { "node-a": 4, "node-b": 3, "node-c": 2, "node-d": 1 }, anyway(3)), { "node-a": 44, "node-b": 66, "node-c": 77, "node-d": 100 }, "maxSkew 3");
  const zones = [hostNode("node-a", "zone1"), hostNode("node-b", "zone1"), hostNode("node-x", "zone2"), hostNode("node-y", "zone2")];
  assert.equal(score(zones, { "node-a": 4, "node-b": 2, "node-x": 1, "node-y": 3 }, anyway(1, "zone"), ["node-a", "node-b", "node-x"]), { "node-a": 75, "node-b": 75, "node-x": 100 }, "one constraint on zone, 3 of 4 nodes are candidates");
  const missing = [hostNode("node-a"), makeNode("node-b", { labels: { n: "node-b" } }), hostNode("node-x"), hostNode("node-y")];
  assert.equal(score(missing, { "node-a": 4, "node-b": 2, "node-x": 1, "node-y": 3 }, anyway(1), ["node-a", "node-b", "node-x"]), { "node-a": 16, "node-b": 0, "node-x": 100 }, "one node doesn't match topology key");
});

test("Score: system default constraints apply only when something selects the pod", () => {
  const nodes = ["node-a", "node-b"].map((n) => makeNode(n, { labels: { [H]: n, "topology.kubernetes.io/zone": "z1" } }));
  const pod = makePod("p", { labels: { foo: "" } });
  // Nothing selects it: Skip.
  assert.equal(score(nodes, { "node-a": 2 }, pod), { "node-a": -1, "node-b": -1 });
  // A Service with selector {foo: ""}: hostname maxSkew 3 and zone maxSkew 5 constraints apply.
  const svc: HandleOpts = { selectorsFor: () => [{ matchLabels: { foo: "" } }] };
  const r = score(nodes, { "node-a": 2 }, pod, undefined, svc);
  assert.ok(r["node-b"] === 100 && r["node-a"] < 100, JSON.stringify(r));
});

test("bad args: System defaulting with explicit constraints is invalid", () => {
  assert.throws(() => newPodTopologySpread({ defaultingType: "System", defaultConstraints: [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule" }] }, fakeHandle([])), /defaultingType: Invalid value: "System": when .defaultConstraints are not empty/);
  assert.throws(() => newPodTopologySpread({ defaultingType: "List", defaultConstraints: [{ maxSkew: 0, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule" }] }, fakeHandle([])), /defaultConstraints\[0\]\.maxSkew: Invalid value: 0: not in valid range \(0, inf\)/);
});

test.run();
