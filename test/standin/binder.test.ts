// The stand-in binder: binds pending pods to Ready, untainted nodes, balancing by pod count.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { clusterWithNodes, getPod, pod, rows } from "../controllers/helpers-c";
import { StandInBinder } from "../../src/standin/binder";

function withBinder(seed: number, count: number) {
  const { c, nodes } = clusterWithNodes(seed, { count });
  const binder = new StandInBinder(c.sim, (name) => c.client(name, c.adminToken));
  binder.start();
  c.runFor("3s");
  return { c, nodes, binder };
}

const nodeOf = (c: any, name: string) => getPod(c, name)?.spec.nodeName;

test("pending pods are bound through pods/binding, spread to the node with the fewest pods", () => {
  const { c } = withBinder(21, 3);
  for (let i = 1; i <= 6; i++) c.apply(pod(`p${i}`));
  c.runFor("5s");
  const per = new Map<string, number>();
  for (let i = 1; i <= 6; i++) per.set(nodeOf(c, `p${i}`), (per.get(nodeOf(c, `p${i}`)) ?? 0) + 1);
  assert.equal([...per].sort(), [["node-1", 2], ["node-2", 2], ["node-3", 2]]);
  // Ties go by name: the first pod went to node-1.
  assert.is(nodeOf(c, "p1"), "node-1");
  // The stand-in kubelets run them; the binding set PodScheduled.
  assert.is(getPod(c, "p1")!.status.phase, "Running");
  assert.is(rows(c, "binder-standin", "bound").length, 6);
});

test("tainted and NotReady nodes are skipped unless the pod tolerates the taint", () => {
  const { c, nodes } = withBinder(22, 3);
  c.patch("nodes", "node-1", { spec: { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] } }, "merge");
  nodes.setReady("node-2", false);
  c.runFor("2s");
  c.apply(pod("a"));
  c.apply(pod("b"));
  c.apply(pod("db", { tolerations: [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }] }));
  c.runFor("3s");
  assert.is(nodeOf(c, "a"), "node-3");
  assert.is(nodeOf(c, "b"), "node-3");
  assert.is(nodeOf(c, "db"), "node-1", "tolerates the taint, and node-1 has fewer pods");
});

test("a pod that fits nowhere stays Pending and is bound when a node becomes fit", () => {
  const { c } = withBinder(23, 1);
  c.patch("nodes", "node-1", { spec: { unschedulable: true } }, "merge");
  c.runFor("1s");
  c.apply(pod("wait", { nodeSelector: { disk: "ssd" } }));
  c.runFor("10s");
  assert.is(nodeOf(c, "wait"), undefined);
  assert.is(getPod(c, "wait")!.status.phase, "Pending");
  const why = rows(c, "binder-standin", "unschedulable").at(-1)!;
  assert.is(why.reasons, "0/1 nodes are available: 1 node(s) were unschedulable.");
  c.patch("nodes", "node-1", { spec: { unschedulable: false } }, "merge");
  c.runFor("2s");
  assert.is(nodeOf(c, "wait"), undefined, "still no node with disk=ssd");
  assert.match(String(rows(c, "binder-standin", "unschedulable").at(-1)!.reasons), /didn't match Pod's node affinity\/selector/);
  c.patch("nodes", "node-1", { metadata: { labels: { disk: "ssd" } } }, "merge");
  c.runFor("2s");
  assert.is(nodeOf(c, "wait"), "node-1");
});

test.run();
