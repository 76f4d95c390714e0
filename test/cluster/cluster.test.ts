// The Cluster assembly: determinism (same seed, same trace and objects), the notebook helpers,
// the compaction loop, and the same API server on a real etcd (skipped, saying so, without one).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { LiveBridge } from "../../src/sim/index";
import { RealEtcdClient } from "../../src/etcd/real/real-client";
import { findEtcd, startLocalEtcd } from "../../src/etcd/real/local-etcd";
import { KubeApiError } from "../../src/client/kube-client";

const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27", ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80}]}
`;

function run(seed: number) {
  const c = new Cluster({ seed });
  c.apply(MANIFEST);
  c.runFor("1s");
  c.apply(`apiVersion: v1\nkind: Pod\nmetadata: {generateName: job-, namespace: shop}\nspec: {containers: [{name: c, image: busybox}]}\n`);
  const pods = c.get("pods", undefined, "shop") as any;
  return { trace: JSON.stringify(c.sim.trace.rows()), objects: JSON.stringify([c.get("deploy", "web", "shop"), c.get("svc", "web", "shop"), pods.items]) };
}

test("deterministic: the same seed gives the same trace and the same objects, byte for byte", () => {
  const a = run(21);
  const b = run(21);
  assert.ok(a.trace === b.trace, "trace differs between two runs with one seed");
  assert.is(a.objects, b.objects);
  const c = run(22);
  assert.is.not(c.objects, a.objects, "another seed: other uids, names, IPs");
});

test("helpers: apply creates the namespace first, default ServiceAccount appears, errors are KubeApiErrors", () => {
  const c = new Cluster({ seed: 3 });
  const objs = c.apply(MANIFEST);
  assert.equal(objs.map((o) => `${o.kind}/${o.metadata.name}`), ["Namespace/shop", "Deployment/web", "Service/web"]);
  c.runFor("1s");
  assert.ok(c.get("serviceaccounts", "default", "shop"));
  try {
    c.apply(`apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec: {containers: [{name: c}]}\n`);
    assert.unreachable("should have failed");
  } catch (e) {
    assert.instance(e, KubeApiError);
    assert.is((e as KubeApiError).code, 422);
    assert.is((e as Error).message, 'Pod "p" is invalid: spec.containers[0].image: Required value');
  }
  const pod = c.apply(`apiVersion: v1\nkind: Namespace\nmetadata: {name: fresh}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: fresh}\nspec: {containers: [{name: c, image: busybox}]}\n`);
  assert.is(pod[1].spec.serviceAccountName, "default", "a pod right after its namespace is admitted");
  assert.throws(() => c.apply("a: [b"), /does not parse/);
  assert.throws(() => c.get("widgets"), /doesn't have a resource type "widgets"/);
});

test("the API server compacts etcd every 5 minutes, keeping about 5 minutes of history", () => {
  const c = new Cluster({ seed: 4 });
  const first = Number((c.get("configmaps") as any).metadata.resourceVersion);
  c.runFor("5m");
  c.apply(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n`);
  c.runFor("5m");
  const rows = c.sim.trace.rows({ component: "apiserver", kind: "compact" });
  assert.ok(rows.length >= 1, "a compaction ran");
  assert.ok((rows[0].revision as number) >= first);
  let gone: KubeApiError | undefined;
  c.admin.list("configmaps", "default", { resourceVersion: String(first - 1), resourceVersionMatch: "Exact" }, (e) => (gone = e));
  c.runFor("1s");
  assert.is(gone?.code, 410);
});

test("the same API server on a real etcd", async () => {
  const bin = findEtcd();
  if (!bin) return console.log("  (no etcd binary: skipped)");
  const etcd = await startLocalEtcd({});
  let bridge: LiveBridge | undefined;
  let real: RealEtcdClient | undefined;
  try {
    const cluster = new Cluster({
      seed: 5,
      store: (sim) => {
        bridge = new LiveBridge(sim, { speed: 1 });
        bridge.start();
        real = new RealEtcdClient({ endpoints: etcd.endpoints, inject: bridge });
        return real;
      },
    });
    let ready = false;
    cluster.onReady(() => (ready = true));
    await bridge!.waitFor(() => ready, 20000);
    const created = await new Promise<any>((resolve, reject) =>
      bridge!.inject(() =>
        cluster.admin.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "real", namespace: "default" }, data: { a: "1" } }, (e, o) => (e ? reject(e) : resolve(o))),
      ),
    );
    assert.match(created.metadata.resourceVersion, /^\d+$/);
    const stale = { ...created, data: { a: "2" }, metadata: { ...created.metadata, resourceVersion: String(Number(created.metadata.resourceVersion) - 1) } };
    const conflict = await new Promise<any>((resolve) => bridge!.inject(() => cluster.admin.update(stale, (e) => resolve(e))));
    assert.is(conflict?.code, 409, "compare-and-swap on a real etcd's mod_revision");
  } finally {
    bridge?.stop();
    real?.close(); // its watches would otherwise keep reconnecting to the stopped etcd
    await etcd.stop();
  }
});

test.run();
