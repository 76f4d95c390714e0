// Storage semantics through the API server: etcd layout, resourceVersion, 409 on a stale
// resourceVersion, generateName, generation, status subresource, scale, graceful deletion,
// finalizers, limit/continue, and watches (rv=0 synthetic ADDED, from an RV, bookmarks, 410).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { Session } from "../../src/etcd/client/session";
import { EtcdClient } from "../../src/etcd/client/client";
import { raw, post, pod, watch } from "./helpers";

const PODS = "/api/v1/namespaces/default/pods";
const DEPLOYS = "/apis/apps/v1/namespaces/default/deployments";

const deploy = (name: string, replicas = 2) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } } },
});

test("create: stored as JSON at /registry/<resource>/<ns>/<name>, resourceVersion = mod_revision, uid, timestamp", () => {
  const c = new Cluster({ seed: 2 });
  const r = post(c, PODS, pod("web-1"));
  assert.is(r.status, 201);
  const o = r.body;
  assert.match(o.metadata.uid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.match(o.metadata.creationTimestamp, /^2026-01-01T00:00:\d\dZ$/);
  assert.is(o.metadata.generation, undefined, "pods have no generation in 1.32 (PodObservedGenerationTracking is 1.33)");
  const kv = new Session(new EtcdClient(c.sim, { name: "peek", endpoints: c.etcd!.members }), c.sim);
  const got = kv.get("/registry/pods/default/web-1");
  assert.is(String(got.kvs[0].mod_revision), o.metadata.resourceVersion);
  const stored = JSON.parse(kv.value("/registry/pods/default/web-1")!);
  assert.is(stored.metadata.uid, o.metadata.uid);
  assert.is(stored.metadata.resourceVersion, undefined, "resourceVersion is not stored, it is the revision");
  const again = post(c, PODS, pod("web-1"));
  assert.is(again.status, 409);
  assert.is(again.body.reason, "AlreadyExists");
  assert.is(again.body.message, 'pods "web-1" already exists');
  const missing = raw(c, { path: `${PODS}/nope` });
  assert.equal([missing.status, missing.body.reason, missing.body.message], [404, "NotFound", 'pods "nope" not found']);
  assert.equal(missing.body.details, { name: "nope", kind: "pods" });
});

test("generateName: 5 characters from the name alphabet, seeded", () => {
  const names = [1, 2].map(() => {
    const c = new Cluster({ seed: 3 });
    return post(c, PODS, { ...pod(""), metadata: { generateName: "web-" } }).body.metadata.name;
  });
  assert.match(names[0], /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.is(names[0], names[1], "same seed, same name");
});

test("update: 409 Conflict on a stale resourceVersion; PUT without one is unconditional; no-op keeps the RV", () => {
  const c = new Cluster({ seed: 4 });
  const created = post(c, DEPLOYS, deploy("web")).body;
  const a = JSON.parse(JSON.stringify(created));
  a.spec.replicas = 3;
  const ok = raw(c, { method: "PUT", path: `${DEPLOYS}/web`, body: JSON.stringify(a) });
  assert.is(ok.status, 200);
  assert.is(ok.body.metadata.generation, 2, "spec change bumps generation");
  const stale = JSON.parse(JSON.stringify(created));
  stale.spec.replicas = 5;
  const lost = raw(c, { method: "PUT", path: `${DEPLOYS}/web`, body: JSON.stringify(stale) });
  assert.is(lost.status, 409);
  assert.is(lost.body.reason, "Conflict");
  assert.is(lost.body.message, 'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again');
  delete stale.metadata.resourceVersion;
  const forced = raw(c, { method: "PUT", path: `${DEPLOYS}/web`, body: JSON.stringify(stale) });
  assert.is(forced.status, 200);
  assert.is(forced.body.spec.replicas, 5);
  const same = raw(c, { method: "PUT", path: `${DEPLOYS}/web`, body: JSON.stringify(forced.body) });
  assert.is(same.body.metadata.resourceVersion, forced.body.metadata.resourceVersion, "an update that changes nothing is not written");
  // Labels are metadata: no generation bump.
  const lab = raw(c, { method: "PATCH", path: `${DEPLOYS}/web`, headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ metadata: { labels: { x: "y" } } }) });
  assert.is(lab.body.metadata.generation, forced.body.metadata.generation);
});

test("status subresource: main resource ignores status, /status changes only status", () => {
  const c = new Cluster({ seed: 5 });
  const d = post(c, DEPLOYS, { ...deploy("web"), status: { replicas: 99 } }).body;
  assert.equal(d.status, {}, "status is reset on create");
  const withStatus = { ...d, status: { replicas: 2, readyReplicas: 2 }, spec: { ...d.spec, replicas: 7 } };
  const st = raw(c, { method: "PUT", path: `${DEPLOYS}/web/status`, body: JSON.stringify(withStatus) });
  assert.is(st.status, 200);
  assert.equal(st.body.status, { replicas: 2, readyReplicas: 2 });
  assert.is(st.body.spec.replicas, 2, "/status ignores the spec");
  assert.is(st.body.metadata.generation, 1);
  const main = raw(c, { method: "PUT", path: `${DEPLOYS}/web`, body: JSON.stringify({ ...st.body, status: { replicas: 0 } }) });
  assert.equal(main.body.status, { replicas: 2, readyReplicas: 2 }, "the main resource ignores status");
});

test("scale subresource: GET Scale, PATCH replicas (kubectl scale)", () => {
  const c = new Cluster({ seed: 6 });
  post(c, DEPLOYS, deploy("web", 2));
  const s = raw(c, { path: `${DEPLOYS}/web/scale` });
  assert.is(s.body.kind, "Scale");
  assert.is(s.body.apiVersion, "autoscaling/v1");
  assert.equal(s.body.spec, { replicas: 2 });
  assert.equal(s.body.status, { replicas: 0, selector: "app=web" });
  const p = raw(c, { method: "PATCH", path: `${DEPLOYS}/web/scale`, headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ spec: { replicas: 5 } }) });
  assert.is(p.status, 200);
  assert.is(p.body.spec.replicas, 5);
  const d = raw(c, { path: `${DEPLOYS}/web` }).body;
  assert.is(d.spec.replicas, 5);
  assert.is(d.metadata.generation, 2);
  const bad = raw(c, { method: "PATCH", path: `${DEPLOYS}/web/scale`, headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ spec: { replicas: -1 } }) });
  assert.is(bad.status, 422);
  assert.is(bad.body.message, 'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
});

test("graceful deletion: a pod on a node gets deletionTimestamp + grace; unscheduled or grace 0 goes at once", () => {
  const c = new Cluster({ seed: 7 });
  post(c, PODS, pod("free"));
  const del = raw(c, { method: "DELETE", path: `${PODS}/free` });
  assert.is(del.status, 200);
  assert.is(raw(c, { path: `${PODS}/free` }).status, 404, "unscheduled: deleted at once");
  post(c, PODS, pod("bound"));
  const b = raw(c, { method: "POST", path: `${PODS}/bound/binding`, body: JSON.stringify({ apiVersion: "v1", kind: "Binding", metadata: { name: "bound" }, target: { kind: "Node", name: "node-1" } }) });
  assert.is(b.status, 201);
  const bound = raw(c, { path: `${PODS}/bound` }).body;
  assert.is(bound.spec.nodeName, "node-1");
  const again = raw(c, { method: "POST", path: `${PODS}/bound/binding`, body: JSON.stringify({ apiVersion: "v1", kind: "Binding", metadata: { name: "bound" }, target: { kind: "Node", name: "node-2" } }) });
  assert.is(again.status, 409);
  const g = raw(c, { method: "DELETE", path: `${PODS}/bound`, body: JSON.stringify({ kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" }) });
  assert.is(g.status, 200);
  assert.is(g.body.metadata.deletionGracePeriodSeconds, 30);
  assert.ok(g.body.metadata.deletionTimestamp > bound.metadata.creationTimestamp);
  assert.is(raw(c, { path: `${PODS}/bound` }).status, 200, "still there during the grace period");
  const now = raw(c, { method: "DELETE", path: `${PODS}/bound`, query: { gracePeriodSeconds: "0" } });
  assert.is(now.status, 200);
  assert.is(raw(c, { path: `${PODS}/bound` }).status, 404, "the kubelet's final delete (grace 0)");
});

test("bindings: POST /namespaces/<ns>/bindings (the older path) binds too, with PodScheduled", () => {
  const c = new Cluster({ seed: 13 });
  post(c, PODS, pod("old"));
  const b = raw(c, { method: "POST", path: "/api/v1/namespaces/default/bindings", body: JSON.stringify({ apiVersion: "v1", kind: "Binding", metadata: { name: "old" }, target: { kind: "Node", name: "n1" } }) });
  assert.is(b.status, 201);
  const p = raw(c, { path: `${PODS}/old` }).body;
  assert.is(p.spec.nodeName, "n1");
  assert.is(p.status.conditions.find((x: any) => x.type === "PodScheduled")?.status, "True");
  const bad = raw(c, { method: "POST", path: "/api/v1/namespaces/default/bindings", body: JSON.stringify({ apiVersion: "v1", kind: "Binding", metadata: { name: "old" }, target: {} }) });
  assert.equal([bad.status, bad.body.message], [422, 'Binding "old" is invalid: target.name: Required value']);
});

test("finalizers hold an object until the last one is removed", () => {
  const c = new Cluster({ seed: 8 });
  const cm = post(c, "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "held", finalizers: ["example.com/a", "example.com/b"] }, data: { k: "v" } });
  assert.is(cm.status, 201);
  const d = raw(c, { method: "DELETE", path: "/api/v1/namespaces/default/configmaps/held" });
  assert.ok(d.body.metadata.deletionTimestamp);
  const p1 = raw(c, { method: "PATCH", path: "/api/v1/namespaces/default/configmaps/held", headers: { "content-type": "application/json-patch+json" }, body: JSON.stringify([{ op: "remove", path: "/metadata/finalizers/0" }]) });
  assert.is(p1.status, 200);
  assert.equal(p1.body.metadata.finalizers, ["example.com/b"]);
  assert.is(raw(c, { path: "/api/v1/namespaces/default/configmaps/held" }).status, 200);
  const p2 = raw(c, { method: "PATCH", path: "/api/v1/namespaces/default/configmaps/held", headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ metadata: { finalizers: null } }) });
  assert.is(p2.status, 200);
  assert.is(raw(c, { path: "/api/v1/namespaces/default/configmaps/held" }).status, 404, "removing the last finalizer deletes it");
});

test("list: label and field selectors, limit/continue at one revision", () => {
  const c = new Cluster({ seed: 9 });
  for (let i = 0; i < 7; i++) post(c, PODS, { ...pod(`p${i}`), metadata: { name: `p${i}`, labels: { app: i % 2 ? "odd" : "even" } } });
  const odd = raw(c, { path: PODS, query: { labelSelector: "app=odd" } }).body;
  assert.equal(odd.items.map((p: any) => p.metadata.name), ["p1", "p3", "p5"]);
  assert.is(odd.kind, "PodList");
  const byName = raw(c, { path: PODS, query: { fieldSelector: "metadata.name=p4" } }).body;
  assert.equal(byName.items.map((p: any) => p.metadata.name), ["p4"]);
  const notRunning = raw(c, { path: "/api/v1/pods", query: { fieldSelector: "status.phase!=Running" } }).body;
  assert.is(notRunning.items.length, 7);
  const page1 = raw(c, { path: PODS, query: { limit: "3" } }).body;
  assert.equal(page1.items.map((p: any) => p.metadata.name), ["p0", "p1", "p2"]);
  assert.ok(page1.metadata.continue);
  post(c, PODS, pod("p00")); // written after page 1: not in the snapshot
  const page2 = raw(c, { path: PODS, query: { limit: "3", continue: page1.metadata.continue } }).body;
  assert.equal(page2.items.map((p: any) => p.metadata.name), ["p3", "p4", "p5"]);
  assert.is(page2.metadata.resourceVersion, page1.metadata.resourceVersion);
  const page3 = raw(c, { path: PODS, query: { limit: "3", continue: page2.metadata.continue } }).body;
  assert.equal(page3.items.map((p: any) => p.metadata.name), ["p6"]);
  assert.is(page3.metadata.continue, undefined);
  const bad = raw(c, { path: PODS, query: { labelSelector: "a in b" } });
  assert.is(bad.status, 400);
  const badField = raw(c, { path: PODS, query: { fieldSelector: "spec.foo=x" } });
  assert.is(badField.status, 400);
});

function compact(c: Cluster): number {
  const rev = Number(raw(c, { path: PODS }).body.metadata.resourceVersion);
  let done = false;
  c.apiserver.store.compact(rev, () => (done = true));
  c.sim.runUntil(() => done, "10s");
  return rev;
}

test("410 Gone: an expired continue token, an exact list and a watch from a compacted RV", () => {
  const c = new Cluster({ seed: 10 });
  for (let i = 0; i < 4; i++) post(c, PODS, pod(`p${i}`));
  const page1 = raw(c, { path: PODS, query: { limit: "2" } }).body;
  const old = Number(page1.metadata.resourceVersion);
  post(c, PODS, pod("later"));
  compact(c);
  const expired = raw(c, { path: PODS, query: { limit: "2", continue: page1.metadata.continue } });
  assert.is(expired.status, 410);
  assert.is(expired.body.reason, "Expired");
  const exact = raw(c, { path: PODS, query: { resourceVersion: String(old), resourceVersionMatch: "Exact" } });
  assert.is(exact.status, 410);
  const w = watch(c, PODS, { resourceVersion: String(old - 1) });
  c.runFor("1s");
  assert.is(w.status, 200, "a watch answers 200 and then an ERROR event");
  assert.is(w.events.length, 1);
  assert.is(w.events[0].type, "ERROR");
  assert.is(w.events[0].object.code, 410);
  assert.match(w.events[0].object.message, new RegExp(`^too old resource version: ${old - 1} \\(\\d+\\)$`));
  assert.ok(w.ended);
});

test("watch: rv=0 starts with synthetic ADDED; then MODIFIED/DELETED; label selector transitions; bookmarks", () => {
  const c = new Cluster({ seed: 11 });
  post(c, PODS, pod("a"));
  const w = watch(c, PODS, { resourceVersion: "0", allowWatchBookmarks: "true", labelSelector: "app=web" });
  c.runFor("100ms");
  assert.equal(w.events.map((e) => `${e.type} ${e.object.metadata.name}`), ["ADDED a"]);
  post(c, PODS, pod("b"));
  raw(c, { method: "PATCH", path: `${PODS}/a`, headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ metadata: { labels: { x: "1" } } }) });
  raw(c, { method: "PATCH", path: `${PODS}/b`, headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ metadata: { labels: { app: "other" } } }) });
  raw(c, { method: "DELETE", path: `${PODS}/a` });
  c.runFor("100ms");
  assert.equal(w.events.map((e) => `${e.type} ${e.object.metadata.name}`), ["ADDED a", "ADDED b", "MODIFIED a", "DELETED b", "DELETED a"]);
  const del = w.events[4].object;
  assert.ok(Number(del.metadata.resourceVersion) > Number(w.events[2].object.metadata.resourceVersion), "DELETED carries the deletion revision");
  c.runFor("61s");
  const bm = w.events.filter((e) => e.type === "BOOKMARK");
  assert.ok(bm.length >= 1);
  assert.equal(Object.keys(bm[0].object.metadata), ["resourceVersion"]);
  assert.is(bm[0].object.kind, "Pod");
  // From an RV: only what happened after it, no synthetic events.
  const rv = raw(c, { path: PODS }).body.metadata.resourceVersion;
  const w2 = watch(c, PODS, { resourceVersion: rv });
  post(c, PODS, pod("c"));
  c.runFor("100ms");
  assert.equal(w2.events.map((e) => `${e.type} ${e.object.metadata.name}`), ["ADDED c"]);
  w2.close();
  post(c, PODS, pod("d"));
  c.runFor("100ms");
  assert.is(w2.events.length, 1, "a closed watch gets nothing more");
  // timeoutSeconds ends the stream.
  const w3 = watch(c, PODS, { resourceVersion: rv, timeoutSeconds: "5" });
  c.runFor("6s");
  assert.ok(w3.ended);
});

test("watch of one object by fieldSelector metadata.name (kubectl get pod x -w)", () => {
  const c = new Cluster({ seed: 12 });
  post(c, PODS, pod("x"));
  post(c, PODS, pod("y"));
  const w = watch(c, PODS, { fieldSelector: "metadata.name=x", resourceVersion: "0" });
  raw(c, { method: "PATCH", path: `${PODS}/y`, headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ metadata: { labels: { z: "1" } } }) });
  raw(c, { method: "PATCH", path: `${PODS}/x`, headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ metadata: { labels: { z: "1" } } }) });
  c.runFor("100ms");
  assert.equal(w.events.map((e) => `${e.type} ${e.object.metadata.name}`), ["ADDED x", "MODIFIED x"]);
});

test.run();
