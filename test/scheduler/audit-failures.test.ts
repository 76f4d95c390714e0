// Audit against kube-scheduler v1.32 [k/k pkg/scheduler/schedule_one.go schedulingCycle,
// handleSchedulingFailure, handleBindingCycleError, updatePod, truncateMessage]: what a failed
// attempt writes to the API — the FailedScheduling event, the PodScheduled condition and
// status.nominatedNodeName.
//
// - Every failure that is not a FitError with a PostFilter result returns
//   `clearNominatedNode` (ModeOverride, ""): no nodes, an error, Reserve/Permit rejections,
//   and every binding-cycle failure clear a stale nominatedNodeName.
// - A Reserve/Permit rejection is wrapped in a FitError on the one chosen node:
//   "0/1 nodes are available: 1 <reason>.".
// - No nodes at all is ErrNoNodesAvailable, "no nodes available to schedule pods"; PostFilter
//   (preemption) does not run.
// - The event's note is cut at 1024 bytes with " ..."; the condition keeps the whole message.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { SharedInformerFactory } from "../../src/client/informer-factory";
import { Scheduler } from "../../src/scheduler/scheduler";
import type { KubeObject, KubeList } from "../../src/apiserver/registry/object";
import { defaultProfile, inTreeRegistry } from "../../src/scheduler/plugins/registry";
import { Status } from "../../src/scheduler/framework/status";
import type { PermitPlugin, PluginFactory, ReservePlugin, BindPlugin } from "../../src/scheduler/framework/interface";

function node(name: string, cpu: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name } },
    status: { allocatable: { cpu, memory: "8Gi", pods: "110" }, capacity: { cpu, memory: "8Gi", pods: "110" } },
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

type P = KubeObject & { spec: any; status: any };
const podOf = (c: Cluster, name: string) => c.get("pods", name) as P;
const cond = (p: P) => (p.status?.conditions ?? []).find((x: any) => x.type === "PodScheduled");
const failedEvents = (c: Cluster, name: string) =>
  ((c.get("events", undefined, "default") as KubeList).items as any[]).filter((e) => e.reason === "FailedScheduling" && e.involvedObject.name === name).map((e) => e.message as string);

/** A cluster, a pending pod whose status says nominatedNodeName: node-1, then the scheduler. */
function setup(seed: number, extraPlugins: { name: string; factory: PluginFactory }[], nodes = [node("node-1", "4"), node("node-2", "4")], replaceBinder = false) {
  const c = new Cluster({ seed });
  if (nodes.length) c.apply(nodes.join("\n---\n"));
  c.apply(pod("p", "1"));
  c.wait((cb) => c.admin.patch("pods", "p", "default", "merge", { status: { nominatedNodeName: "node-1" } }, cb, "status"));
  assert.is(podOf(c, "p").status.nominatedNodeName, "node-1");
  const client = c.client("kube-scheduler", c.adminToken);
  const informers = new SharedInformerFactory(c.sim, client);
  const profile = defaultProfile();
  const registry: Record<string, PluginFactory> = { ...inTreeRegistry };
  if (replaceBinder) profile.plugins = profile.plugins.filter((x) => x.name !== "DefaultBinder");
  for (const x of extraPlugins) {
    profile.plugins.push({ name: x.name });
    registry[x.name] = x.factory;
  }
  const s = new Scheduler({ sim: c.sim, client, informers }, { profiles: [profile], registry });
  s.start();
  return { c, s };
}

test("a Permit rejection: FitError on the chosen node, and the stale nominatedNodeName is cleared", () => {
  const permit: PluginFactory = () => ({ name: "Gang", permit: () => ({ status: Status.unschedulable("waiting for the rest of the gang") }) }) as PermitPlugin;
  const { c, s } = setup(1, [{ name: "Gang", factory: permit }]);
  c.runFor("500ms");
  const msg = "0/1 nodes are available: 1 waiting for the rest of the gang.";
  assert.equal(failedEvents(c, "p"), [msg]);
  const p = podOf(c, "p");
  assert.equal({ status: cond(p).status, reason: cond(p).reason, message: cond(p).message }, { status: "False", reason: "Unschedulable", message: msg });
  assert.is(p.status.nominatedNodeName, undefined, "clearNominatedNode");
  // The rejecting plugin is recorded, so the pod went to the unschedulable pool...
  const moves = c.sim.trace.rows({ component: "kube-scheduler", kind: "queue" }).filter((r) => r.pod === "default/p").map((r) => `${r.to} ${r.event ?? ""}`.trim());
  assert.ok(moves.includes("unschedulable rejected by Gang"), moves.join("; "));
  // ...and the cleared nomination, like a pod leaving node-1, retried pods of priority ≤ its own — itself included.
  assert.is(moves.at(-1), "backoffQ AssignedPodDelete");
  assert.is(s.queue.poolOf("default/p"), "backoffQ");
});

test("a Reserve error: SchedulerError with the plugin's text, nomination cleared, back-off", () => {
  const reserve: PluginFactory = () => ({ name: "Quota", reserve: () => Status.error("quota service unavailable"), unreserve: () => {} }) as ReservePlugin;
  const { c, s } = setup(2, [{ name: "Quota", factory: reserve }]);
  c.runFor("500ms");
  const msg = 'running Reserve plugin "Quota": quota service unavailable';
  assert.equal(failedEvents(c, "p"), [msg]);
  const p = podOf(c, "p");
  assert.equal({ reason: cond(p).reason, message: cond(p).message }, { reason: "SchedulerError", message: msg });
  assert.is(p.status.nominatedNodeName, undefined);
  assert.is(s.queue.poolOf("default/p"), "backoffQ");
});

test("a binding failure clears the nomination; the Bind error text is wrapped once", () => {
  const bind: PluginFactory = () => ({ name: "BrokenBinder", bind: (_s: unknown, _p: unknown, _n: string, done: (s: Status) => void) => done(Status.error("connection refused")) }) as unknown as BindPlugin;
  const { c, s } = setup(3, [{ name: "BrokenBinder", factory: bind }], undefined, true);
  c.runFor("500ms");
  const msg = 'running Bind plugin "BrokenBinder": connection refused';
  assert.equal(failedEvents(c, "p"), [msg]);
  const p = podOf(c, "p");
  assert.equal({ reason: cond(p).reason, message: cond(p).message }, { reason: "SchedulerError", message: msg });
  assert.is(p.status.nominatedNodeName, undefined);
  assert.is(s.queue.poolOf("default/p"), "backoffQ");
});

test("binding an already-bound pod: 409 from the API server, reported as upstream words it", () => {
  const c = new Cluster({ seed: 4 });
  c.apply([node("node-1", "4"), node("node-2", "4")].join("\n---\n"));
  c.apply(pod("p", "1"));
  const client = c.client("kube-scheduler", c.adminToken);
  const informers = new SharedInformerFactory(c.sim, client);
  // Someone else binds the pod while our binder's request is in flight: bind plugin that first
  // lets an admin bind the pod to node-2, then runs the DefaultBinder.
  const profile = defaultProfile();
  profile.plugins = profile.plugins.filter((x) => x.name !== "DefaultBinder");
  profile.plugins.push({ name: "RacingBinder" });
  const registry: Record<string, PluginFactory> = {
    ...inTreeRegistry,
    RacingBinder: (args, handle) => {
      const inner = inTreeRegistry.DefaultBinder(args, handle) as BindPlugin;
      return {
        name: "DefaultBinder",
        bind: (st: any, p: any, n: string, done: (s: Status) => void) => c.admin.bind("default", p.metadata.name, "node-2", () => inner.bind(st, p, n, done)),
      } as BindPlugin;
    },
  };
  const s = new Scheduler({ sim: c.sim, client, informers }, { profiles: [profile], registry, rng: c.sim.rng.fork("x") });
  s.start();
  c.runFor("2s");
  assert.is(podOf(c, "p").spec.nodeName, "node-2");
  const events = failedEvents(c, "p");
  assert.is(events.length, 1);
  assert.is(events[0], 'running Bind plugin "DefaultBinder": Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "node-2"');
  // Bound elsewhere: not queued again [handleSchedulingFailure: "Pod has been assigned to node"].
  assert.is(s.queue.poolOf("default/p"), undefined);
  assert.is(s.cache.isAssumedPod(podOf(c, "p") as any), false);
});

test("no nodes at all: ErrNoNodesAvailable, no preemption, nomination cleared", () => {
  const { c, s } = setup(5, [], []);
  c.runFor("500ms");
  const msg = "no nodes available to schedule pods";
  assert.equal(failedEvents(c, "p"), [msg]);
  const p = podOf(c, "p");
  assert.equal({ reason: cond(p).reason, message: cond(p).message }, { reason: "Unschedulable", message: msg });
  assert.is(p.status.nominatedNodeName, undefined);
  assert.is(c.sim.trace.rows({ component: "kube-scheduler", kind: "preemption" }).length, 0);
  // No plugin rejected the pod: it waits out a back-off and is retried.
  assert.is(s.queue.poolOf("default/p"), "backoffQ");
  c.apply(node("node-9", "4"));
  c.runFor("3s");
  assert.is(podOf(c, "p").spec.nodeName, "node-9");
});

test("the FailedScheduling note is cut at 1024 bytes; the condition keeps the whole message", () => {
  const long = "x".repeat(1500);
  const permit: PluginFactory = () => ({ name: "Chatty", permit: () => ({ status: Status.unschedulable(long) }) }) as PermitPlugin;
  const { c } = setup(6, [{ name: "Chatty", factory: permit }]);
  c.runFor("500ms");
  const full = `0/1 nodes are available: 1 ${long}.`;
  const ev = failedEvents(c, "p");
  assert.is(ev.length, 1);
  assert.is(ev[0].length, 1024);
  assert.is(ev[0], full.slice(0, 1020) + " ...");
  assert.is(cond(podOf(c, "p")).message, full);
});

// [framework.go waitingPod: "rejected due to timeout after waiting %v at plugin %v" with a
// time.Duration; bindingCycle wraps a WaitOnPermit rejection in a FitError on the chosen node.]
test("a Permit wait that times out: Go's duration text, wrapped as a FitError", () => {
  const permit: PluginFactory = () => ({ name: "Gang", permit: () => ({ status: new Status("Wait"), timeoutMs: 90_000 }) }) as PermitPlugin;
  const { c, s } = setup(7, [{ name: "Gang", factory: permit }]);
  c.runFor("89s");
  assert.equal(failedEvents(c, "p"), []);
  assert.ok(s.cache.isAssumedPod(podOf(c, "p") as any), "held at Permit, assumed");
  c.runFor("2s");
  const msg = "0/1 nodes are available: 1 rejected due to timeout after waiting 1m30s at plugin Gang.";
  assert.equal(failedEvents(c, "p"), [msg]);
  const p = podOf(c, "p");
  assert.equal({ reason: cond(p).reason, message: cond(p).message }, { reason: "Unschedulable", message: msg });
  assert.is(p.status.nominatedNodeName, undefined);
  assert.is(s.cache.isAssumedPod(p as any), false);
});

test.run();
