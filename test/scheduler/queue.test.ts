// The scheduling queue [k/k pkg/scheduler/backend/queue/scheduling_queue.go]: priority order,
// back-off 1-2-4-8-10 s, the unschedulable pool and the cluster events that move pods back,
// the 5-minute flush, scheduling gates, nominated pods.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Simulation } from "../../src/sim/index";
import { SchedulingQueue } from "../../src/scheduler/queue/scheduling-queue";
import { PrioritySort } from "../../src/scheduler/plugins/queuesort";
import { Status } from "../../src/scheduler/framework/status";
import { eventsOf, NodeAdd, AssignedPodDelete, ClusterEvent } from "../../src/scheduler/framework/cluster-event";
import type { Pod } from "../../src/scheduler/framework/interface";
import { makePod } from "./framework-helpers";

function newQueue(sim = new Simulation()) {
  const sort = new PrioritySort();
  const q = new SchedulingQueue(sim, {
    less: (a, b) => sort.less(a, b),
    preEnqueue: (pod: Pod) => (((pod as any).spec.schedulingGates ?? []).length ? Status.unresolvable("waiting for scheduling gates").withPlugin("SchedulingGates") : Status.success()),
    eventsOf: (name) => eventsOf({ name }),
  });
  return { q, sim };
}

test("activeQ pops by priority, then by arrival", () => {
  const { q, sim } = newQueue();
  q.add(makePod("low", { priority: 1 }));
  sim.runFor(10);
  q.add(makePod("high-late", { priority: 100 }));
  q.add(makePod("mid-1", { priority: 50 }));
  sim.runFor(10);
  q.add(makePod("mid-2", { priority: 50 }));
  q.add(makePod("high-later", { priority: 100 }));
  const order: string[] = [];
  for (let p = q.pop(); p; p = q.pop()) order.push(p.pod.metadata.name!);
  assert.equal(order, ["high-late", "high-later", "mid-1", "mid-2", "low"]);
});

test("back-off per attempt: 1, 2, 4, 8, 10, 10 s [calculateBackoffDuration]", () => {
  const { q } = newQueue();
  assert.equal([1, 2, 3, 4, 5, 6].map((a) => q.backoffDuration(a)), [1000, 2000, 4000, 8000, 10000, 10000]);
});

test("a failed pod (error) waits in backoffQ and returns to activeQ after its back-off, flushed every second", () => {
  const { q, sim } = newQueue();
  q.run();
  const pod = makePod("p");
  q.add(pod);
  const times: number[] = [];
  for (let attempt = 1; attempt <= 5; attempt++) {
    const info = q.pop()!;
    assert.is(info.attempts, attempt);
    const t0 = sim.now;
    q.addUnschedulableIfNotPresent(info); // no plugin to blame → backoffQ
    assert.is(q.poolOf(pod), "backoffQ");
    sim.runUntil(() => q.poolOf(pod) === "activeQ", "60s");
    times.push(sim.now - t0);
  }
  // Each wait is the back-off rounded up to the 1 s flush tick.
  assert.equal(times, [1000, 2000, 4000, 8000, 10000]);
});

function rejected(q: SchedulingQueue, name: string, plugins: string[]) {
  const pod = makePod(name);
  q.add(pod);
  const info = q.pop()!;
  info.unschedulablePlugins = new Set(plugins);
  q.addUnschedulableIfNotPresent(info);
  return pod;
}

test("an unschedulable pod moves back on an event its rejecting plugin registered for, not on others", () => {
  const { q, sim } = newQueue();
  const fit = rejected(q, "needs-cpu", ["NodeResourcesFit"]);
  const taint = rejected(q, "needs-toleration", ["TaintToleration"]);
  assert.is(q.poolOf(fit), "unschedulable");
  // A node's labels changed: neither plugin cares.
  const labelEvent: ClusterEvent = { resource: "Node", actions: ["UpdateNodeLabel"] };
  assert.is(q.moveAllToActiveOrBackoffQueue(labelEvent), 0);
  assert.is(q.poolOf(fit), "unschedulable");
  // A pod left a node: NodeResourcesFit cares (more room), TaintToleration does not.
  sim.runFor("5s");
  assert.is(q.moveAllToActiveOrBackoffQueue(AssignedPodDelete), 1);
  assert.is(q.poolOf(fit), "activeQ");
  assert.is(q.poolOf(taint), "unschedulable");
  // A node's taints changed: TaintToleration cares.
  q.moveAllToActiveOrBackoffQueue({ resource: "Node", actions: ["UpdateNodeTaint"] });
  assert.is(q.poolOf(taint), "activeQ");
});

test("moved while still backing off: to backoffQ, not activeQ", () => {
  const { q } = newQueue();
  const pod = rejected(q, "p", ["NodeResourcesFit"]);
  q.moveAllToActiveOrBackoffQueue(NodeAdd);
  assert.is(q.poolOf(pod), "backoffQ");
});

test("unschedulable pods are retried after 5 minutes without any event (checked every 30 s)", () => {
  const { q, sim } = newQueue();
  q.run();
  const pod = rejected(q, "p", ["TaintToleration"]);
  sim.runFor("299s");
  assert.is(q.poolOf(pod), "unschedulable");
  sim.runUntil(() => q.poolOf(pod) === "activeQ", "60s");
  // First 30 s tick after 5 min in the pool: 330 s.
  assert.is(sim.now, 330_000);
});

test("a pod with scheduling gates is held until an update removes them", () => {
  const { q } = newQueue();
  const gated = makePod("gated", { extraSpec: { schedulingGates: [{ name: "example.com/quota" }] } });
  q.add(gated);
  assert.is(q.poolOf(gated), "gated");
  assert.is(q.pop(), undefined);
  // A cluster event does not release it.
  q.moveAllToActiveOrBackoffQueue(NodeAdd);
  assert.is(q.poolOf(gated), "gated");
  const ungated = { ...gated, spec: { ...(gated as any).spec, schedulingGates: [] } } as Pod;
  q.update(gated, ungated);
  assert.is(q.poolOf(gated), "activeQ");
  assert.is(q.pop()!.pod, ungated);
});

test("a deleted pod leaves every pool; nominations are tracked per node", () => {
  const { q } = newQueue();
  const pod = makePod("p");
  (pod as any).status.nominatedNodeName = "n1";
  q.add(pod);
  assert.equal(q.nominatedPodsForNode("n1").map((p) => p.metadata.name), ["p"]);
  q.delete(pod);
  assert.is(q.poolOf(pod), undefined);
  assert.equal(q.nominatedPodsForNode("n1"), []);
});

test.run();
