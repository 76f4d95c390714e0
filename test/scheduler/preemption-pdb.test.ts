// DefaultPreemption with PodDisruptionBudgets [k/k default_preemption.go SelectVictimsOnNode,
// filterPodsWithPDBViolation; preemption.go pickOneNodeForPreemption criterion 1]: victims
// whose eviction would violate a PDB are reprieved first, and the node with the fewest PDB
// violations wins before any priority criterion. Then end to end: the scheduler's informer
// on poddisruptionbudgets steers a real preemption.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CycleState, Pod } from "../../src/scheduler/framework/interface";
import { DefaultPreemption, filterPodsWithPDBViolation } from "../../src/scheduler/plugins/defaultpreemption";
import { inTreeRegistry } from "../../src/scheduler/plugins/registry";
import { makeFramework, makeNode, makePod, nodeInfos } from "./framework-helpers";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { Cluster } from "../../src/cluster/cluster";
import { SharedInformerFactory } from "../../src/client/informer-factory";
import { Scheduler } from "../../src/scheduler/scheduler";

const PLUGINS = [{ name: "NodeResourcesFit", weight: 1 }, { name: "DefaultPreemption" }];

const pdb = (name: string, app: string, allowed: number, disruptedPods?: Record<string, string>, ns = "default"): KubeObject => ({
  apiVersion: "policy/v1",
  kind: "PodDisruptionBudget",
  metadata: { name, namespace: ns },
  spec: { selector: { matchLabels: { app } } },
  status: { disruptionsAllowed: allowed, ...(disruptedPods ? { disruptedPods } : {}) },
});

function preempt(nodes: ReturnType<typeof makeNode>[], pods: Pod[], preemptor: Pod, pdbs: KubeObject[]) {
  const { fw, snapshot } = makeFramework(PLUGINS, inTreeRegistry, nodeInfos(nodes, pods), { seed: 3, pdbs: () => pdbs });
  const state = new CycleState();
  const r = fw.schedulePod(state, preemptor, snapshot);
  assert.ok(r.fitError, "the preemptor must not fit before preemption");
  const pe = fw.plugins.get("DefaultPreemption") as DefaultPreemption;
  const out = pe.findCandidates(state, preemptor, snapshot.list(), r.fitError!.diagnosis.nodeToStatus);
  const byNode = new Map(out.candidates.map((c) => [c.node, { victims: c.victims.map((v) => v.metadata.name!), violations: c.numPDBViolations }]));
  const best = pe.selectCandidate(out.candidates);
  return { byNode, best: best.node, bestVictims: best.victims.map((v) => v.metadata.name!) };
}

test("filterPodsWithPDBViolation: each PDB's allowance is spent in order; disruptedPods spend nothing; unlabeled and other-namespace pods never violate", () => {
  const pods = [
    makePod("w1", { labels: { app: "web" } }),
    makePod("w2", { labels: { app: "web" } }),
    makePod("w3", { labels: { app: "web" } }),
    makePod("bare"),
    makePod("other", { labels: { app: "web" }, ns: "prod" }),
  ];
  const cases: [string, KubeObject[], string[]][] = [
    ["allowance 1: the second and third violate", [pdb("web", "web", 1)], ["w2", "w3"]],
    ["allowance 3: none", [pdb("web", "web", 3)], []],
    ["allowance 0: every matching pod", [pdb("web", "web", 0)], ["w1", "w2", "w3"]],
    ["w1 already being evicted: it spends nothing", [pdb("web", "web", 1, { w1: "2026-01-01T00:00:00Z" })], ["w3"]],
    ["an empty selector matches nothing", [{ ...pdb("all", "x", 0), spec: { selector: {} } }], []],
  ];
  for (const [name, pdbs, want] of cases) {
    const { violating, nonViolating } = filterPodsWithPDBViolation(pods, pdbs);
    assert.equal(violating.map((p) => p.metadata.name), want, name);
    assert.is(violating.length + nonViolating.length, pods.length, name);
  }
});

test("victims that would violate a PDB are reprieved first", () => {
  // One node, 4 cpu, full: two 2-cpu pods of equal priority. The preemptor needs 2 cpu: one of
  // them must go. Without PDBs the less important (later started) one goes; with a PDB
  // protecting it, the other goes instead and the node has no violation.
  const pods = [
    makePod("keep-me", { cpu: "2", priority: 1, node: "n1", labels: { app: "db" }, created: "2026-01-01T00:00:10Z" }),
    makePod("older", { cpu: "2", priority: 1, node: "n1", labels: { app: "web" }, created: "2026-01-01T00:00:00Z" }),
  ];
  const p = makePod("p", { cpu: "2", priority: 10 });
  let r = preempt([makeNode("n1")], pods, p, []);
  assert.equal(r.byNode.get("n1"), { victims: ["keep-me"], violations: 0 });
  r = preempt([makeNode("n1")], pods, p, [pdb("db", "db", 0)]);
  assert.equal(r.byNode.get("n1"), { victims: ["older"], violations: 0 });
  // Both protected with no allowance: a victim is still needed, one violation counted.
  r = preempt([makeNode("n1")], pods, p, [pdb("db", "db", 0), pdb("web", "web", 0)]);
  assert.equal(r.byNode.get("n1")!.violations, 1);
});

test("the node with fewer PDB violations wins, even over lower-priority victims", () => {
  // node-a's victim has priority 1 (would win on priority) but is protected; node-b's victim
  // has priority 5 and is not.
  const pods = [
    makePod("a1", { cpu: "4", priority: 1, node: "node-a", labels: { app: "db" } }),
    makePod("b1", { cpu: "4", priority: 5, node: "node-b", labels: { app: "web" } }),
  ];
  const p = makePod("p", { cpu: "4", priority: 10 });
  assert.is(preempt([makeNode("node-a"), makeNode("node-b")], pods, p, []).best, "node-a");
  const r = preempt([makeNode("node-a"), makeNode("node-b")], pods, p, [pdb("db", "db", 0)]);
  assert.equal(r.byNode.get("node-a"), { victims: ["a1"], violations: 1 });
  assert.equal(r.byNode.get("node-b"), { victims: ["b1"], violations: 0 });
  assert.is(r.best, "node-b");
  assert.equal(r.bestVictims, ["b1"]);
  // A PDB that still allows the disruption does not count.
  assert.is(preempt([makeNode("node-a"), makeNode("node-b")], pods, p, [pdb("db", "db", 1)]).best, "node-a");
});

test("end to end: the scheduler reads PDBs from the API server and preempts the unprotected pod", () => {
  const c = new Cluster({ seed: 7 });
  for (const n of ["node-a", "node-b"])
    c.apply(`apiVersion: v1
kind: Node
metadata: {name: ${n}}
status:
  allocatable: {cpu: "2", memory: 8Gi, pods: "110"}
  capacity: {cpu: "2", memory: 8Gi, pods: "110"}
  conditions: [{type: Ready, status: "True"}]`);
  c.apply(`apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000`);
  c.apply(`apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: mid}
value: 100`);
  const pod = (name: string, node: string, app: string, prio = "") => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: ${app}}}
spec:
  ${node ? `nodeName: ${node}` : ""}
  ${prio ? `priorityClassName: ${prio}` : ""}
  containers: [{name: c, image: nginx, resources: {requests: {cpu: "2"}}}]`;
  c.apply(pod("db-0", "node-a", "db"));
  // Without the budget db-0 (priority 0) would be the victim over web-0 (priority 100).
  c.apply(pod("web-0", "node-b", "web", "mid"));
  c.apply(`apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db}
spec: {minAvailable: 1, selector: {matchLabels: {app: db}}}`);
  const client = c.client("kube-scheduler", c.adminToken);
  const s = new Scheduler({ sim: c.sim, client, informers: new SharedInformerFactory(c.sim, client) });
  s.start();
  c.runFor("2s");
  c.apply(pod("urgent", "", "urgent", "high"));
  c.runFor("5s");
  const u = c.get("pods", "urgent") as KubeObject;
  // db-0's budget allows nothing (its status is zero: no disruption controller runs here).
  assert.is(u.status.nominatedNodeName, "node-b");
  const names = (c.get("pods") as any).items.map((p: KubeObject) => [p.metadata.name, !!p.metadata.deletionTimestamp]);
  assert.equal(names.find((x: any) => x[0] === "db-0"), ["db-0", false]);
  s.stop?.();
});

test.run();
