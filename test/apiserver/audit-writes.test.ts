// Audit of write semantics against kube-apiserver 1.32: generateName retries, fieldValidation
// warnings, DeleteCollection with dryRun, a second DELETE of a terminating pod, and the
// legacy orphanDependents option.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { raw, post, pod } from "./helpers";

const PODS = "/api/v1/namespaces/default/pods";
const CMS = "/api/v1/namespaces/default/configmaps";
const cm = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { app: "x" } }, data: { k: "v" }, ...extra });

/** Makes the server's name suffixes come from a list (to force generateName collisions). */
function suffixes(c: Cluster, list: string[]): void {
  const server = c.apiserver as unknown as { randomSuffix(): string };
  server.randomSuffix = () => list.shift() ?? "zzzzz";
}

test("generateName: a taken name is retried with a new suffix (RetryGenerateName, 8 attempts)", () => {
  const c = new Cluster({ seed: 1 });
  assert.is(post(c, CMS, cm("web-bbbbb")).status, 201);
  suffixes(c, ["bbbbb", "bbbbb", "ccccc"]);
  const r = post(c, CMS, { ...cm(""), metadata: { generateName: "web-" } });
  assert.is(r.status, 201);
  assert.is(r.body.metadata.name, "web-ccccc");
  // Eight collisions in a row: the 409 that tells the client to retry.
  suffixes(c, Array(8).fill("bbbbb"));
  const gone = post(c, CMS, { ...cm(""), metadata: { generateName: "web-" } });
  assert.is(gone.status, 409);
  assert.is(gone.body.reason, "AlreadyExists");
  assert.is(gone.body.message, 'configmaps "web-bbbbb" already exists, the server was not able to generate a unique name for the object');
  assert.is(gone.body.details.retryAfterSeconds, 1);
  // An explicit name that happens to start with generateName is a plain AlreadyExists.
  const explicit = post(c, CMS, { ...cm("web-bbbbb"), metadata: { name: "web-bbbbb", generateName: "web-" } });
  assert.is(explicit.status, 409);
  assert.is(explicit.body.message, 'configmaps "web-bbbbb" already exists');
});

test("fieldValidation: unset or Warn drops unknown fields with a Warning header; Ignore is silent", () => {
  const c = new Cluster({ seed: 2 });
  const body = (name: string) => JSON.stringify({ ...cm(name), bogus: 1, metadata: { name, foo: "x" } });
  const unset = raw(c, { method: "POST", path: CMS, body: body("a") });
  assert.is(unset.status, 201);
  // One warning per field, in document order.
  assert.is(unset.headers?.warning, '299 - "unknown field \\"metadata.foo\\"", 299 - "unknown field \\"bogus\\""');
  assert.is(unset.body.bogus, undefined);
  const warn = raw(c, { method: "POST", path: CMS, query: { fieldValidation: "Warn" }, body: body("b") });
  assert.match(warn.headers?.warning ?? "", /unknown field \\"bogus\\"/);
  const ignore = raw(c, { method: "POST", path: CMS, query: { fieldValidation: "Ignore" }, body: body("c") });
  assert.is(ignore.status, 201);
  assert.is(ignore.headers?.warning, undefined);
  const patch = raw(c, { method: "PATCH", path: `${CMS}/a`, headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ spec: { x: 1 } }) });
  assert.is(patch.status, 200);
  assert.is(patch.headers?.warning, '299 - "unknown field \\"spec\\""');
});

test("DeleteCollection: dryRun=All deletes nothing; it answers the list of what it deleted", () => {
  const c = new Cluster({ seed: 3 });
  for (const n of ["a", "b"]) post(c, CMS, cm(n));
  post(c, CMS, { ...cm("other"), metadata: { name: "other", labels: { app: "y" } } });
  const dry = raw(c, { method: "DELETE", path: CMS, query: { labelSelector: "app=x", dryRun: "All" } });
  assert.is(dry.status, 200);
  assert.is(dry.body.kind, "ConfigMapList");
  assert.equal(dry.body.items.map((i: any) => i.metadata.name), ["a", "b"]);
  for (const n of ["a", "b", "other"]) assert.is(raw(c, { path: `${CMS}/${n}` }).status, 200, `${n} still there`);
  const bad = raw(c, { method: "DELETE", path: CMS, query: { dryRun: "Maybe" } });
  assert.is(bad.status, 422);
  const real = raw(c, { method: "DELETE", path: CMS, query: { labelSelector: "app=x" } });
  assert.equal(real.body.items.map((i: any) => i.metadata.name), ["a", "b"]);
  assert.is(raw(c, { path: `${CMS}/a` }).status, 404);
  assert.is(raw(c, { path: `${CMS}/other` }).status, 200);
});

test("DELETE of a terminating pod: no grace given changes nothing; a shorter one counts from the first request", () => {
  const c = new Cluster({ seed: 4 });
  const p = pod("web", {});
  (p.spec as any).nodeName = "node-1";
  (p.spec as any).terminationGracePeriodSeconds = 60;
  assert.is(post(c, PODS, p).status, 201);
  const first = raw(c, { method: "DELETE", path: `${PODS}/web` });
  assert.is(first.status, 200);
  assert.is(first.body.metadata.deletionGracePeriodSeconds, 60);
  const t1 = first.body.metadata.deletionTimestamp;
  c.runFor("10s");
  // Without gracePeriodSeconds: the pending deletion stands (not shortened to the 30 s default).
  const again = raw(c, { method: "DELETE", path: `${PODS}/web` });
  assert.is(again.status, 200);
  assert.is(again.body.metadata.deletionGracePeriodSeconds, 60);
  assert.is(again.body.metadata.deletionTimestamp, t1);
  assert.is(again.body.metadata.resourceVersion, first.body.metadata.resourceVersion, "nothing written");
  // A longer one is ignored too.
  assert.is(raw(c, { method: "DELETE", path: `${PODS}/web`, body: JSON.stringify({ gracePeriodSeconds: 90 }) }).body.metadata.deletionGracePeriodSeconds, 60);
  // Shorter: deletionTimestamp = first request time + 20 s, i.e. 40 s earlier than before.
  const shorter = raw(c, { method: "DELETE", path: `${PODS}/web`, body: JSON.stringify({ gracePeriodSeconds: 20 }) });
  assert.is(shorter.body.metadata.deletionGracePeriodSeconds, 20);
  assert.is(Date.parse(t1) - Date.parse(shorter.body.metadata.deletionTimestamp), 40_000);
});

test("DELETE: orphanDependents=false on an object left pending answers 202; with propagationPolicy it is a 422", () => {
  const c = new Cluster({ seed: 5 });
  post(c, CMS, { ...cm("held"), metadata: { name: "held", finalizers: ["example.com/hold"] } });
  const both = raw(c, { method: "DELETE", path: `${CMS}/held`, body: JSON.stringify({ orphanDependents: false, propagationPolicy: "Background" }) });
  assert.is(both.status, 422);
  assert.is(both.body.message, 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Background": orphanDependents and deletionPropagation cannot be both set');
  const pending = raw(c, { method: "DELETE", path: `${CMS}/held`, body: JSON.stringify({ orphanDependents: false }) });
  assert.is(pending.status, 202);
  assert.ok(pending.body.metadata.deletionTimestamp);
  // Deleted at once: 200 even with orphanDependents=false.
  post(c, CMS, cm("free"));
  assert.is(raw(c, { method: "DELETE", path: `${CMS}/free`, body: JSON.stringify({ orphanDependents: false }) }).status, 200);
});

test("dryRun=All create: an existing name is still AlreadyExists; a new one is answered, not stored", () => {
  const c = new Cluster({ seed: 6 });
  post(c, CMS, cm("a"));
  const dup = raw(c, { method: "POST", path: CMS, query: { dryRun: "All" }, body: JSON.stringify(cm("a")) });
  assert.is(dup.status, 409);
  assert.is(dup.body.message, 'configmaps "a" already exists');
  const fresh = raw(c, { method: "POST", path: CMS, query: { dryRun: "All" }, body: JSON.stringify(cm("b")) });
  assert.is(fresh.status, 201);
  assert.is(fresh.body.metadata.name, "b");
  assert.is(raw(c, { path: `${CMS}/b` }).status, 404);
});

test("PUT: a uid in the body is a precondition (a stale copy of a re-created object is a 409)", () => {
  const c = new Cluster({ seed: 7 });
  const old = post(c, CMS, cm("a")).body;
  raw(c, { method: "DELETE", path: `${CMS}/a` });
  const now = post(c, CMS, cm("a")).body;
  const stale = { ...old, metadata: { ...old.metadata, resourceVersion: undefined }, data: { k: "stale" } };
  const r = raw(c, { method: "PUT", path: `${CMS}/a`, body: JSON.stringify(stale) });
  assert.is(r.status, 409);
  assert.is(r.body.reason, "Conflict");
  assert.is(r.body.message, `Operation cannot be fulfilled on configmaps "a": Precondition failed: UID in precondition: ${old.metadata.uid}, UID in object meta: ${now.metadata.uid}`);
  assert.is(raw(c, { path: `${CMS}/a` }).body.data.k, "v");
});

test.run();
