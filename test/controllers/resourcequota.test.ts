// The ResourceQuota controller: admission charges a quota on create and refuses past hard; the
// controller gives usage back (deleted objects, terminal pods, pods stuck past their grace
// period), reflects spec.hard changes, and does not write when nothing changed.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { KubeApiError } from "../../src/client/kube-client";
import { SharedInformerFactory } from "../../src/client/informer-factory";
import { COMPONENT_IDENTITIES } from "../../src/apiserver/server/bootstrap";
import { newControllerContext } from "../../src/controllers/controller";
import { resourceQuotaController, ResourceQuotaController } from "../../src/controllers/resourcequota/resource-quota-controller";
import type { ResourceQuotaControllerOptions } from "../../src/controllers/resourcequota/resource-quota-controller";

const RQC = "resourcequota-controller";

/** A cluster with the controller running as kube-controller-manager would (its own identity). */
function setup(seed: number, options?: ResourceQuotaControllerOptions, clusterOptions: Record<string, unknown> = {}) {
  const c = new Cluster({ seed, ...clusterOptions });
  const client = c.componentClient("kcm-rq", COMPONENT_IDENTITIES.kubeControllerManager);
  const ctx = newControllerContext(c.sim, client, new SharedInformerFactory(c.sim, client));
  const rqc = options ? new ResourceQuotaController(ctx, options) : (resourceQuotaController(ctx) as ResourceQuotaController);
  rqc.start();
  ctx.informers.start();
  c.runFor("1s");
  return { c, rqc };
}

function quota(name: string, hard: Record<string, string>): string {
  return JSON.stringify({ apiVersion: "v1", kind: "ResourceQuota", metadata: { name, namespace: "default" }, spec: { hard } });
}

function pod(name: string, cpu = "100m", nodeName?: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { nodeName, containers: [{ name: "app", image: "nginx:1.27", resources: { requests: { cpu }, limits: { cpu } } }] },
  };
}

/** Creates a pod; returns the API error instead of throwing. */
function tryCreate(c: Cluster, obj: Record<string, unknown>): KubeApiError | undefined {
  try {
    c.wait<KubeObject>((cb) => c.admin.create(obj as unknown as KubeObject, cb));
    return undefined;
  } catch (e) {
    if (e instanceof KubeApiError) return e;
    throw e;
  }
}

const used = (c: Cluster, name: string) => (c.get("resourcequotas", name) as KubeObject).status?.used ?? {};
const rows = (c: Cluster, kind: string) => c.sim.trace.rows({ component: RQC, kind });

test("a quota at its limit refuses a pod; after a deletion the controller gives the slot back", () => {
  const { c } = setup(1);
  c.apply(quota("compute", { pods: "2", "requests.cpu": "1" }));
  c.runFor("1s");
  // The controller filled in the status of the new quota (priority queue).
  assert.equal(used(c, "compute"), { pods: "0", "requests.cpu": "0" });
  assert.equal((c.get("resourcequotas", "compute") as KubeObject).status.hard, { pods: "2", "requests.cpu": "1" });
  assert.is(tryCreate(c, pod("a", "300m")), undefined);
  assert.is(tryCreate(c, pod("b", "300m")), undefined);
  assert.equal(used(c, "compute"), { pods: "2", "requests.cpu": "600m" });
  const refused = tryCreate(c, pod("c", "300m"))!;
  assert.ok(refused, "third pod refused");
  assert.is(refused.status.code, 403);
  assert.is(refused.reason, "Forbidden");
  assert.is(refused.message, 'pods "c" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2');
  // Without the controller nothing would ever lower used: prove it is the controller that does.
  c.delete("pods", "a");
  assert.equal(used(c, "compute"), { pods: "2", "requests.cpu": "600m" }, "admission does not give back");
  c.runFor("1s");
  assert.equal(used(c, "compute"), { pods: "1", "requests.cpu": "300m" });
  const rep = rows(c, "replenish");
  assert.ok(rep.some((r) => r.why === "deleted" && r.object === "default/a" && r.quotas === "compute"));
  assert.is(tryCreate(c, pod("c", "300m")), undefined);
  assert.equal(used(c, "compute"), { pods: "2", "requests.cpu": "600m" });
  // cpu still binds: 600m used, 500m more would exceed 1.
  c.delete("pods", "b");
  c.runFor("1s");
  const over = tryCreate(c, pod("d", "800m"))!;
  assert.is(over.message, 'pods "d" is forbidden: exceeded quota: compute, requested: requests.cpu=800m, used: requests.cpu=300m, limited: requests.cpu=1');
});

test("Succeeded and Failed pods release pods and cpu, but still count as count/pods", () => {
  const { c } = setup(2);
  c.apply(quota("q", { pods: "1", "count/pods": "5", "limits.cpu": "500m" }));
  c.runFor("1s");
  assert.is(tryCreate(c, pod("job-1", "200m")), undefined);
  assert.match(tryCreate(c, pod("job-2", "200m"))!.message, /exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1/);
  // The pod finishes (as a kubelet would report it).
  c.wait<KubeObject>((cb) => c.admin.patch("pods", "job-1", "default", "merge", { status: { phase: "Succeeded" } }, cb, "status"));
  c.runFor("1s");
  assert.equal(used(c, "q"), { "count/pods": "1", "limits.cpu": "0", pods: "0" });
  assert.ok(rows(c, "replenish").some((r) => r.why === "usage-changed" && r.object === "default/job-1"));
  assert.is(tryCreate(c, pod("job-2", "200m")), undefined);
  c.wait<KubeObject>((cb) => c.admin.patch("pods", "job-2", "default", "merge", { status: { phase: "Failed" } }, cb, "status"));
  c.runFor("1s");
  assert.equal(used(c, "q"), { "count/pods": "2", "limits.cpu": "0", pods: "0" });
});

test("spec.hard changes are reflected in status; a new name is counted from what exists", () => {
  const { c } = setup(3);
  c.apply(quota("q", { pods: "1" }));
  c.runFor("1s");
  assert.is(tryCreate(c, pod("a")), undefined);
  assert.ok(tryCreate(c, pod("b")));
  c.apply(JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm1", namespace: "default" }, data: { a: "b" } }));
  c.patch("resourcequotas", "q", { spec: { hard: { pods: "3", "count/configmaps": "10", "requests.storage": "1Gi" } } }, "merge");
  c.runFor("1s");
  const q = c.get("resourcequotas", "q") as KubeObject;
  assert.equal(q.status.hard, { pods: "3", "count/configmaps": "10", "requests.storage": "1Gi" });
  const configmaps = (c.get("configmaps") as any).items.length;
  assert.ok(configmaps >= 1);
  // requests.storage: nothing here counts it (no PersistentVolumeClaim evaluator), so no usage.
  assert.equal(q.status.used, { "count/configmaps": String(configmaps), pods: "1" });
  assert.ok(rows(c, "spec-changed").some((r) => r.quota === "default/q"));
  assert.is(tryCreate(c, pod("b")), undefined);
  // A name dropped from spec.hard is dropped from status.
  c.patch("resourcequotas", "q", { spec: { hard: { pods: "3", "count/configmaps": null, "requests.storage": null } } }, "merge");
  c.runFor("1s");
  const q2 = c.get("resourcequotas", "q") as KubeObject;
  assert.equal([q2.status.hard, q2.status.used], [{ pods: "3" }, { pods: "2" }]);
});

test("nothing changed, nothing written: the periodic recount (every 5 min) writes only on drift", () => {
  const { c } = setup(4);
  c.apply(quota("q", { pods: "10" }));
  c.runFor("1s");
  tryCreate(c, pod("a"));
  tryCreate(c, pod("b"));
  c.runFor("1s");
  const before = c.get("resourcequotas", "q") as KubeObject;
  const writes = rows(c, "status-updated").length;
  const t0 = c.sim.now;
  c.runFor("11m");
  const resyncs = rows(c, "resync").filter((r) => r.t > t0);
  assert.is(resyncs.length, 2, "two full resyncs in 11 minutes");
  const syncs = rows(c, "sync").filter((r) => r.t > t0);
  assert.is(syncs.length, 2);
  assert.ok(syncs.every((r) => r.dirty === false));
  assert.is(rows(c, "status-updated").length, writes);
  assert.is((c.get("resourcequotas", "q") as KubeObject).metadata.resourceVersion, before.metadata.resourceVersion);
  // Drift the controller was never told about (a status someone overwrote) is repaired by the next resync.
  c.wait<KubeObject>((cb) => c.admin.patch("resourcequotas", "q", "default", "merge", { status: { used: { pods: "7" } } }, cb, "status"));
  c.runFor("1s");
  assert.equal(used(c, "q"), { pods: "7" }, "a status change alone does not trigger a recount");
  c.runFor("5m");
  assert.equal(used(c, "q"), { pods: "2" });
});

test("a pod stuck Terminating on a dead node stops counting once its grace period has run out twice", () => {
  const { c } = setup(5, { resyncPeriod: "30s" }, { nodes: 1 });
  c.apply(quota("q", { pods: "1" }));
  c.runFor("1s");
  assert.is(tryCreate(c, pod("web", "100m", "node-1")), undefined);
  c.runFor("5s");
  c.nodes!.stop("node-1");
  const t0 = c.sim.now;
  c.delete("pods", "web"); // grace 30 s; the dead kubelet never confirms
  const stuck = c.get("pods", "web") as KubeObject;
  assert.is(stuck.metadata.deletionGracePeriodSeconds, 30);
  // deletionTimestamp = t0 + 30 s; QuotaV1Pod stops counting after deletionTimestamp + 30 s.
  c.runFor("55s");
  assert.equal(used(c, "q"), { pods: "1" });
  assert.ok(tryCreate(c, pod("web-2", "100m")));
  c.runFor("40s"); // past t0 + 60 s, and a 30 s resync later
  assert.ok(c.sim.now - t0 > 90_000);
  assert.ok(c.get("pods", "web"), "still there: only PodGC or the kubelet would remove it");
  assert.equal(used(c, "q"), { pods: "0" });
  assert.is(tryCreate(c, pod("web-2", "100m")), undefined);
});

test("the controller stops: no more writes", () => {
  const { c, rqc } = setup(6);
  c.apply(quota("q", { pods: "5" }));
  c.runFor("1s");
  tryCreate(c, pod("a"));
  rqc.stop();
  c.delete("pods", "a");
  c.runFor("10s");
  assert.equal(used(c, "q"), { pods: "1" });
});

test.run();
