// The garbage collector: background, foreground and orphan propagation with a ReplicaSet-like
// owner and hand-made pods; dangling references (absent owner, owner of another uid); chains;
// cluster-scoped owners; an owner that exists is never collected against.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Cluster } from "../../src/cluster/cluster";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { garbageCollector, garbageCollectorWith } from "../../src/controllers/garbagecollector/garbagecollector";
import { configMap, create, newCluster, newManager, ownerRef, pod, replicaSet, tryGet } from "./helpers-d";

function withGC(seed: number, resources?: string[]): Cluster {
  const c = newCluster(seed);
  newManager(c, "gc", { garbagecollector: resources ? garbageCollectorWith({ resources }) : garbageCollector }, { leaderElect: false }).kcm.start();
  c.runFor("2s"); // informers list, workers start
  return c;
}

function gcRows(c: Cluster, kind: string): any[] {
  return c.sim.trace.rows().filter((r: any) => r.component === "garbage-collector" && r.kind === kind);
}

function gone(c: Cluster, kind: string, names: string[], ns = "default"): boolean {
  return names.every((n) => tryGet(c, kind, n, ns) === undefined);
}

test("background: deleting the owner deletes its dependents afterwards; a co-owned dependent only loses the reference", () => {
  const c = withGC(1);
  const rs = create(c, replicaSet("web"));
  const other = create(c, configMap("keeper"));
  const ref = ownerRef(rs, { controller: true, blockOwnerDeletion: true });
  create(c, pod("web-a", [ref]));
  create(c, pod("web-b", [ref]));
  create(c, configMap("web-cfg", "default", { ownerReferences: [ownerRef(rs)] }));
  create(c, pod("shared", [ownerRef(rs), ownerRef(other)]));
  c.runFor("2s");
  assert.ok(tryGet(c, "pods", "web-a"), "nothing is collected while the owner lives");
  c.delete("replicasets", "web"); // no policy: apps/v1 deletes in the background
  assert.is(tryGet(c, "replicasets", "web"), undefined, "the owner is gone at once");
  c.sim.runUntil(() => gone(c, "pods", ["web-a", "web-b"]) && gone(c, "configmaps", ["web-cfg"]), "10s");
  assert.ok(gone(c, "pods", ["web-a", "web-b"]), "pods collected");
  assert.ok(gone(c, "configmaps", ["web-cfg"]), "configmap collected");
  c.runFor("2s");
  const shared = tryGet(c, "pods", "shared")!;
  assert.ok(shared, "a dependent with a live owner stays");
  assert.equal(shared.metadata.ownerReferences!.map((r) => r.uid), [other.metadata.uid]);
  const deletes = gcRows(c, "delete");
  assert.equal(deletes.map((r) => r.propagationPolicy), ["Background", "Background", "Background"]);
});

test("foreground: the owner stays (deletionTimestamp + finalizer) until its blocking dependents are gone", () => {
  const c = withGC(2);
  const rs = create(c, replicaSet("api"));
  const block = ownerRef(rs, { controller: true, blockOwnerDeletion: true });
  create(c, pod("api-a", [block]));
  // This one is held by another finalizer: it gets a deletionTimestamp but stays until released.
  create(c, pod("api-held", [block], "default", { finalizers: ["example.com/hold"] }));
  create(c, configMap("api-nonblocking", "default", { ownerReferences: [ownerRef(rs, { blockOwnerDeletion: false })] }));
  c.runFor("1s");
  c.delete("replicasets", "api", "default", { propagationPolicy: "Foreground" });
  const marked = tryGet(c, "replicasets", "api")!;
  assert.ok(marked.metadata.deletionTimestamp);
  assert.ok(marked.metadata.finalizers!.includes("foregroundDeletion"));
  c.runFor("5s");
  assert.is(tryGet(c, "pods", "api-a"), undefined, "a blocking dependent is deleted");
  assert.is(tryGet(c, "configmaps", "api-nonblocking"), undefined, "a non-blocking dependent is deleted too");
  const held = tryGet(c, "pods", "api-held")!;
  assert.ok(held.metadata.deletionTimestamp, "the held pod is being deleted");
  assert.ok(tryGet(c, "replicasets", "api"), "the owner waits for the held pod (blockOwnerDeletion)");
  c.runFor("20s");
  assert.ok(tryGet(c, "replicasets", "api"), "still waiting");
  c.patch("pods", "api-held", { metadata: { finalizers: null } }, "merge");
  c.sim.runUntil(() => tryGet(c, "replicasets", "api") === undefined, "10s");
  assert.is(tryGet(c, "replicasets", "api"), undefined, "the finalizer was removed, the owner is gone");
  assert.ok(gcRows(c, "remove-finalizer").some((r) => r.finalizer === "foregroundDeletion"));
});

test("foreground: a non-blocking dependent does not hold the owner", () => {
  const c = withGC(12);
  const rs = create(c, replicaSet("nb"));
  create(c, pod("nb-held", [ownerRef(rs)], "default", { finalizers: ["example.com/hold"] }));
  c.runFor("1s");
  c.delete("replicasets", "nb", "default", { propagationPolicy: "Foreground" });
  c.sim.runUntil(() => tryGet(c, "replicasets", "nb") === undefined, "10s");
  assert.is(tryGet(c, "replicasets", "nb"), undefined);
  assert.ok(tryGet(c, "pods", "nb-held")!.metadata.deletionTimestamp, "the dependent was asked to go, and is held by its own finalizer");
});

test("orphan: dependents lose the reference and live on; the owner goes once they are released", () => {
  const c = withGC(3);
  const rs = create(c, replicaSet("db"));
  const other = create(c, configMap("db-other"));
  create(c, pod("db-a", [ownerRef(rs, { controller: true, blockOwnerDeletion: true })]));
  create(c, pod("db-b", [ownerRef(rs), ownerRef(other)]));
  c.runFor("1s");
  c.delete("replicasets", "db", "default", { propagationPolicy: "Orphan" });
  assert.ok(tryGet(c, "replicasets", "db")!.metadata.finalizers!.includes("orphan"));
  c.sim.runUntil(() => tryGet(c, "replicasets", "db") === undefined, "10s");
  assert.is(tryGet(c, "replicasets", "db"), undefined);
  c.runFor("5s");
  const a = tryGet(c, "pods", "db-a")!;
  const b = tryGet(c, "pods", "db-b")!;
  assert.ok(a && b, "orphans are not deleted");
  assert.is(a.metadata.ownerReferences, undefined, "no references left");
  assert.equal(b.metadata.ownerReferences!.map((r) => r.name), ["db-other"]);
});

test("dangling references: an absent owner, or a namesake with another uid, means the dependent is garbage", () => {
  const c = withGC(4);
  const rs = create(c, replicaSet("ghost"));
  const uid = rs.metadata.uid!;
  c.delete("replicasets", "ghost");
  c.runFor("1s");
  const again = create(c, replicaSet("ghost")); // same name, new uid
  assert.is.not(again.metadata.uid, uid);
  create(c, pod("stale", [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "ghost", uid }]));
  create(c, pod("nobody", [{ apiVersion: "v1", kind: "ConfigMap", name: "never-existed", uid: "0b3d1c22-0000-4000-8000-000000000001" }]));
  create(c, pod("alive", [ownerRef(again)]));
  c.sim.runUntil(() => gone(c, "pods", ["stale", "nobody"]), "10s");
  assert.ok(gone(c, "pods", ["stale", "nobody"]));
  c.runFor("5s");
  assert.ok(tryGet(c, "pods", "alive"), "the pod of the live namesake stays");
  // The owners were verified by GET: a namesake of another uid, and nothing at all.
  const why = gcRows(c, "virtual-delete").map((r) => `${r.object}:${r.why}`).sort();
  assert.equal(why, ["ConfigMap/default/never-existed:not found", "ReplicaSet/default/ghost:uid mismatch"]);
});

test("a chain: Deployment → ReplicaSet → Pod, deleted in the foreground from the top, goes bottom-up", () => {
  const c = withGC(5);
  const dep = create(c, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "shop", namespace: "default" },
    spec: { replicas: 1, selector: { matchLabels: { app: "shop" } }, template: { metadata: { labels: { app: "shop" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
  });
  const rs = create(c, { ...replicaSet("shop-1"), metadata: { name: "shop-1", namespace: "default", ownerReferences: [ownerRef(dep, { controller: true, blockOwnerDeletion: true })] } });
  create(c, pod("shop-1-a", [ownerRef(rs, { controller: true, blockOwnerDeletion: true })], "default", { finalizers: ["example.com/hold"] }));
  c.runFor("1s");
  c.delete("deployments", "shop", "default", { propagationPolicy: "Foreground" });
  c.runFor("5s");
  const rsNow = tryGet(c, "replicasets", "shop-1")!;
  assert.ok(rsNow && rsNow.metadata.finalizers!.includes("foregroundDeletion"), "the ReplicaSet, itself an owner, is deleted in the foreground");
  assert.ok(tryGet(c, "deployments", "shop"), "the Deployment waits for it");
  c.patch("pods", "shop-1-a", { metadata: { finalizers: null } }, "merge");
  c.sim.runUntil(() => tryGet(c, "deployments", "shop") === undefined, "10s");
  assert.ok(gone(c, "pods", ["shop-1-a"]) && gone(c, "replicasets", ["shop-1"]) && gone(c, "deployments", ["shop"]));
});

test("a cluster-scoped owner: a ClusterRole owning a ConfigMap", () => {
  const c = withGC(6);
  const cr = create(c, { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "owner-role" }, rules: [] });
  create(c, configMap("owned-by-role", "default", { ownerReferences: [ownerRef(cr)] }));
  c.runFor("3s");
  assert.ok(tryGet(c, "configmaps", "owned-by-role"), "the owner exists: kept");
  c.delete("clusterroles", "owner-role");
  c.sim.runUntil(() => tryGet(c, "configmaps", "owned-by-role") === undefined, "10s");
  assert.is(tryGet(c, "configmaps", "owned-by-role"), undefined);
});

test("only monitored resources are collected", () => {
  // Pods are not monitored: their ownerReferences are invisible to this collector.
  const c = withGC(7, ["replicasets", "configmaps"]);
  const rs = create(c, replicaSet("m"));
  create(c, pod("m-pod", [ownerRef(rs)]));
  create(c, configMap("m-cfg", "default", { ownerReferences: [ownerRef(rs)] }));
  c.runFor("1s");
  c.delete("replicasets", "m");
  c.sim.runUntil(() => tryGet(c, "configmaps", "m-cfg") === undefined, "10s");
  assert.is(tryGet(c, "configmaps", "m-cfg"), undefined);
  c.runFor("3s");
  assert.ok(tryGet(c, "pods", "m-pod"), "an unmonitored dependent is left alone");
});

test("owners are checked live: an unmonitored owner that exists keeps its dependents; once deleted, they go", () => {
  // ReplicaSets are not monitored: the collector only knows the owner from the pod's reference
  // (a virtual node) and must GET it from the API server.
  const c = withGC(8, ["pods"]);
  const rs = create(c, replicaSet("live"));
  create(c, pod("live-pod", [ownerRef(rs)]));
  c.runFor("10s");
  assert.ok(tryGet(c, "pods", "live-pod"), "the owner exists: the dependent stays");
  assert.is(gcRows(c, "delete").length, 0);
  c.delete("replicasets", "live");
  c.sim.runUntil(() => tryGet(c, "pods", "live-pod") === undefined, "60s");
  assert.is(tryGet(c, "pods", "live-pod"), undefined, "re-checked until found absent");
});

test("deterministic: same seed, same garbage-collector trace", () => {
  const run = () => {
    const c = withGC(9);
    const rs = create(c, replicaSet("d"));
    for (const n of ["d-1", "d-2", "d-3"]) create(c, pod(n, [ownerRef(rs, { blockOwnerDeletion: true })]));
    c.runFor("1s");
    c.delete("replicasets", "d", "default", { propagationPolicy: "Foreground" });
    c.runFor("5s");
    return JSON.stringify(c.sim.trace.rows().filter((r: any) => r.component === "garbage-collector"));
  };
  const a = run();
  assert.ok(a.includes("remove-finalizer"));
  assert.is(run(), a);
});

test.run();
