// DefaultPreemption [k/k pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go,
// framework/preemption/preemption.go; cases in the spirit of default_preemption_test.go
// TestSelectBestCandidate / TestDryRunPreemption]: victims by priority, fewest victims, reprieve,
// preemptionPolicy Never, nominatedNodeName, and end to end the preemptor lands.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { CycleState, Pod } from "../../src/scheduler/framework/interface";
import { DefaultPreemption } from "../../src/scheduler/plugins/defaultpreemption";
import { inTreeRegistry } from "../../src/scheduler/plugins/registry";
import { makeFramework, makeNode, makePod, nodeInfos } from "./framework-helpers";
import { Cluster } from "../../src/cluster/cluster";
import { SharedInformerFactory } from "../../src/client/informer-factory";
import { Scheduler } from "../../src/scheduler/scheduler";
import type { KubeList } from "../../src/apiserver/registry/object";

const PLUGINS = [{ name: "NodeResourcesFit", weight: 1 }, { name: "DefaultPreemption" }];

function preempt(nodes: ReturnType<typeof makeNode>[], pods: Pod[], preemptor: Pod) {
  const infos = nodeInfos(nodes, pods);
  const { fw, snapshot } = makeFramework(PLUGINS, inTreeRegistry, infos, { seed: 3 });
  const state = new CycleState();
  const r = fw.schedulePod(state, preemptor, snapshot);
  assert.ok(r.fitError, "the preemptor must not fit before preemption");
  const pe = fw.plugins.get("DefaultPreemption") as DefaultPreemption;
  const victimsByNode = new Map<string, string[]>();
  const out = pe.findCandidates(state, preemptor, snapshot.list(), r.fitError!.diagnosis.nodeToStatus);
  for (const c of out.candidates) victimsByNode.set(c.node, c.victims.map((v) => v.metadata.name!));
  const best = out.candidates.length ? pe.selectCandidate(out.candidates) : undefined;
  return { victimsByNode, best: best?.node, bestVictims: best?.victims.map((v) => v.metadata.name!), pe, state, fitError: r.fitError!, fw };
}

test("only lower-priority pods are victims; the node needing the lowest-priority victims wins", () => {
  // Each node 4 cpu, full. node-a holds two priority-10 pods, node-b two priority-5 pods.
  const pods = [
    makePod("a1", { cpu: "2", priority: 10, node: "node-a" }),
    makePod("a2", { cpu: "2", priority: 10, node: "node-a" }),
    makePod("b1", { cpu: "2", priority: 5, node: "node-b" }),
    makePod("b2", { cpu: "2", priority: 5, node: "node-b" }),
    makePod("c1", { cpu: "4", priority: 100, node: "node-c" }),
  ];
  const r = preempt([makeNode("node-a"), makeNode("node-b"), makeNode("node-c")], pods, makePod("p", { cpu: "2", priority: 50 }));
  assert.not.ok(r.victimsByNode.has("node-c"), "a higher-priority pod is never a victim");
  assert.is(r.best, "node-b");
  assert.is(r.bestVictims!.length, 1, "reprieve keeps one of the two");
});

test("fewest victims decides when the highest victim priority is equal", () => {
  const pods = [
    makePod("a1", { cpu: "1", priority: 1, node: "node-a" }),
    makePod("a2", { cpu: "1", priority: 1, node: "node-a" }),
    makePod("a3", { cpu: "2", priority: 1, node: "node-a" }),
    makePod("b1", { cpu: "3", priority: 1, node: "node-b" }),
    makePod("b2", { cpu: "1", priority: 1, node: "node-b" }),
  ];
  // Needs 3 cpu: node-a must evict ≥ 2 pods (sum of priorities higher), node-b one (b1).
  const r = preempt([makeNode("node-a"), makeNode("node-b")], pods, makePod("p", { cpu: "3", priority: 10 }));
  assert.is(r.best, "node-b");
  assert.equal(r.bestVictims, ["b1"]);
});

test("reprieve: the more important pods are given back first; only what must go goes", () => {
  const pods = [
    makePod("v-low", { cpu: "1", priority: 1, node: "node-a" }),
    makePod("v-mid", { cpu: "1", priority: 2, node: "node-a" }),
    makePod("v-high", { cpu: "1", priority: 3, node: "node-a" }),
    makePod("keep", { cpu: "1", priority: 100, node: "node-a" }),
  ];
  const r = preempt([makeNode("node-a")], pods, makePod("p", { cpu: "2", priority: 50 }));
  assert.equal(r.victimsByNode.get("node-a"), ["v-mid", "v-low"]);
});

test("nodes rejected as UnschedulableAndUnresolvable are not candidates; the message says so", () => {
  const tainted = makeNode("tainted", "4", "32Gi", "110", { spec: { taints: [{ key: "k", value: "v", effect: "NoSchedule" }] } });
  const infos = nodeInfos([tainted], [makePod("low", { cpu: "4", priority: 0, node: "tainted" })]);
  const { fw, snapshot } = makeFramework([{ name: "TaintToleration", weight: 3 }, ...PLUGINS], inTreeRegistry, infos);
  const state = new CycleState();
  const r = fw.schedulePod(state, makePod("p", { cpu: "1", priority: 10 }), snapshot);
  const pf = fw.runPostFilterPlugins(state, makePod("p", { cpu: "1", priority: 10 }), r.fitError!.diagnosis.nodeToStatus);
  assert.is(pf.status.code, "Unschedulable");
  assert.is(pf.status.message(), "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.");
  assert.is(pf.result?.nominatedNodeName, "");
});

test("preemptionPolicy Never: not eligible", () => {
  const r = preempt([makeNode("node-a")], [makePod("low", { cpu: "4", priority: 0, node: "node-a" })], makePod("p", { cpu: "1", priority: 10, extraSpec: { preemptionPolicy: "Never" } }));
  const pf = r.fw.runPostFilterPlugins(r.state, makePod("p", { cpu: "1", priority: 10, extraSpec: { preemptionPolicy: "Never" } }), r.fitError.diagnosis.nodeToStatus);
  assert.is(pf.status.message(), "preemption: not eligible due to preemptionPolicy=Never.");
  assert.is(pf.result, undefined);
});

test("equal priority: no victims found", () => {
  const r = preempt([makeNode("node-a")], [makePod("same", { cpu: "4", priority: 10, node: "node-a" })], makePod("p", { cpu: "1", priority: 10 }));
  assert.is(r.best, undefined);
  const pf = r.fw.runPostFilterPlugins(r.state, makePod("p", { cpu: "1", priority: 10 }), r.fitError.diagnosis.nodeToStatus);
  assert.is(pf.status.message(), "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.");
});

// ---- end to end on a Cluster ----

test("end to end: the victim is deleted with a Preempted event, the preemptor is nominated and lands", () => {
  const c = new Cluster({ seed: 5 });
  c.apply(`
apiVersion: v1
kind: Node
metadata: {name: node-1, labels: {kubernetes.io/hostname: node-1}}
status: {allocatable: {cpu: "2", memory: 4Gi, pods: "110"}, capacity: {cpu: "2", memory: 4Gi, pods: "110"}}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: low}
value: 10
`);
  const client = c.client("kube-scheduler", c.adminToken);
  const s = new Scheduler({ sim: c.sim, client, informers: new SharedInformerFactory(c.sim, client) });
  s.start();
  c.runFor("2s");
  const podYaml = (name: string, cls: string, cpu: string) => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  priorityClassName: ${cls}
  terminationGracePeriodSeconds: 0
  containers: [{name: app, image: nginx, resources: {requests: {cpu: "${cpu}"}}}]
`;
  c.apply(podYaml("victim", "low", "1500m"));
  c.runFor("2s");
  assert.is((c.get("pods", "victim") as any).spec.nodeName, "node-1");
  const [preemptor] = c.apply(podYaml("preemptor", "high", "1"));
  assert.is((preemptor as any).spec.priority, 1000, "Priority admission resolved the class");
  // First attempt: no fit → preemption nominates node-1 and deletes the victim.
  c.sim.runUntil(() => !!(c.get("pods", "preemptor") as any).status?.nominatedNodeName, "10s");
  assert.is((c.get("pods", "preemptor") as any).status.nominatedNodeName, "node-1");
  c.runFor("5s");
  assert.throws(() => c.get("pods", "victim"), /not found/);
  assert.is((c.get("pods", "preemptor") as any).spec.nodeName, "node-1");
  const evs = ((c.get("events", undefined, "default") as KubeList).items as any[]).map((e) => `${e.reason} ${e.involvedObject.name}: ${e.message}`);
  assert.ok(evs.includes(`Preempted victim: Preempted by pod ${(preemptor as any).metadata.uid} on node node-1`), evs.join("\n"));
  assert.ok(evs.includes("Scheduled preemptor: Successfully assigned default/preemptor to node-1"));
  const row = c.sim.trace.rows({ component: "kube-scheduler", kind: "preemption" })[0];
  assert.equal([row.pod, row.node, row.victims], ["default/preemptor", "node-1", "default/victim"]);
});

test.run();
