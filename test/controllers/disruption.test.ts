// The disruption controller [k/k pkg/controller/disruption/disruption.go] against the real
// formulas: expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed, the
// DisruptionAllowed condition, disruptedPods expiry, and failing safe.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { disruptionController } from "../../src/controllers/disruption/disruption-controller";
import { expectedPodCount, countHealthyPods, disruptedPodMap, disruptionsAllowed, DELETION_TIMEOUT_MS } from "../../src/controllers/disruption/budget";
import { replicaSetController } from "../../src/controllers/replicaset/replicaset-controller";
import { deploymentController } from "../../src/controllers/deployment/deployment-controller";
import { timestamp } from "../../src/apiserver/registry/object";
import { deploymentYaml, listEvents, listPods, replicaSetYaml, startFakeKubelet, startHarness, traceRows } from "./helpers-b";

const pdbYaml = (name: string, app: string, bound: string) => `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ${name}}
spec:
  ${bound}
  selector: {matchLabels: {app: ${app}}}`;

const status = (c: ReturnType<typeof startHarness>["c"], name: string) => (c.get("pdb", name) as KubeObject).status;
const summary = (st: any) => ({ expected: st.expectedPods, desired: st.desiredHealthy, current: st.currentHealthy, allowed: st.disruptionsAllowed, gen: st.observedGeneration });

function cluster(seed = 1) {
  const h = startHarness([replicaSetController, deploymentController, disruptionController], { seed });
  startFakeKubelet(h.c, { startDelay: 500 });
  return h;
}

test("minAvailable 2 of a Deployment of 3: expected 3, desired 2, healthy 3, one disruption allowed (SufficientPods)", () => {
  const { c } = cluster();
  c.apply(deploymentYaml("web", 3));
  c.apply(pdbYaml("web", "web", "minAvailable: 2"));
  c.runFor("5s");
  const st = status(c, "web");
  assert.equal(summary(st), { expected: 3, desired: 2, current: 3, allowed: 1, gen: 1 });
  assert.equal(st.conditions.map((x: any) => [x.type, x.status, x.reason, x.message, x.observedGeneration]), [["DisruptionAllowed", "True", "SufficientPods", "", 1]]);
  assert.ok(traceRows(c, "disruption-controller", "status").length >= 1);
  // A spec change is observed: generation 2, minAvailable 3 → nothing may go.
  c.patch("pdb", "web", { spec: { minAvailable: 3 } }, "merge");
  c.runFor("2s");
  const st2 = status(c, "web");
  assert.equal(summary(st2), { expected: 3, desired: 3, current: 3, allowed: 0, gen: 2 });
  assert.equal(st2.conditions.map((x: any) => [x.status, x.reason]), [["False", "InsufficientPods"]]);
});

test("maxUnavailable 25% of 10 rounds up to 3: desired 7, allowed 3; a not-Ready pod costs one", () => {
  const h = startHarness([replicaSetController, deploymentController, disruptionController], { seed: 2 });
  let n = 0;
  // The tenth pod never becomes Ready.
  startFakeKubelet(h.c, { startDelay: 500, ready: () => ++n !== 10 });
  const { c } = h;
  c.apply(deploymentYaml("api", 10));
  c.apply(pdbYaml("api", "api", "maxUnavailable: 25%"));
  c.runFor("5s");
  assert.equal(summary(status(c, "api")), { expected: 10, desired: 7, current: 9, allowed: 2, gen: 1 });
});

test("percent minAvailable rounds up against the controllers' scale: 50% of 3 → 2, 34% of 3 → 2", () => {
  const { c } = cluster(3);
  c.apply(replicaSetYaml("db", 3));
  c.apply(pdbYaml("half", "db", "minAvailable: 50%"));
  c.runFor("5s");
  assert.equal(summary(status(c, "half")), { expected: 3, desired: 2, current: 3, allowed: 1, gen: 1 });
  c.apply(pdbYaml("third", "db", "minAvailable: 34%"));
  c.runFor("2s");
  assert.equal(summary(status(c, "third")), { expected: 3, desired: 2, current: 3, allowed: 1, gen: 1 });
  // Two budgets over the same pods: a pod's change wakes only one of them, and says so.
  c.patch("pods", listPods(c, "default", "app=db")[0].metadata.name!, { metadata: { annotations: { touched: "yes" } } }, "merge");
  c.runFor("1s");
  assert.match(listEvents(c).find((e) => e.reason === "MultiplePodDisruptionBudgets")!.message, /^Pod "default"\/"db-[a-z0-9]{5}" matches multiple PodDisruptionBudgets\.  Chose "(half|third)" arbitrarily\.$/);
  c.delete("pdb", "third");
  // Scale is the controller's spec.replicas, not the pods seen: scale to 6, expected follows.
  c.patch("rs", "db", { spec: { replicas: 6 } }, "merge");
  c.runFor("5s");
  assert.equal(summary(status(c, "half")), { expected: 6, desired: 3, current: 6, allowed: 3, gen: 1 });
});

test("pods with no controller under a percentage: UnmanagedPods warning, expected 0, nothing allowed", () => {
  const { c } = cluster(4);
  for (const name of ["solo-1", "solo-2"]) {
    c.apply(`
apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: solo}}
spec: {containers: [{name: c, image: nginx}]}`);
  }
  c.apply(pdbYaml("solo", "solo", "maxUnavailable: 50%"));
  c.runFor("3s");
  assert.equal(summary(status(c, "solo")), { expected: 0, desired: 0, current: 2, allowed: 0, gen: 1 });
  const ev = listEvents(c).find((e) => e.reason === "UnmanagedPods")!;
  assert.ok(ev, "an UnmanagedPods event");
  assert.is(ev.type, "Warning");
  assert.is(ev.involvedObject.kind, "PodDisruptionBudget");
  assert.is(
    ev.message,
    `Pods selected by this PodDisruptionBudget (selector: &LabelSelector{MatchLabels:map[string]string{app: solo,},MatchExpressions:[]LabelSelectorRequirement{},}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
  );
  // An integer minAvailable counts the pods themselves: no controller needed.
  c.apply(pdbYaml("solo-int", "solo", "minAvailable: 1").replace("app: solo}}", "app: solo}}"));
  c.runFor("2s");
  assert.equal(summary(status(c, "solo-int")), { expected: 2, desired: 1, current: 2, allowed: 1, gen: 1 });
});

test("a controllerRef to a ReplicaSet that is gone fails the sync safe: SyncFailed, disruptionsAllowed 0", () => {
  const { c } = cluster(5);
  c.apply(`
apiVersion: v1
kind: Pod
metadata:
  name: orphan-x
  labels: {app: orphan}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: gone, uid: 00000000-0000-4000-8000-000000000000, controller: true}]
spec: {containers: [{name: c, image: nginx}]}`);
  c.apply(pdbYaml("orphan", "orphan", "minAvailable: 50%"));
  c.runFor("3s");
  const st = status(c, "orphan");
  assert.is(st.disruptionsAllowed, 0);
  assert.equal(st.conditions.map((x: any) => [x.type, x.status, x.reason, x.message]), [["DisruptionAllowed", "False", "SyncFailed", `found no controllers for pod "orphan-x"`]]);
  const ev = listEvents(c).find((e) => e.reason === "CalculateExpectedPodCountFailed")!;
  assert.is(ev.message, `Failed to calculate the number of expected pods: found no controllers for pod "orphan-x"`);
  assert.ok(traceRows(c, "disruption-controller", "sync-failed").length >= 1);
});

test("an evicted pod stays out of currentHealthy via disruptedPods; an entry whose pod is never deleted expires after 2 min (NotDeleted)", () => {
  const { c } = cluster(6);
  c.apply(deploymentYaml("web", 3));
  c.apply(pdbYaml("web", "web", "minAvailable: 2"));
  c.runFor("5s");
  // The API server grants an eviction but (here) nobody deletes the pod: write the entry as the
  // eviction subresource does.
  const victim = listPods(c, "default", "app=web")[0].metadata.name!;
  const st = status(c, "web");
  c.wait<KubeObject>((cb) => c.admin.patch("pdb", "web", "default", "merge", { status: { ...st, disruptionsAllowed: 0, disruptedPods: { [victim]: timestamp(c.sim.now) } } }, cb, "status"));
  c.runFor("2s");
  let now = status(c, "web");
  assert.equal(summary(now), { expected: 3, desired: 2, current: 2, allowed: 0, gen: 1 });
  assert.equal(Object.keys(now.disruptedPods), [victim]);
  c.runFor("2m");
  now = status(c, "web");
  assert.equal(summary(now), { expected: 3, desired: 2, current: 3, allowed: 1, gen: 1 });
  assert.is(now.disruptedPods, undefined);
  const ev = listEvents(c).find((e) => e.reason === "NotDeleted")!;
  assert.is(ev.involvedObject.name, victim);
  assert.is(ev.message, "Pod was expected by PDB default/default to be deleted but it wasn't");
});

test("budget arithmetic as table cases", () => {
  const pod = (name: string, ready: boolean, owner?: string, extra: Record<string, unknown> = {}) => ({
    metadata: { name, namespace: "ns", ...(owner ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: owner, uid: owner, controller: true }] } : {}), ...extra },
    status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  });
  const scale: Record<string, number> = { a: 4, b: 6 };
  const scaleOf = (p: any) => {
    const ref = p.metadata.ownerReferences?.[0];
    return ref ? { uid: ref.uid, scale: scale[ref.uid] } : undefined;
  };
  const pods = [pod("a1", true, "a"), pod("a2", true, "a"), pod("b1", false, "b"), pod("x", true)];
  const cases: [string, any, { expectedCount: number; desiredHealthy: number; unmanaged: number }][] = [
    ["minAvailable int counts pods", { minAvailable: 3 }, { expectedCount: 4, desiredHealthy: 3, unmanaged: 0 }],
    ["minAvailable % of Σ scale, up", { minAvailable: "15%" }, { expectedCount: 10, desiredHealthy: 2, unmanaged: 1 }],
    ["maxUnavailable int", { maxUnavailable: 1 }, { expectedCount: 10, desiredHealthy: 9, unmanaged: 1 }],
    ["maxUnavailable % rounds up", { maxUnavailable: "25%" }, { expectedCount: 10, desiredHealthy: 7, unmanaged: 1 }],
    ["maxUnavailable over the scale floors at 0", { maxUnavailable: 20 }, { expectedCount: 10, desiredHealthy: 0, unmanaged: 1 }],
    ["neither bound", {}, { expectedCount: 0, desiredHealthy: 0, unmanaged: 0 }],
  ];
  for (const [name, spec, want] of cases) {
    const got = expectedPodCount(spec, pods as any, scaleOf);
    assert.equal({ expectedCount: got.expectedCount, desiredHealthy: got.desiredHealthy, unmanaged: got.unmanagedPods.length }, want, name);
  }
  // Healthy: Ready, not deleting, not recently disrupted.
  const now = 10 * 60_000;
  const deleting = pod("d", true, "a", { deletionTimestamp: timestamp(now) });
  const disrupted = { a2: timestamp(now - 1000) };
  assert.is(countHealthyPods([...pods, deleting] as any, disrupted, now), 2);
  const m = disruptedPodMap(pods as any, { a1: timestamp(now - DELETION_TIMEOUT_MS - 1000), a2: timestamp(now - 1000), gone: timestamp(now) }, now);
  assert.equal(m.kept, { a2: timestamp(now - 1000) });
  assert.equal(m.expired, ["a1"]);
  assert.is(m.recheckAt, now - 1000 + DELETION_TIMEOUT_MS);
  assert.equal([disruptionsAllowed(3, 2, 3), disruptionsAllowed(1, 2, 3), disruptionsAllowed(3, 0, 0)], [1, 0, 0]);
});

test.run();
