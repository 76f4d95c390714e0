// LimitRange + LimitRanger, ResourceQuota + quota admission (with its compare-and-swap).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { pod, post, raw } from "./helpers";

const NS = "/api/v1/namespaces/default";
const withResources = (name: string, resources: Record<string, unknown>) => ({ ...pod(name), spec: { containers: [{ name: "c", image: "nginx:1.27", resources }] } });
const limits = (spec: unknown) => ({ apiVersion: "v1", kind: "LimitRange", metadata: { name: "limits" }, spec });
const quota = (name: string, hard: Record<string, string>) => ({ apiVersion: "v1", kind: "ResourceQuota", metadata: { name }, spec: { hard } });

test("LimitRange: defaults from max, validation of min > max with the real message", () => {
  const c = new Cluster({ seed: 71 });
  const lr = post(c, `${NS}/limitranges`, limits({ limits: [{ type: "Container", max: { cpu: "1" }, defaultRequest: { memory: "64Mi" } }] }));
  assert.is(lr.status, 201);
  assert.equal(lr.body.spec.limits[0].default, { cpu: "1" }, "default limit = max");
  assert.equal(lr.body.spec.limits[0].defaultRequest, { cpu: "1", memory: "64Mi" });
  const bad = post(c, `${NS}/limitranges`, { ...limits({ limits: [{ type: "Container", min: { cpu: "2" }, max: { cpu: "1" } }] }), metadata: { name: "bad" } });
  assert.is(bad.status, 422);
  assert.match(bad.body.message, /spec\.limits\[0\]\.min\[cpu\]: Invalid value: "2": min value 2 is greater than max value 1/);
  const badType = post(c, `${NS}/limitranges`, { ...limits({ limits: [{ type: "Box" }] }), metadata: { name: "bad2" } });
  assert.match(badType.body.message, /spec\.limits\[0\]\.type: Unsupported value: "Box"/);
});

test("LimitRanger: fills requests and limits, annotates the pod, refuses what breaks min/max", () => {
  const c = new Cluster({ seed: 72 });
  post(c, `${NS}/limitranges`, limits({ limits: [{ type: "Container", min: { cpu: "100m" }, max: { cpu: "500m" }, default: { cpu: "300m", memory: "256Mi" }, defaultRequest: { cpu: "200m", memory: "128Mi" } }] }));
  c.runFor("100ms");
  const p = post(c, `${NS}/pods`, pod("plain"));
  assert.is(p.status, 201);
  assert.equal(p.body.spec.containers[0].resources, { limits: { cpu: "300m", memory: "256Mi" }, requests: { cpu: "200m", memory: "128Mi" } });
  assert.is(p.body.metadata.annotations["kubernetes.io/limit-ranger"], "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c");
  assert.is(p.body.status.qosClass, "Burstable");
  const big = post(c, `${NS}/pods`, withResources("big", { limits: { cpu: "1" } }));
  assert.equal([big.status, big.body.message], [403, 'pods "big" is forbidden: maximum cpu usage per Container is 500m, but limit is 1']);
  const small = post(c, `${NS}/pods`, withResources("small", { requests: { cpu: "50m" }, limits: { cpu: "50m" } }));
  assert.equal([small.status, small.body.message], [403, 'pods "small" is forbidden: minimum cpu usage per Container is 100m, but request is 50m']);
  const both = post(c, `${NS}/pods`, { ...pod("both"), spec: { containers: [{ name: "a", image: "i", resources: { limits: { cpu: "2" } } }, { name: "b", image: "i", resources: { requests: { cpu: "10m" } } }] } });
  assert.is(both.body.message, 'pods "both" is forbidden: [maximum cpu usage per Container is 500m, but limit is 2, minimum cpu usage per Container is 100m, but request is 10m]');
});

test("ResourceQuota: pods and requests.cpu counted; over-quota creates refused with the real message", () => {
  const c = new Cluster({ seed: 73 });
  assert.is(post(c, `${NS}/resourcequotas`, quota("compute", { pods: "2", "requests.cpu": "1" })).status, 201);
  assert.is(post(c, `${NS}/resourcequotas`, quota("cms", { "count/configmaps": "1" })).status, 201);
  c.runFor("100ms");
  const noReq = post(c, `${NS}/pods`, pod("no-req"));
  assert.equal([noReq.status, noReq.body.message], [403, 'pods "no-req" is forbidden: failed quota: compute: must specify requests.cpu for: c']);
  assert.is(post(c, `${NS}/pods`, withResources("a", { requests: { cpu: "600m" } })).status, 201);
  const q = raw(c, { path: `${NS}/resourcequotas/compute` }).body;
  assert.equal(q.status, { hard: { pods: "2", "requests.cpu": "1" }, used: { pods: "1", "requests.cpu": "600m" } });
  const over = post(c, `${NS}/pods`, withResources("b", { requests: { cpu: "500m" } }));
  assert.equal([over.status, over.body.reason, over.body.message], [403, "Forbidden", 'pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1']);
  assert.is(post(c, `${NS}/pods`, withResources("c", { requests: { cpu: "400m" } })).status, 201);
  const third = post(c, `${NS}/pods`, withResources("d", { requests: { cpu: "0" } }));
  assert.is(third.body.message, 'pods "d" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2');
  assert.is(post(c, `${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "one" } }).status, 201);
  const cm2 = post(c, `${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "two" } });
  assert.is(cm2.body.message, 'configmaps "two" is forbidden: exceeded quota: cms, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1');
  assert.is(raw(c, { path: `${NS}/configmaps/two` }).status, 404, "nothing stored");
});

test("ResourceQuota: a new quota counts what already exists; two racing creates cannot both take the last slot", () => {
  const c = new Cluster({ seed: 74 });
  post(c, `${NS}/configmaps`, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "old" } });
  post(c, `${NS}/resourcequotas`, quota("cms", { "count/configmaps": "2" }));
  c.runFor("100ms");
  // Two creates sent at the same virtual instant: both read the quota at used=1, one CAS wins.
  const answers: number[] = [];
  for (const name of ["x", "y"]) {
    c.apiserver.serve(
      { method: "POST", path: `${NS}/configmaps`, query: {}, headers: { authorization: `Bearer ${c.adminToken}`, "content-type": "application/json" }, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name } }) },
      { send: (s) => answers.push(s), stream: () => { throw new Error("no stream"); } },
    );
  }
  c.sim.runUntil(() => answers.length === 2, "30s");
  assert.equal([...answers].sort(), [201, 403]);
  const q = raw(c, { path: `${NS}/resourcequotas/cms` }).body;
  assert.equal(q.status.used, { "count/configmaps": "2" });
  const list = raw(c, { path: `${NS}/configmaps` }).body.items.map((o: any) => o.metadata.name).filter((n: string) => n !== "kube-root-ca.crt");
  assert.is(list.length, 2);
});

test.run();
