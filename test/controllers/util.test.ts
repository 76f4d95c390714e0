import { test } from "uvu";
import * as assert from "uvu/assert";
import { Simulation } from "../../src/sim/simulation";
import { timestamp } from "../../src/apiserver/registry/object";
import { getPodsToDelete, podDeletionLess, sortPodsForDeletion, logarithmicRankDiff } from "../../src/controllers/util/ranking";
import { ControllerExpectations, ExpectationsTimeoutMs } from "../../src/controllers/util/expectations";
import { slowStartBatch } from "../../src/controllers/util/async";
import { getScaledValueFromIntOrPercent } from "../../src/apiserver/registry/intstr";
import { isPodAvailable } from "../../src/controllers/util/pod";
import { semanticEqual } from "../../src/controllers/util/controller-ref";

interface P {
  name: string;
  node?: string;
  phase?: string;
  ready?: boolean;
  readySince?: number;
  cost?: string;
  restarts?: number;
  created?: number;
  uid?: string;
}
function pod(p: P): any {
  return {
    metadata: {
      name: p.name,
      uid: p.uid ?? p.name,
      creationTimestamp: p.created !== undefined ? timestamp(p.created) : undefined,
      annotations: p.cost !== undefined ? { "controller.kubernetes.io/pod-deletion-cost": p.cost } : undefined,
    },
    spec: { nodeName: p.node },
    status: {
      phase: p.phase ?? "Running",
      conditions: p.ready === undefined ? [] : [{ type: "Ready", status: p.ready ? "True" : "False", lastTransitionTime: timestamp(p.readySince ?? 0) }],
      containerStatuses: [{ name: "app", restartCount: p.restarts ?? 0 }],
    },
  };
}

const HOUR = 3600_000;
const NOW = 100 * HOUR;

// Each row: a is deleted before b, and never the reverse [ActivePodsWithRanks.Less].
const ORDER: { rule: string; a: P; b: P; rankA?: number; rankB?: number }[] = [
  { rule: "1 unassigned < assigned", a: { name: "a", phase: "Running", ready: true }, b: { name: "b", node: "n1", phase: "Pending" } },
  { rule: "2 Pending < Unknown", a: { name: "a", node: "n", phase: "Pending" }, b: { name: "b", node: "n", phase: "Unknown" } },
  { rule: "2 Unknown < Running", a: { name: "a", node: "n", phase: "Unknown" }, b: { name: "b", node: "n", phase: "Running" } },
  { rule: "3 not ready < ready", a: { name: "a", node: "n", ready: false, restarts: 0 }, b: { name: "b", node: "n", ready: true, restarts: 9 } },
  { rule: "4 lower deletion cost first", a: { name: "a", node: "n", ready: true, cost: "-5" }, b: { name: "b", node: "n", ready: true }, rankA: 1, rankB: 9 },
  { rule: "4 cost beats readiness time", a: { name: "a", node: "n", ready: true, readySince: 0, cost: "1" }, b: { name: "b", node: "n", ready: true, readySince: NOW - 1000, cost: "2" } },
  { rule: "5 doubled up first", a: { name: "a", node: "n", ready: true, readySince: 0 }, b: { name: "b", node: "m", ready: true, readySince: NOW - 1000 }, rankA: 3, rankB: 1 },
  { rule: "6 ready for less time first (different log2 buckets)", a: { name: "a", node: "n", ready: true, readySince: NOW - 60_000, restarts: 0 }, b: { name: "b", node: "n", ready: true, readySince: NOW - 10 * HOUR, restarts: 5 } },
  { rule: "7 more restarts first", a: { name: "a", node: "n", ready: false, restarts: 3, created: 0 }, b: { name: "b", node: "n", ready: false, restarts: 1, created: NOW - 1000 } },
  { rule: "8 newer first", a: { name: "a", node: "n", ready: false, created: NOW - 60_000 }, b: { name: "b", node: "n", ready: false, created: NOW - 10 * HOUR } },
  { rule: "8 no creation time first", a: { name: "a", node: "n", ready: false }, b: { name: "b", node: "n", ready: false, created: NOW - 1000 } },
  { rule: "8 same log2 bucket: lower UID first", a: { name: "a", uid: "0001", node: "n", ready: false, created: NOW - 70 * HOUR }, b: { name: "b", uid: "0002", node: "n", ready: false, created: NOW - 69 * HOUR } },
];

for (const row of ORDER) {
  test(`deletion order: ${row.rule}`, () => {
    const a = pod(row.a);
    const b = pod(row.b);
    assert.ok(podDeletionLess(a, row.rankA ?? 0, b, row.rankB ?? 0, NOW), "a before b");
    assert.not.ok(podDeletionLess(b, row.rankB ?? 0, a, row.rankA ?? 0, NOW), "not b before a");
  });
}

test("deletion order: a malformed deletion cost counts as 0", () => {
  assert.not.ok(podDeletionLess(pod({ name: "a", node: "n", cost: "abc" }), 0, pod({ name: "b", node: "n", cost: "0" }), 0, NOW));
  assert.ok(podDeletionLess(pod({ name: "a", node: "n", cost: "-1" }), 0, pod({ name: "b", node: "n", cost: "abc" }), 0, NOW));
});

test("logarithmic buckets: 69 h and 70 h ago share a bucket, 1 min and 10 h do not", () => {
  assert.is(logarithmicRankDiff(NOW - 70 * HOUR, NOW - 69 * HOUR, NOW), 0);
  assert.ok(logarithmicRankDiff(NOW - 60_000, NOW - 10 * HOUR, NOW) < 0);
});

test("getPodsToDelete: ranks by related pods on the same node, takes the first diff", () => {
  const pods = [pod({ name: "alone", node: "n1", ready: true }), pod({ name: "crowded", node: "n2", ready: true }), pod({ name: "pending", node: "n3", phase: "Pending" })];
  const related = [...pods, pod({ name: "sibling1", node: "n2", ready: true }), pod({ name: "sibling2", node: "n2", ready: true })];
  assert.equal(sortPodsForDeletion(pods, related, NOW).map((p) => p.metadata.name), ["pending", "crowded", "alone"]);
  assert.equal(getPodsToDelete(pods, related, 2, NOW).map((p: any) => p.metadata.name), ["pending", "crowded"]);
  // Deleting all: no sort needed, all returned.
  assert.is(getPodsToDelete(pods, related, 3, NOW).length, 3);
});

test("expectations: pending creations block a sync until observed; deletions count only for the expected pods", () => {
  const sim = new Simulation({ seed: 1 });
  const e = new ControllerExpectations(sim);
  assert.ok(e.satisfiedExpectations("ns/rs"), "no record: satisfied");
  e.expectCreations("ns/rs", 2);
  assert.not.ok(e.satisfiedExpectations("ns/rs"));
  e.creationObserved("ns/rs");
  assert.not.ok(e.satisfiedExpectations("ns/rs"));
  e.creationObserved("ns/rs");
  assert.ok(e.satisfiedExpectations("ns/rs"));
  e.expectDeletions("ns/rs", ["ns/a", "ns/b"]);
  e.deletionObserved("ns/rs", "ns/zzz");
  e.deletionObserved("ns/rs", "ns/a");
  e.deletionObserved("ns/rs", "ns/a");
  assert.not.ok(e.satisfiedExpectations("ns/rs"), "an unexpected or repeated deletion does not count");
  e.deletionObserved("ns/rs", "ns/b");
  assert.ok(e.satisfiedExpectations("ns/rs"));
});

test("expectations expire after 5 minutes (a lost watch event must not wedge the controller)", () => {
  const sim = new Simulation({ seed: 1 });
  const e = new ControllerExpectations(sim);
  e.expectCreations("ns/rs", 3);
  sim.runFor(ExpectationsTimeoutMs);
  assert.not.ok(e.satisfiedExpectations("ns/rs"), "exactly 5 min: not yet (strictly greater)");
  sim.runFor(1);
  assert.ok(e.satisfiedExpectations("ns/rs"));
});

test("slowStartBatch: batches of 1, 2, 4, ... and stops after the first batch with an error", () => {
  const sim = new Simulation({ seed: 1 });
  const batches: number[] = [];
  let inFlight = 0;
  let calls = 0;
  let result: [number, unknown] | undefined;
  slowStartBatch(
    10,
    1,
    (done) => {
      calls++;
      if (inFlight === 0) batches.push(0);
      inFlight++;
      batches[batches.length - 1]++;
      sim.after(10, () => {
        inFlight--;
        done();
      });
    },
    (s, err) => (result = [s, err]),
  );
  sim.runFor(1000);
  assert.equal(batches, [1, 2, 4, 3]);
  assert.equal(result, [10, undefined]);
  calls = 0;
  slowStartBatch(10, 1, (done) => sim.after(10, () => done(++calls === 3 ? new Error("quota") : undefined)), (s, err) => (result = [s, err]));
  sim.runFor(1000);
  assert.is(calls, 3, "batch 1 (1 call), batch 2 (2 calls, one fails), then stop");
  assert.is(result![0], 2);
  assert.is((result![1] as Error).message, "quota");
});

test("intstr: percentages scale and round as asked; ints pass; bad strings fail", () => {
  assert.is(getScaledValueFromIntOrPercent("25%", 10, true), 3);
  assert.is(getScaledValueFromIntOrPercent("25%", 10, false), 2);
  assert.is(getScaledValueFromIntOrPercent(4, 10, false), 4);
  assert.throws(() => getScaledValueFromIntOrPercent("25", 10, true), /not a percentage/);
});

test("isPodAvailable: strictly more than minReadySeconds after the Ready transition", () => {
  const p = pod({ name: "a", ready: true, readySince: 10_000 });
  assert.ok(isPodAvailable(p, 0, 10_000));
  assert.not.ok(isPodAvailable(p, 5, 15_000));
  assert.ok(isPodAvailable(p, 5, 15_001));
  assert.not.ok(isPodAvailable(pod({ name: "b", ready: false }), 0, 99_000));
});

test("semanticEqual: absent, {} and [] are the same; values are not", () => {
  assert.ok(semanticEqual({ a: {}, b: [] }, {}));
  assert.ok(semanticEqual({ labels: undefined }, { labels: {} }));
  assert.not.ok(semanticEqual({ a: 1 }, { a: 2 }));
  assert.not.ok(semanticEqual({ a: [1] }, { a: [] }));
});

test.run();
