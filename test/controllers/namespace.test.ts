// The namespace controller: a deleted namespace is emptied (every namespaced kind), waits for
// content held by finalizers (with conditions saying so), then is finalized and removed.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Cluster } from "../../src/cluster/cluster";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { namespaceController } from "../../src/controllers/namespace/namespace-controller";
import { deletableNamespacedResources } from "../../src/controllers/namespace/deleter";
import { serviceAccountController } from "../../src/controllers/serviceaccount/serviceaccounts-controller";
import { configMap, create, newCluster, newManager, pod, replicaSet, tryGet } from "./helpers-d";

function withNamespaceController(seed: number): Cluster {
  const c = newCluster(seed);
  newManager(c, "ns", { namespace: namespaceController, serviceaccount: serviceAccountController }, { leaderElect: false }).kcm.start();
  c.runFor("1s");
  return c;
}

function fill(c: Cluster, ns: string): void {
  c.apply(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`);
  create(c, pod("p1", [], ns));
  create(c, pod("p2", [], ns));
  create(c, configMap("cm", ns));
  create(c, { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: ns }, stringData: { a: "b" } });
  create(c, replicaSet("rs", ns));
  create(c, { apiVersion: "v1", kind: "Service", metadata: { name: "svc", namespace: ns }, spec: { selector: { app: "x" }, ports: [{ port: 80 }] } });
}

function condition(ns: KubeObject, type: string): any {
  return (ns.status?.conditions ?? []).find((x: any) => x.type === type);
}

test("the catalog's deletable namespaced kinds include pods, configmaps, leases, not bindings or namespaces", () => {
  const names = deletableNamespacedResources().map((r) => r.resource);
  for (const r of ["pods", "configmaps", "secrets", "serviceaccounts", "replicasets", "deployments", "leases", "events"]) assert.ok(names.includes(r), r);
  assert.not.ok(names.includes("bindings"));
  assert.not.ok(names.includes("namespaces"));
  assert.not.ok(names.includes("nodes"));
});

test("deleting a namespace removes all its content, then the namespace itself", () => {
  const c = withNamespaceController(1);
  fill(c, "shop");
  fill(c, "other");
  c.runFor("1s");
  assert.ok(tryGet(c, "serviceaccounts", "default", "shop"), "the ServiceAccount controller gave it a default account");
  c.delete("namespaces", "shop");
  const marked = tryGet(c, "namespaces", "shop", "")!;
  assert.is(marked.status!.phase, "Terminating");
  c.sim.runUntil(() => tryGet(c, "namespaces", "shop", "") === undefined, "30s");
  assert.is(tryGet(c, "namespaces", "shop", ""), undefined, "the namespace is gone");
  for (const kind of ["pods", "configmaps", "secrets", "replicasets", "services", "serviceaccounts"]) {
    const list = c.get(kind, undefined, "shop") as any;
    assert.is(list.items.length, 0, `${kind} left in shop`);
  }
  assert.is((c.get("pods", undefined, "other") as any).items.length, 2, "another namespace is untouched");
  assert.ok(tryGet(c, "serviceaccounts", "default", "other"));
  assert.ok(c.sim.trace.rows().some((r: any) => r.component === "namespace-controller" && r.kind === "finalized" && r.namespace === "shop"));
});

test("content held by a finalizer keeps the namespace Terminating, with conditions naming it; released, it goes", () => {
  const c = withNamespaceController(2);
  fill(c, "held");
  create(c, configMap("keep", "held", { finalizers: ["example.com/hold"] }));
  c.runFor("1s");
  c.delete("namespaces", "held");
  c.runFor("20s");
  const ns = tryGet(c, "namespaces", "held", "")!;
  assert.ok(ns, "still there");
  assert.is(ns.status!.phase, "Terminating");
  assert.equal(ns.spec!.finalizers, ["kubernetes"]);
  const remaining = condition(ns, "NamespaceContentRemaining");
  assert.is(remaining.status, "True");
  assert.is(remaining.reason, "SomeResourcesRemain");
  assert.is(remaining.message, "Some resources are remaining: configmaps. has 1 resource instances");
  const fins = condition(ns, "NamespaceFinalizersRemaining");
  assert.is(fins.status, "True");
  assert.is(fins.message, "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances");
  assert.is(condition(ns, "NamespaceDeletionDiscoveryFailure").reason, "ResourcesDiscovered");
  assert.is(condition(ns, "NamespaceDeletionContentFailure").status, "False");
  assert.is((c.get("pods", undefined, "held") as any).items.length, 0, "everything else is gone");
  // Creating in a terminating namespace is refused (by the API server's admission).
  assert.throws(() => create(c, configMap("late", "held")), /being terminated/);
  // No default ServiceAccount comes back in a terminating namespace.
  assert.is(tryGet(c, "serviceaccounts", "default", "held"), undefined);
  c.patch("configmaps", "keep", { metadata: { finalizers: null } }, "merge", "held");
  // Next look after 15/2 + 1 = 8.5 s at most.
  c.sim.runUntil(() => tryGet(c, "namespaces", "held", "") === undefined, "10s");
  assert.is(tryGet(c, "namespaces", "held", ""), undefined);
  const requeues = c.sim.trace.rows().filter((r: any) => r.component === "namespace-controller" && r.kind === "content-remaining" && r.namespace === "held");
  assert.ok(requeues.length >= 2);
  assert.ok(requeues.every((r: any) => r.requeueAfter === (r.estimate / 2 + 1) * 1000));
});

test("another finalizer on the namespace: the controller removes only its own, the namespace waits", () => {
  const c = withNamespaceController(3);
  c.apply(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ext}\nspec: {finalizers: [kubernetes, example.com/ext]}\n`);
  create(c, configMap("cm", "ext"));
  c.runFor("1s");
  c.delete("namespaces", "ext");
  c.runFor("10s");
  const ns = tryGet(c, "namespaces", "ext", "")!;
  assert.ok(ns, "held by example.com/ext");
  assert.equal(ns.spec!.finalizers, ["example.com/ext"]);
  assert.is((c.get("configmaps", undefined, "ext") as any).items.length, 0);
});

test.run();
