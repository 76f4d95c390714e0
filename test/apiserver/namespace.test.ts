// Namespace lifecycle as the namespace controller sees it: spec.finalizers ["kubernetes"] and
// phase Active on create; DELETE marks Terminating and keeps the object; PUT .../finalize
// replaces spec.finalizers; the namespace goes once both finalizer lists are empty.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { KubeApiError } from "../../src/client/kube-client";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { post, raw } from "./helpers";

const ns = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name }, ...extra });

test("create: spec.finalizers always holds kubernetes, status.phase is Active whatever the manifest says", () => {
  const c = new Cluster({ seed: 21 });
  const a = post(c, "/api/v1/namespaces", ns("a", { spec: { finalizers: ["example.com/x"] }, status: { phase: "Terminating" } }));
  assert.is(a.status, 201);
  assert.equal(a.body.spec.finalizers, ["example.com/x", "kubernetes"]);
  assert.equal(a.body.status, { phase: "Active" });
  const b = post(c, "/api/v1/namespaces", ns("b"));
  assert.equal(b.body.spec.finalizers, ["kubernetes"]);
  // A plain update cannot touch spec.finalizers (only /finalize can) nor status.
  const upd = raw(c, { method: "PUT", path: "/api/v1/namespaces/b", body: JSON.stringify({ ...b.body, metadata: { ...b.body.metadata, labels: { team: "x" } }, spec: { finalizers: [] }, status: { phase: "Terminating" } }) });
  assert.is(upd.status, 200);
  assert.equal(upd.body.spec.finalizers, ["kubernetes"]);
  assert.is(upd.body.status.phase, "Active");
  assert.is(upd.body.metadata.labels.team, "x");
});

test("delete marks Terminating; a second delete is a 409; creates inside are refused with cause NamespaceTerminating", () => {
  const c = new Cluster({ seed: 22 });
  post(c, "/api/v1/namespaces", ns("team"));
  const del = raw(c, { method: "DELETE", path: "/api/v1/namespaces/team" });
  assert.is(del.status, 200);
  assert.is(del.body.status.phase, "Terminating");
  assert.ok(del.body.metadata.deletionTimestamp);
  const still = raw(c, { path: "/api/v1/namespaces/team" });
  assert.is(still.status, 200, "held by the kubernetes finalizer");
  assert.equal(still.body.spec.finalizers, ["kubernetes"]);
  const again = raw(c, { method: "DELETE", path: "/api/v1/namespaces/team" });
  assert.equal(
    [again.status, again.body.reason, again.body.message],
    [409, "Conflict", 'Operation cannot be fulfilled on namespaces "team": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.'],
  );
  const cm = post(c, "/api/v1/namespaces/team/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } });
  assert.is(cm.status, 403);
  assert.is(cm.body.reason, "Forbidden");
  assert.is(cm.body.message, 'configmaps "x" is forbidden: unable to create new content in namespace team because it is being terminated');
  assert.equal(cm.body.details.causes, [{ reason: "NamespaceTerminating", message: "namespace team is being terminated", field: "metadata.namespace" }]);
});

test("finalize through KubeClient.updateSubresource removes a terminating namespace; bad names are 422; only PUT", () => {
  const c = new Cluster({ seed: 23 });
  post(c, "/api/v1/namespaces", ns("team"));
  const get = raw(c, { path: "/api/v1/namespaces/team/finalize" });
  assert.is(get.status, 405);
  // Finalizing an Active namespace just empties the list; it stays.
  const cur = c.get("namespaces", "team") as KubeObject;
  const bad = raw(c, { method: "PUT", path: "/api/v1/namespaces/team/finalize", body: JSON.stringify({ ...cur, spec: { finalizers: ["nope"] } }) });
  assert.equal([bad.status, bad.body.message], [422, 'Namespace "team" is invalid: spec.finalizers[0]: Invalid value: "nope": name is neither a standard finalizer name nor is it fully qualified']);
  c.delete("namespaces", "team");
  const terminating = c.get("namespaces", "team") as KubeObject;
  // A stale resourceVersion is a conflict, as for any update.
  const stale = { ...terminating, metadata: { ...terminating.metadata, resourceVersion: cur.metadata.resourceVersion }, spec: { finalizers: [] } };
  let err: unknown;
  try {
    c.wait<KubeObject>((cb) => c.admin.updateSubresource(stale, "finalize", cb));
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof KubeApiError && err.code === 409);
  const out = c.wait<KubeObject>((cb) => c.admin.updateSubresource({ ...terminating, spec: { finalizers: [] } }, "finalize", cb));
  assert.is(out.spec.finalizers, undefined, "omitempty: an emptied list is not written");
  assert.is(raw(c, { path: "/api/v1/namespaces/team" }).status, 404, "both finalizer lists empty: removed");
});

test("metadata.finalizers hold a namespace after finalize until they are gone too", () => {
  const c = new Cluster({ seed: 24 });
  post(c, "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "held", finalizers: ["example.com/keep"] } });
  c.delete("namespaces", "held");
  const t = c.get("namespaces", "held") as KubeObject;
  const fin = raw(c, { method: "PUT", path: "/api/v1/namespaces/held/finalize", body: JSON.stringify({ ...t, spec: { finalizers: [] } }) });
  assert.is(fin.status, 200);
  assert.equal(fin.body.metadata.finalizers, ["example.com/keep"], "finalize changes spec only");
  assert.is(raw(c, { path: "/api/v1/namespaces/held" }).status, 200);
  c.patch("namespaces", "held", { metadata: { finalizers: null } }, "merge");
  assert.is(raw(c, { path: "/api/v1/namespaces/held" }).status, 404);
});

test.run();
