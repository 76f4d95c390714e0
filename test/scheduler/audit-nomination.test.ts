// Audit against kube-scheduler v1.32: the nominator and the pods a nomination keeps out
// [k/k pkg/scheduler/backend/queue/nominator.go UpdateNominatedPod / addNominatedPodUnlocked;
// pkg/scheduler/eventhandlers.go updatePodInSchedulingQueue (hasNominatedNodeNameChanged),
// deletePodFromSchedulingQueue; eventhandlers_test.go TestEventHandlers_MoveToActiveOnNominatedNodeUpdate].
//
// A pending pod nominated to a node (status.nominatedNodeName) holds room there: Filter counts
// it for pods of lower or equal priority. When the nomination is removed (a higher-priority
// preemptor clears it), moved, or its pod deleted, the scheduler forgets it and retries the
// lower-or-equal-priority pods it may have kept out (as an AssignedPodDelete event).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { Scheduler } from "../../src/scheduler/scheduler";
import type { Pod } from "../../src/scheduler/framework/interface";
import { makePod } from "./framework-helpers";

function withNomination(pod: Pod, node: string | undefined, rv: string): Pod {
  return { ...pod, metadata: { ...pod.metadata, resourceVersion: rv }, status: { ...((pod as any).status ?? {}), nominatedNodeName: node } } as Pod;
}

/** A scheduler fed by hand (no informers, no cycles): its queue as the event handlers leave it. */
function setup() {
  const c = new Cluster({ seed: 1 });
  const s = new Scheduler({ sim: c.sim, client: c.admin });
  // Two pods rejected by NodeResourcesFit wait in the unschedulable pool.
  const low = makePod("low", { cpu: "1", priority: 5 });
  const high = makePod("high", { cpu: "1", priority: 20 });
  for (const p of [low, high]) {
    s.onPodAdd(p);
    const info = s.queue.pop()!;
    info.unschedulablePlugins = new Set(["NodeResourcesFit"]);
    s.queue.addUnschedulableIfNotPresent(info);
  }
  c.sim.runFor(20_000); // back-offs over
  const nominated = withNomination(makePod("mid", { cpu: "3", priority: 10 }), "node-1", "1");
  s.onPodAdd(nominated);
  assert.equal(s.queue.nominatedPodsForNode("node-1").map((p) => p.metadata.name), ["mid"]);
  assert.is(s.queue.poolOf("default/low"), "unschedulable");
  return { c, s, nominated };
}

test("a nomination removed from the pod's status is forgotten; lower-priority pods are retried", () => {
  const { s, nominated } = setup();
  s.onPodUpdate(nominated, withNomination(nominated, undefined, "2"));
  assert.equal(s.queue.nominatedPodsForNode("node-1"), [], "Filter must no longer count it on node-1");
  assert.is(s.queue.poolOf("default/low"), "activeQ", "priority 5 ≤ 10: retried");
  assert.is(s.queue.poolOf("default/high"), "unschedulable", "priority 20 > 10: the nomination never held it back");
});

test("a nomination moved to another node: forgotten on the old one, lower-priority pods retried", () => {
  const { s, nominated } = setup();
  s.onPodUpdate(nominated, withNomination(nominated, "node-2", "2"));
  assert.equal(s.queue.nominatedPodsForNode("node-1"), []);
  assert.equal(s.queue.nominatedPodsForNode("node-2").map((p) => p.metadata.name), ["mid"]);
  assert.is(s.queue.poolOf("default/low"), "activeQ");
  assert.is(s.queue.poolOf("default/high"), "unschedulable");
});

test("a nominated pending pod deleted: lower-priority pods retried", () => {
  const { s, nominated } = setup();
  s.onPodDelete(nominated);
  assert.equal(s.queue.nominatedPodsForNode("node-1"), []);
  assert.is(s.queue.poolOf("default/low"), "activeQ");
  assert.is(s.queue.poolOf("default/high"), "unschedulable");
});

test("an update that carries no nomination either side keeps one made in memory (status write in flight)", () => {
  const { s } = setup();
  const p = makePod("fresh", { cpu: "1", priority: 1 });
  s.onPodAdd(p);
  s.queue.addNominatedPod(p, "node-3");
  const relabeled = { ...p, metadata: { ...p.metadata, labels: { a: "b" }, resourceVersion: "9" } } as Pod;
  s.onPodUpdate(p, relabeled);
  assert.equal(s.queue.nominatedPodsForNode("node-3").map((x) => x.metadata.labels), [{ a: "b" }], "kept, pointing at the new version");
});

test.run();
