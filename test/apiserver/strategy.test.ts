// Per-kind write rules: which kinds track generation and what moves it; Go's omitempty on
// metadata maps; a Service update keeps what the server allocated.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { post, raw } from "./helpers";

const DEPLOYS = "/apis/apps/v1/namespaces/default/deployments";
const RSS = "/apis/apps/v1/namespaces/default/replicasets";
const tpl = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } };
const merge = (c: Cluster, path: string, patch: unknown) => raw(c, { method: "PATCH", path, headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify(patch) });

test("generation: only workload kinds have it; a ConfigMap, a Service, a Pod do not", () => {
  const c = new Cluster({ seed: 41 });
  const cm = post(c, "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", generation: 7 }, data: { k: "v" } });
  assert.is(cm.body.metadata.generation, undefined, "the server owns generation; a ConfigMap has none");
  const cm2 = merge(c, "/api/v1/namespaces/default/configmaps/a", { data: { k: "w" } });
  assert.is(cm2.body.metadata.generation, undefined);
  const d = post(c, DEPLOYS, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", generation: 9 }, spec: { selector: { matchLabels: { app: "web" } }, template: tpl } });
  assert.is(d.body.metadata.generation, 1);
  const rs = post(c, RSS, { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web-1" }, spec: { selector: { matchLabels: { app: "web" } }, template: tpl } });
  assert.is(rs.body.metadata.generation, 1);
});

test("Deployment: spec and annotation changes bump generation; labels and status do not. ReplicaSet: spec only", () => {
  const c = new Cluster({ seed: 42 });
  post(c, DEPLOYS, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { selector: { matchLabels: { app: "web" } }, template: tpl } });
  assert.is(merge(c, `${DEPLOYS}/web`, { metadata: { labels: { tier: "front" } } }).body.metadata.generation, 1, "label");
  assert.is(merge(c, `${DEPLOYS}/web`, { metadata: { annotations: { note: "x" } } }).body.metadata.generation, 2, "annotation");
  assert.is(merge(c, `${DEPLOYS}/web`, { spec: { replicas: 3 } }).body.metadata.generation, 3, "spec");
  const st = raw(c, { method: "PATCH", path: `${DEPLOYS}/web/status`, headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ status: { observedGeneration: 3 } }) });
  assert.is(st.body.metadata.generation, 3, "status");
  post(c, RSS, { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web-1" }, spec: { selector: { matchLabels: { app: "web" } }, template: tpl } });
  assert.is(merge(c, `${RSS}/web-1`, { metadata: { annotations: { "deployment.kubernetes.io/revision": "2" } } }).body.metadata.generation, 1, "rs annotation");
  assert.is(merge(c, `${RSS}/web-1`, { spec: { replicas: 2 } }).body.metadata.generation, 2, "rs spec");
});

test("removing the last label or annotation leaves no empty map behind", () => {
  const c = new Cluster({ seed: 43 });
  post(c, "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", labels: { x: "1" }, annotations: { y: "2" } } });
  const p = merge(c, "/api/v1/namespaces/default/configmaps/a", { metadata: { labels: { x: null }, annotations: { y: null } } });
  assert.is(p.status, 200);
  assert.not.ok("labels" in p.body.metadata, JSON.stringify(p.body.metadata));
  assert.not.ok("annotations" in p.body.metadata);
  const created = post(c, "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b", labels: {}, annotations: {}, finalizers: [] } });
  assert.equal(Object.keys(created.body.metadata).sort(), ["creationTimestamp", "name", "namespace", "resourceVersion", "uid"]);
});

test("Service: replace without clusterIP/nodePort keeps the allocated ones; changing clusterIP is refused; NodePort on update allocates", () => {
  const c = new Cluster({ seed: 44 });
  const SVCS = "/api/v1/namespaces/default/services";
  const manifest = { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { type: "NodePort", selector: { app: "web" }, ports: [{ name: "http", port: 80 }, { name: "https", port: 443 }] } };
  const s = post(c, SVCS, manifest).body;
  assert.match(s.spec.clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
  const ports = s.spec.ports.map((p: any) => p.nodePort);
  for (const n of ports) assert.ok(n >= 30000 && n <= 32767, String(n));
  // kubectl replace -f with the original manifest (no clusterIP, no nodePorts), another label.
  const rep = raw(c, { method: "PUT", path: `${SVCS}/web`, body: JSON.stringify({ ...manifest, metadata: { name: "web", labels: { v: "2" } } }) });
  assert.is(rep.status, 200);
  assert.is(rep.body.spec.clusterIP, s.spec.clusterIP);
  assert.equal(rep.body.spec.clusterIPs, [s.spec.clusterIP]);
  assert.equal(rep.body.spec.ports.map((p: any) => p.nodePort), ports);
  const moved = raw(c, { method: "PUT", path: `${SVCS}/web`, body: JSON.stringify({ ...rep.body, spec: { ...rep.body.spec, clusterIP: "10.96.0.99", clusterIPs: ["10.96.0.99"] } }) });
  assert.is(moved.status, 422);
  assert.match(moved.body.message, /spec\.clusterIPs\[0\]: Invalid value: "10\.96\.0\.99": may not change once set/);
  const plain = post(c, SVCS, { apiVersion: "v1", kind: "Service", metadata: { name: "db" }, spec: { selector: { app: "db" }, ports: [{ port: 5432 }] } }).body;
  assert.is(plain.spec.ports[0].nodePort, undefined);
  const np = merge(c, `${SVCS}/db`, { spec: { type: "NodePort" } });
  assert.is(np.status, 200);
  assert.ok(np.body.spec.ports[0].nodePort >= 30000 && np.body.spec.ports[0].nodePort <= 32767);
  assert.is(np.body.spec.clusterIP, plain.spec.clusterIP);
  assert.is(np.body.metadata.generation, undefined);
});

test("Deployment rolling update bounds: both 0 refused, bad percent refused, over 100% unavailable refused", () => {
  const c = new Cluster({ seed: 42 });
  const deploy = (name: string, ru: unknown) => post(c, DEPLOYS, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name }, spec: { selector: { matchLabels: { app: "web" } }, strategy: { type: "RollingUpdate", rollingUpdate: ru }, template: tpl } });
  const causes = (r: any) => (r.body.details?.causes ?? []).map((x: any) => `${x.field}: ${x.message}`);
  const zero = deploy("zero", { maxSurge: 0, maxUnavailable: "0%" });
  assert.is(zero.status, 422);
  assert.equal(causes(zero), ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"0%\": may not be 0 when `maxSurge` is 0"]);
  const bad = deploy("bad", { maxSurge: "ten", maxUnavailable: 1 });
  assert.is(bad.status, 422);
  assert.match(causes(bad)[0], /^spec\.strategy\.rollingUpdate\.maxSurge: Invalid value: "ten": a valid percent string/);
  const over = deploy("over", { maxSurge: 1, maxUnavailable: "150%" });
  assert.equal(causes(over), ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"150%\": must not be greater than 100%"]);
  assert.is(deploy("fine", { maxSurge: 0, maxUnavailable: 1 }).status, 201);
});

test.run();
