import { test } from "uvu";
import * as assert from "uvu/assert";
import { replicaSetController, ReplicaSetController } from "../../src/controllers/replicaset/replicaset-controller";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { KubeApiError } from "../../src/client/kube-client";
import { listEvents, listPods, replicaSetYaml, startFakeKubelet, startHarness, traceRows } from "./helpers-b";

test("creates spec.replicas pods from the template, owned by the ReplicaSet, and reports status", () => {
  const { c } = startHarness([replicaSetController]);
  startFakeKubelet(c, { startDelay: 2000 });
  const [rs] = c.apply(replicaSetYaml("web", 3));
  c.runFor("1s");
  let pods = listPods(c);
  assert.is(pods.length, 3);
  for (const p of pods) {
    assert.ok(p.metadata.name!.startsWith("web-"), p.metadata.name);
    assert.is(p.metadata.name!.length, "web-".length + 5);
    assert.is(p.metadata.generateName, "web-");
    assert.equal(p.metadata.labels, { app: "web" });
    assert.equal(p.metadata.ownerReferences, [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  }
  let st = (c.get("rs", "web") as KubeObject).status;
  assert.is(st.replicas, 3);
  assert.is(st.readyReplicas ?? 0, 0);
  c.runFor("5s");
  st = (c.get("rs", "web") as KubeObject).status;
  assert.equal({ r: st.replicas, f: st.fullyLabeledReplicas, ready: st.readyReplicas, a: st.availableReplicas, g: st.observedGeneration }, { r: 3, f: 3, ready: 3, a: 3, g: 1 });
  const created = listEvents(c).filter((e) => e.reason === "SuccessfulCreate");
  pods = listPods(c);
  assert.equal(created.map((e) => e.message).sort(), pods.map((p) => `Created pod: ${p.metadata.name}`).sort());
  assert.is(created[0].source.component, "replicaset-controller");
  assert.is(created[0].involvedObject.kind, "ReplicaSet");
});

test("replaces a deleted pod and scales down to spec.replicas", () => {
  const { c } = startHarness([replicaSetController]);
  startFakeKubelet(c);
  c.apply(replicaSetYaml("web", 3));
  c.runFor("3s");
  const victim = listPods(c)[0].metadata.name!;
  c.delete("pods", victim);
  c.runFor("2s");
  const names = listPods(c).map((p) => p.metadata.name);
  assert.is(names.length, 3);
  assert.not.ok(names.includes(victim));
  c.patch("rs", "web", { spec: { replicas: 1 } }, "merge");
  c.runFor("2s");
  assert.is(listPods(c).length, 1);
  const deleted = listEvents(c).filter((e) => e.reason === "SuccessfulDelete");
  assert.is(deleted.length, 2);
  assert.ok(deleted.every((e) => /^Deleted pod: web-[a-z0-9]{5}$/.test(e.message)));
  const rs = c.get("rs", "web") as KubeObject;
  assert.is(rs.status.replicas, 1);
  assert.is(rs.status.observedGeneration, rs.metadata.generation);
  assert.is(rs.metadata.generation, 2);
});

test("scale-down deletes not-ready pods before ready ones", () => {
  const { c } = startHarness([replicaSetController]);
  // Every second pod never becomes ready.
  let n = 0;
  const notReady = new Set<string>();
  startFakeKubelet(c, {
    ready: (p) => {
      if (n++ % 2 === 1) {
        notReady.add(p.metadata.name!);
        return false;
      }
      return true;
    },
  });
  c.apply(replicaSetYaml("web", 4));
  c.runFor("5s");
  assert.is(notReady.size, 2);
  c.patch("rs", "web", { spec: { replicas: 2 } }, "merge");
  c.runFor("2s");
  const left = listPods(c).map((p) => p.metadata.name!);
  assert.is(left.length, 2);
  for (const name of left) assert.not.ok(notReady.has(name), `${name} is not ready and should have gone first`);
});

// The informers watch through their own slow link: the controller's writes are answered fast,
// but it learns of its own pods 3 s later. Extra syncs in between (a resync, another event)
// must not create pods again.
function overCreationRun(disableExpectations: boolean): number {
  const h = startHarness([replicaSetController], { informerClientName: "kcm-informers" });
  const { c } = h;
  const rsc = h.controllers[0] as ReplicaSetController;
  c.sim.network.link("apiserver", "kcm-informers", { latency: "3s" });
  c.apply(replicaSetYaml("web", 5));
  for (let i = 0; i < 80; i++) {
    if (disableExpectations) rsc.expectations.deleteExpectations("default/web");
    rsc.queue.add("default/web");
    c.runFor("100ms");
  }
  return traceRows(c, "replicaset-controller", "pod-created").length;
}

test("expectations: syncs while the pod informer lags never create more than spec.replicas", () => {
  assert.is(overCreationRun(false), 5);
});

test("expectations: the same run without expectations over-creates (the test has teeth)", () => {
  assert.ok(overCreationRun(true) > 5);
});

test("adopts a matching orphan and creates only the rest", () => {
  const { c } = startHarness([replicaSetController]);
  c.apply(`apiVersion: v1
kind: Pod
metadata:
  name: stray
  labels: {app: web}
spec:
  containers: [{name: app, image: nginx:1.27}]
`);
  const [rs] = c.apply(replicaSetYaml("web", 2));
  c.runFor("2s");
  const pods = listPods(c);
  assert.is(pods.length, 2);
  const stray = pods.find((p) => p.metadata.name === "stray")!;
  assert.ok(stray, "the orphan is kept");
  assert.equal(stray.metadata.ownerReferences, [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.is(traceRows(c, "replicaset-controller", "adopt").length, 1);
});

test("releases a pod whose labels stop matching, and replaces it", () => {
  const { c } = startHarness([replicaSetController]);
  c.apply(replicaSetYaml("web", 2));
  c.runFor("2s");
  const p = listPods(c)[0];
  c.patch("pods", p.metadata.name!, { metadata: { labels: { app: "debug" } } }, "merge");
  c.runFor("2s");
  const released = c.get("pods", p.metadata.name!) as KubeObject;
  assert.equal(released.metadata.ownerReferences ?? [], []);
  assert.is(listPods(c, "default", "app=web").length, 2);
  assert.is(listPods(c).length, 3);
});

test("a pod owned by another controller is neither adopted nor counted", () => {
  const { c } = startHarness([replicaSetController]);
  c.apply(`apiVersion: v1
kind: Pod
metadata:
  name: foreign
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: other, uid: 00000000-0000-0000-0000-000000000001, controller: true}]
spec:
  containers: [{name: app, image: nginx:1.27}]
`);
  c.apply(replicaSetYaml("web", 2));
  c.runFor("2s");
  assert.is(listPods(c).length, 3);
  assert.is((c.get("rs", "web") as KubeObject).status.replicas, 2);
});

test("a terminating pod does not count: its replacement starts at once", () => {
  const { c } = startHarness([replicaSetController]);
  startFakeKubelet(c, { nodeName: "node-1" });
  c.apply(replicaSetYaml("web", 2));
  c.runFor("3s");
  const victim = listPods(c)[0].metadata.name!;
  c.delete("pods", victim); // graceful: 30 s with deletionTimestamp, nobody finishes it
  c.runFor("1s");
  const pods = listPods(c);
  assert.is(pods.length, 3);
  assert.ok(pods.find((p) => p.metadata.name === victim)!.metadata.deletionTimestamp);
  assert.is((c.get("rs", "web") as KubeObject).status.replicas, 2);
});

test("minReadySeconds: pods are available only after being ready that long", () => {
  const { c } = startHarness([replicaSetController]);
  startFakeKubelet(c, { startDelay: 1000 });
  c.apply(replicaSetYaml("web", 2, { minReadySeconds: 10 }));
  c.runFor("4s");
  let st = (c.get("rs", "web") as KubeObject).status;
  assert.is(st.readyReplicas, 2);
  assert.is(st.availableReplicas, 0);
  c.runFor("10s");
  st = (c.get("rs", "web") as KubeObject).status;
  assert.is(st.availableReplicas, 2);
});

test("FailedCreate: a refused pod is reported, one request per sync (slow start), and ReplicaFailure set", () => {
  const { c } = startHarness([replicaSetController]);
  c.apply(replicaSetYaml("web", 5, { serviceAccountName: "missing" }));
  c.runFor("300ms");
  const failed = listEvents(c).filter((e) => e.reason === "FailedCreate");
  assert.ok(failed.length >= 1);
  assert.match(failed[0].message, /^Error creating: .*serviceaccount "missing" not found/);
  assert.is(failed[0].type, "Warning");
  // Slow start: the first batch (1 pod) failed, so the 4 others were never attempted in that sync.
  const firstSync = traceRows(c, "replicaset-controller", "slow-start-skipped")[0];
  assert.is(firstSync.skipped, 5);
  const rs = c.get("rs", "web") as KubeObject;
  const cond = (rs.status.conditions ?? []).find((x: any) => x.type === "ReplicaFailure");
  assert.ok(cond);
  assert.is(cond.reason, "FailedCreate");
  assert.is(listPods(c).length, 0);
});

test("the API server refuses a ReplicaSet whose selector does not match its template, and negative replicas", () => {
  const { c } = startHarness([replicaSetController]);
  try {
    c.apply(replicaSetYaml("bad", 1, { labels: { app: "x" }, selector: { app: "y" } }));
    assert.unreachable("should be refused");
  } catch (e) {
    assert.instance(e, KubeApiError);
    assert.is((e as KubeApiError).reason, "Invalid");
    assert.match((e as KubeApiError).message, "`selector` does not match template `labels`");
  }
  try {
    c.apply(replicaSetYaml("neg", -1));
    assert.unreachable("should be refused");
  } catch (e) {
    assert.is((e as KubeApiError).code, 422);
    assert.match((e as KubeApiError).message, "spec.replicas: Invalid value: -1: must be greater than or equal to 0");
  }
  c.runFor("1s");
  assert.is(listPods(c).length, 0);
});

test("deleting the ReplicaSet forgets its expectations and stops managing", () => {
  const h = startHarness([replicaSetController]);
  const { c } = h;
  c.apply(replicaSetYaml("web", 2));
  c.runFor("2s");
  c.delete("rs", "web");
  c.runFor("1s");
  assert.is((h.controllers[0] as ReplicaSetController).expectations.get("default/web"), undefined);
  assert.ok(traceRows(c, "replicaset-controller", "deleted").length >= 1);
});

test.run();
