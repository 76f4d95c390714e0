// kube-scheduler end to end on a Cluster: nodes created by hand (with status.allocatable),
// pods created through the API server, the scheduler binds them through pods/binding, records
// Scheduled / FailedScheduling events with Kubernetes' texts and the PodScheduled condition.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { SharedInformerFactory } from "../../src/client/informer-factory";
import { Scheduler } from "../../src/scheduler/scheduler";
import type { KubeObject, KubeList } from "../../src/apiserver/registry/object";
import { defaultProfile, inTreeRegistry } from "../../src/scheduler/plugins/registry";
import { Status } from "../../src/scheduler/framework/status";
import type { CycleState, FilterPlugin, Pod } from "../../src/scheduler/framework/interface";
import type { NodeInfo } from "../../src/scheduler/framework/node-info";

function node(name: string, cpu: string, taints?: unknown[]): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name } },
    spec: taints ? { taints } : {},
    status: { allocatable: { cpu, memory: "8Gi", pods: "110" }, capacity: { cpu, memory: "8Gi", pods: "110" }, conditions: [{ type: "Ready", status: "True" }] },
  });
}

function pod(name: string, cpu: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "app", image: "nginx", resources: { requests: { cpu, memory: "100Mi" } } }], ...extra },
  });
}

function setup(seed: number) {
  const c = new Cluster({ seed });
  c.apply([node("node-1", "2"), node("node-2", "2"), node("node-3", "8", [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }])].join("\n---\n"));
  const client = c.client("kube-scheduler", c.adminToken);
  const informers = new SharedInformerFactory(c.sim, client);
  const s = new Scheduler({ sim: c.sim, client, informers });
  s.start();
  c.runFor("2s");
  return { c, s };
}

const podOf = (c: Cluster, name: string) => c.get("pods", name) as KubeObject & { spec: any; status: any };
const events = (c: Cluster) => ((c.get("events", undefined, "default") as KubeList).items as any[]).map((e) => ({ reason: e.reason, type: e.type, message: e.message, object: e.involvedObject.name, source: e.source.component }));

test("pods are bound through pods/binding, with a Scheduled event", () => {
  const { c, s } = setup(1);
  c.apply([pod("a", "1"), pod("b", "1"), pod("c", "1")].join("\n---\n"));
  c.runFor("3s");
  const nodes = ["a", "b", "c"].map((n) => podOf(c, n).spec.nodeName);
  for (const n of nodes) assert.ok(n === "node-1" || n === "node-2", `tainted node-3 avoided, got ${n}`);
  // LeastAllocated + balance spread them: not all three on one 2-cpu node (it holds 2).
  assert.ok(new Set(nodes).size === 2);
  const ev = events(c).filter((e) => e.reason === "Scheduled");
  assert.is(ev.length, 3);
  const a = ev.find((e) => e.object === "a")!;
  assert.is(a.message, `Successfully assigned default/a to ${podOf(c, "a").spec.nodeName}`);
  assert.is(a.source, "default-scheduler");
  assert.is(s.stats.scheduled, 3);
  const decision = c.sim.trace.rows({ component: "kube-scheduler", kind: "decision" }).find((r) => r.pod === "default/a")!;
  assert.is(decision.result, "Scheduled");
  // The explanation has every node's verdicts.
  const e = s.explain("default/a")!;
  assert.is(e.nodes.length, 3);
  assert.is(e.nodes.find((n) => n.node === "node-3")!.filters.at(-1)!.plugin, "TaintToleration");
});

test("a pod that fits nowhere: FailedScheduling with the FitError text, PodScheduled=False", () => {
  const { c } = setup(2);
  c.apply(pod("huge", "4"));
  c.runFor("3s");
  const msg =
    "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu. " +
    "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..";
  const failed = events(c).filter((e) => e.reason === "FailedScheduling");
  assert.is(failed.length, 1);
  assert.is(failed[0].type, "Warning");
  assert.is(failed[0].message, msg);
  const p = podOf(c, "huge");
  assert.is(p.spec.nodeName, undefined);
  const cond = p.status.conditions.find((x: any) => x.type === "PodScheduled");
  assert.equal({ status: cond.status, reason: cond.reason, message: cond.message }, { status: "False", reason: "Unschedulable", message: msg });
});

test("an unschedulable pod is scheduled once a node that fits is added", () => {
  const { c } = setup(3);
  c.apply(pod("big", "3"));
  c.runFor("3s");
  assert.is(podOf(c, "big").spec.nodeName, undefined);
  c.apply(node("node-4", "4"));
  c.runFor("3s");
  assert.is(podOf(c, "big").spec.nodeName, "node-4");
});

test("a pod for another scheduler is left alone", () => {
  const { c } = setup(4);
  c.apply(pod("other", "1", { schedulerName: "my-scheduler" }));
  c.runFor("3s");
  assert.is(podOf(c, "other").spec.nodeName, undefined);
  assert.is(events(c).filter((e) => e.object === "other").length, 0);
});

test("same seed, same placements", () => {
  const run = (seed: number) => {
    const { c } = setup(seed);
    c.apply(Array.from({ length: 6 }, (_, i) => pod(`p${i}`, "100m")).join("\n---\n"));
    c.runFor("3s");
    return Array.from({ length: 6 }, (_, i) => podOf(c, `p${i}`).spec.nodeName);
  };
  assert.equal(run(9), run(9));
});

// [schedule_one.go: findNodesThatPassFilters returns the Filter error; handleSchedulingFailure
// records FailedScheduling with the error text, PodScheduled=False reason SchedulerError, and
// the pod — rejected by no plugin — waits out a back-off, then is tried again.]
test("a Filter error on one node fails the whole attempt: SchedulerError, back-off, retried", () => {
  const c = new Cluster({ seed: 9 });
  c.apply([node("node-1", "2"), node("node-2", "2"), node("node-3", "2")].join("\n---\n"));
  const client = c.client("kube-scheduler", c.adminToken);
  const informers = new SharedInformerFactory(c.sim, client);
  let broken = true;
  const profile = defaultProfile();
  profile.plugins.splice(2, 0, { name: "FlakyVolumeCheck" });
  const s = new Scheduler(
    { sim: c.sim, client, informers },
    {
      profiles: [profile],
      registry: {
        ...inTreeRegistry,
        FlakyVolumeCheck: () => ({ name: "FlakyVolumeCheck", filter: (_st: CycleState, _p: Pod, ni: NodeInfo) => (broken && ni.name === "node-2" ? Status.error("volume lookup timed out") : Status.success()) }) as FilterPlugin,
      },
    },
  );
  s.start();
  c.runFor("2s");
  c.apply(pod("w", "1"));
  c.runFor("100ms");
  const msg = 'running "FlakyVolumeCheck" filter plugin: volume lookup timed out';
  const failed = events(c).filter((e) => e.reason === "FailedScheduling");
  assert.equal(failed.map((e) => e.message), [msg], "node-1 and node-3 passed, yet the attempt failed");
  assert.is(podOf(c, "w").spec.nodeName, undefined);
  assert.is(s.queue.poolOf("default/w"), "backoffQ");
  assert.is(s.stats.errors, 1);
  const cond = podOf(c, "w").status.conditions.find((x: any) => x.type === "PodScheduled");
  assert.equal({ status: cond.status, reason: cond.reason, message: cond.message }, { status: "False", reason: "SchedulerError", message: msg });
  broken = false;
  c.runFor("3s"); // back-off 1 s, then the next attempt succeeds
  assert.ok(podOf(c, "w").spec.nodeName);
});

test.run();
