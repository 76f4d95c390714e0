import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { timestamp } from "../../src/apiserver/registry/object";
import * as U from "../../src/controllers/deployment/util";
import { rollbackTo } from "../../src/controllers/deployment/rollback";

function deploy(replicas: number, maxSurge: any, maxUnavailable: any, type = "RollingUpdate"): KubeObject {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { replicas, strategy: type === "Recreate" ? { type } : { type, rollingUpdate: { maxSurge, maxUnavailable } } } };
}

// [k/k deployment_util.go ResolveFenceposts, MaxSurge, MaxUnavailable]
const FENCEPOSTS: [number, any, any, number, number][] = [
  // replicas, maxSurge, maxUnavailable → surge, unavailable
  [10, "25%", "25%", 3, 2],
  [1, "25%", "25%", 1, 0],
  [3, "25%", "25%", 1, 0],
  [4, "25%", "25%", 1, 1],
  [5, "25%", "25%", 2, 1],
  [10, 0, 0, 0, 1],
  [10, "0%", "0%", 0, 1],
  [10, "10%", 0, 1, 0],
  [10, 0, "10%", 0, 1],
  [10, 2, 3, 2, 3],
  [2, 1, 5, 1, 2], // maxUnavailable never exceeds replicas
  [7, "50%", "50%", 4, 3],
];
for (const [r, s, u, es, eu] of FENCEPOSTS) {
  test(`fenceposts: ${r} replicas, maxSurge ${s}, maxUnavailable ${u} → surge ${es}, unavailable ${eu}`, () => {
    const d = deploy(r, s, u);
    assert.is(U.maxSurge(d), es);
    assert.is(U.maxUnavailable(d), eu);
  });
}

test("fenceposts: Recreate has neither; 0 replicas have no unavailable budget; a bad percentage throws", () => {
  assert.is(U.maxSurge(deploy(10, 0, 0, "Recreate")), 0);
  assert.is(U.maxUnavailable(deploy(10, 0, 0, "Recreate")), 0);
  assert.is(U.maxUnavailable(deploy(0, "25%", "25%")), 0);
  assert.throws(() => U.maxSurge(deploy(10, "25", "25%")), /not a percentage/);
});

test("pod-template-hash: deterministic, safe alphabet, changes with the template and the collision count", () => {
  const t = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "nginx:1.27" }] } };
  const h = U.computeHash(t);
  assert.is(h, U.computeHash(JSON.parse(JSON.stringify(t))));
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  // Key order does not matter (a canonical form is hashed).
  assert.is(U.computeHash({ spec: t.spec, metadata: t.metadata }), h);
  assert.is.not(U.computeHash({ ...t, spec: { containers: [{ name: "app", image: "nginx:1.28" }] } }), h);
  assert.is.not(U.computeHash(t, 1), h);
  assert.is.not(U.computeHash(t, 1), U.computeHash(t, 2));
  // "0" is code 48, 48 % 27 = 21 → "4"; "9" is 57 % 27 = 3 → "f".
  assert.is(U.safeEncodeString("0123456789"), "456789bcdf");
});

test("equalIgnoreHash: only pod-template-hash is ignored", () => {
  const a = { metadata: { labels: { app: "w", "pod-template-hash": "abc" } }, spec: { x: 1 } };
  assert.ok(U.equalIgnoreHash(a, { metadata: { labels: { app: "w" } }, spec: { x: 1 } }));
  assert.not.ok(U.equalIgnoreHash(a, { metadata: { labels: { app: "v" } }, spec: { x: 1 } }));
  assert.not.ok(U.equalIgnoreHash(a, { metadata: { labels: { app: "w" } }, spec: { x: 2 } }));
});

function rs(name: string, replicas: number, opts: { rev?: number; created?: number; max?: number; available?: number } = {}): KubeObject {
  const ann: Record<string, string> = {};
  if (opts.rev !== undefined) ann[U.RevisionAnnotation] = String(opts.rev);
  if (opts.max !== undefined) ann[U.MaxReplicasAnnotation] = String(opts.max);
  return { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name, uid: name, annotations: ann, creationTimestamp: timestamp(opts.created ?? 0) }, spec: { replicas }, status: { availableReplicas: opts.available ?? 0 } };
}

test("newRSNewReplicas: grows the new RS up to replicas + maxSurge in total, never past replicas", () => {
  const d = deploy(10, "25%", "25%");
  assert.is(U.newRSNewReplicas(d, [rs("old", 10), rs("new", 0)], rs("new", 0)), 3);
  assert.is(U.newRSNewReplicas(d, [rs("old", 8), rs("new", 3)], rs("new", 3)), 5);
  assert.is(U.newRSNewReplicas(d, [rs("old", 10), rs("new", 3)], rs("new", 3)), 3, "at the surge limit: unchanged");
  assert.is(U.newRSNewReplicas(d, [rs("old", 0), rs("new", 9)], rs("new", 9)), 10);
  assert.is(U.newRSNewReplicas(deploy(10, 0, 0, "Recreate"), [rs("new", 0)], rs("new", 0)), 10);
});

test("getProportion: a resize from 10 (+3 surge) to 20 (+5) split over old 8 / new 5", () => {
  const d = deploy(20, "25%", "25%");
  const old = rs("old", 8, { max: 13 });
  const nu = rs("new", 5, { max: 13 });
  const pOld = U.getProportion(old, d, 12, 0);
  const pNew = U.getProportion(nu, d, 12, pOld);
  assert.equal([pOld, pNew], [7, 5]); // round(8*25/13)=15, round(5*25/13)=10
  assert.is(U.getProportion(rs("zero", 0), d, 12, 0), 0, "an RS at 0 is never scaled up proportionally");
  // Scaling to 0: each RS gives all it has.
  assert.is(U.getProportion(old, deploy(0, "25%", "25%"), -13, 0), -8);
});

test("conditions: same status keeps lastTransitionTime; same status and reason changes nothing", () => {
  const s: any = {};
  U.setCondition(s, U.newCondition("Progressing", "True", "NewReplicaSetCreated", "a", 1000));
  U.setCondition(s, U.newCondition("Progressing", "True", "ReplicaSetUpdated", "b", 60_000));
  const c = U.getCondition(s, "Progressing")!;
  assert.equal([c.reason, c.lastTransitionTime, c.lastUpdateTime], ["ReplicaSetUpdated", timestamp(1000), timestamp(60_000)]);
  U.setCondition(s, U.newCondition("Progressing", "True", "ReplicaSetUpdated", "c", 90_000));
  assert.is(U.getCondition(s, "Progressing")!.message, "b");
  U.setCondition(s, U.newCondition("Progressing", "False", "ProgressDeadlineExceeded", "d", 120_000));
  assert.is(U.getCondition(s, "Progressing")!.lastTransitionTime, timestamp(120_000));
});

test("rollbackTo: previous revision by default, a given one on request, kubectl's errors otherwise", () => {
  const d: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", uid: "D", annotations: { [U.RevisionAnnotation]: "3", team: "x" } },
    spec: { template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "v3" }] } } },
  };
  const mk = (rev: number, image: string): KubeObject => ({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: `web-${rev}`, ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "D", controller: true }], annotations: { [U.RevisionAnnotation]: String(rev), [U.DesiredReplicasAnnotation]: "3", owner: "rs" } },
    spec: { template: { metadata: { labels: { app: "web", "pod-template-hash": `h${rev}` } }, spec: { containers: [{ name: "app", image }] } } },
  });
  const rss = [mk(1, "v1"), mk(2, "v2"), mk(3, "v3")];
  const r = rollbackTo(d, rss) as any;
  assert.is(r.type, "json");
  assert.equal(r.patch[0], { op: "replace", path: "/spec/template", value: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "v2" }] } } });
  assert.equal(r.patch[1], { op: "replace", path: "/metadata/annotations", value: { [U.RevisionAnnotation]: "3", owner: "rs" } });
  assert.is((rollbackTo(d, rss, 1) as any).patch[0].value.spec.containers[0].image, "v1");
  assert.equal(rollbackTo(d, rss, 3), { skipped: "skipped rollback (current template already matches revision 3)" });
  assert.throws(() => rollbackTo(d, rss, 7), /unable to find specified revision 7 in history/);
  assert.throws(() => rollbackTo(d, [mk(1, "v3")]), /no rollout history found for deployment "web"/);
  assert.throws(() => rollbackTo({ ...d, spec: { ...d.spec, paused: true } }, rss), /cannot rollback a paused deployment/);
});

test.run();
