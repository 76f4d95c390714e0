// The scheduler cache [k/k pkg/scheduler/backend/cache/cache.go]: assume / confirm / forget /
// expire, and snapshots that copy only what changed.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Simulation } from "../../src/sim/index";
import { SchedulerCache } from "../../src/scheduler/cache/cache";
import { Snapshot } from "../../src/scheduler/cache/snapshot";
import type { Pod } from "../../src/scheduler/framework/interface";
import { makeNode, makePod } from "./framework-helpers";

function bound(p: Pod, node: string): Pod {
  return { ...p, spec: { ...(p as any).spec, nodeName: node } } as Pod;
}

test("an assumed pod counts on its node at once; the informer's update confirms it", () => {
  const c = new SchedulerCache(new Simulation());
  c.addNode(makeNode("n1"));
  const p = bound(makePod("p", { cpu: "1" }), "n1");
  c.assumePod(p);
  assert.ok(c.isAssumedPod(p));
  assert.is(c.nodeInfo("n1")!.requested.milliCPU, 1000);
  c.finishBinding(p);
  c.addPod(p); // the watch delivers the bound pod
  assert.not.ok(c.isAssumedPod(p));
  assert.is(c.nodeInfo("n1")!.requested.milliCPU, 1000);
  assert.is(c.podCount(), 1);
});

test("assuming a pod twice is refused", () => {
  const c = new SchedulerCache(new Simulation());
  const p = bound(makePod("p"), "n1");
  c.assumePod(p);
  assert.throws(() => c.assumePod(p), /is in the cache, so can't be assumed/);
});

test("forget: a failed binding releases the room", () => {
  const c = new SchedulerCache(new Simulation());
  c.addNode(makeNode("n1"));
  const p = bound(makePod("p", { cpu: "1" }), "n1");
  c.assumePod(p);
  c.forgetPod(p);
  assert.is(c.nodeInfo("n1")!.requested.milliCPU, 0);
  assert.is(c.podCount(), 0);
});

test("a confirmed pod on another node than assumed moves there", () => {
  const c = new SchedulerCache(new Simulation());
  c.addNode(makeNode("n1"));
  c.addNode(makeNode("n2"));
  const p = makePod("p", { cpu: "1" });
  c.assumePod(bound(p, "n1"));
  c.addPod(bound(p, "n2"));
  assert.is(c.nodeInfo("n1")!.requested.milliCPU, 0);
  assert.is(c.nodeInfo("n2")!.requested.milliCPU, 1000);
});

test("expiry: an assumed pod never confirmed goes after the TTL once binding finished, not before", () => {
  const sim = new Simulation();
  const c = new SchedulerCache(sim, { assumedPodTTLMs: 30_000 });
  c.addNode(makeNode("n1"));
  const p = bound(makePod("p", { cpu: "1" }), "n1");
  c.assumePod(p);
  sim.runFor("60s");
  assert.equal(c.cleanupAssumedPods(), [], "binding not finished: kept");
  c.finishBinding(p);
  sim.runFor("29s");
  assert.equal(c.cleanupAssumedPods(), []);
  sim.runFor("1s");
  assert.equal(c.cleanupAssumedPods(), ["default/p"]);
  assert.is(c.nodeInfo("n1")!.requested.milliCPU, 0);
});

test("TTL 0 (v1.32 default): assumed pods never expire", () => {
  const sim = new Simulation();
  const c = new SchedulerCache(sim);
  const p = bound(makePod("p"), "n1");
  c.assumePod(p);
  c.finishBinding(p);
  sim.runFor("1h");
  assert.equal(c.cleanupAssumedPods(), []);
});

test("snapshot: consistent with the cache, copies only changed nodes, is not changed by later cache updates", () => {
  const c = new SchedulerCache(new Simulation());
  for (const n of ["n1", "n2", "n3"]) c.addNode(makeNode(n));
  const s = new Snapshot();
  c.updateSnapshot(s);
  assert.equal(s.list().map((n) => n.name), ["n1", "n2", "n3"]);
  const n1Before = s.get("n1");
  const n2Before = s.get("n2");
  c.addPod(bound(makePod("p", { cpu: "1" }), "n2"));
  assert.is(s.get("n2")!.requested.milliCPU, 0, "the snapshot is frozen until updated");
  c.updateSnapshot(s);
  assert.is(s.get("n1"), n1Before, "unchanged node not copied");
  assert.is.not(s.get("n2"), n2Before);
  assert.is(s.get("n2")!.requested.milliCPU, 1000);
  assert.is(s.list()[1], s.get("n2"));
  c.removeNode(makeNode("n1"));
  c.updateSnapshot(s);
  assert.equal(s.list().map((n) => n.name), ["n2", "n3"]);
  // Pods with affinity are listed for InterPodAffinity.
  c.addPod(bound(makePod("aff", { extraSpec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "x" }] } } } }), "n3"));
  c.updateSnapshot(s);
  assert.equal(s.havePodsWithRequiredAntiAffinityList().map((n) => n.name), ["n3"]);
  assert.equal(s.havePodsWithAffinityList().map((n) => n.name), ["n3"]);
});

test.run();
