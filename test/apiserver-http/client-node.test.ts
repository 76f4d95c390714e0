// A second real client: the official JavaScript client, @kubernetes/client-node (1.x), against
// the HTTPS front of a simulated cluster. It loads the same kind of kubeconfig kubectl does, and
// speaks plain JSON: list, create, read, an optimistic-concurrency 409, and a watch.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@kubernetes/client-node";
import { Cluster } from "../../src/cluster/cluster";
import { serveApi, writeKubeconfig } from "../../src/apiserver/http/index";
import type { ApiHttpServer } from "../../src/apiserver/http/index";

let cluster: Cluster;
let server: ApiHttpServer;
let dir: string;
let kc: k8s.KubeConfig;

test.before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-client-node-"));
  const file = path.join(dir, "kubeconfig");
  cluster = new Cluster({ seed: 8 });
  server = await serveApi({ port: 0, cluster });
  writeKubeconfig(file, server.url, cluster.adminToken, server.ca);
  kc = new k8s.KubeConfig();
  kc.loadFromFile(file);
});

test.after(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("loads the kubeconfig and lists namespaces", async () => {
  assert.is(kc.getCurrentCluster()?.server, server.url);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const list = await core.listNamespace();
  const names = list.items.map((n) => n.metadata?.name);
  for (const n of ["default", "kube-system", "kube-public", "kube-node-lease"]) assert.ok(names.includes(n), n);
  assert.is(list.items.find((n) => n.metadata?.name === "default")?.status?.phase, "Active");
});

test("creates a ConfigMap, reads it back; a stale update is a 409 Conflict", async () => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const created = await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "settings" }, data: { mode: "fast" } } });
  assert.ok(created.metadata?.uid);
  assert.ok(created.metadata?.resourceVersion);
  const read = await core.readNamespacedConfigMap({ name: "settings", namespace: "default" });
  assert.equal(read.data, { mode: "fast" });
  assert.is(read.metadata?.uid, created.metadata?.uid);
  const fresh = await core.replaceNamespacedConfigMap({ name: "settings", namespace: "default", body: { ...read, data: { mode: "slow" } } });
  assert.is(fresh.data?.mode, "slow");
  let err: unknown;
  try {
    await core.replaceNamespacedConfigMap({ name: "settings", namespace: "default", body: { ...read, data: { mode: "stale" } } });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof k8s.ApiException, String(err));
  const ae = err as k8s.ApiException<string>;
  assert.is(ae.code, 409);
  const status = JSON.parse(ae.body);
  assert.equal([status.reason, status.message], ["Conflict", 'Operation cannot be fulfilled on configmaps "settings": the object has been modified; please apply your changes to the latest version and try again']);
  const missing = await core.readNamespacedConfigMap({ name: "nope", namespace: "default" }).catch((e) => e);
  assert.is((missing as k8s.ApiException<string>).code, 404);
});

test("a watch sees ADDED for an object created after it started", async () => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const list = await core.listNamespacedConfigMap({ namespace: "default" });
  const seen: { type: string; name?: string }[] = [];
  let resolveAdded: () => void;
  const added = new Promise<void>((r) => (resolveAdded = r));
  const watch = new k8s.Watch(kc);
  const req = await watch.watch(
    "/api/v1/namespaces/default/configmaps",
    { resourceVersion: list.metadata?.resourceVersion },
    (type, obj) => {
      seen.push({ type, name: obj?.metadata?.name });
      if (type === "ADDED" && obj?.metadata?.name === "watched") resolveAdded();
    },
    () => {},
  );
  await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "watched" }, data: { a: "1" } } });
  // A safety net, cleared once the event came: a pending timer would keep the process alive for its 10 s.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_r, reject) => (timer = setTimeout(() => reject(new Error(`no ADDED within 10s; saw ${JSON.stringify(seen)}`)), 10_000)));
  try {
    await Promise.race([added, timeout]);
  } finally {
    clearTimeout(timer);
    req.abort();
  }
  assert.equal(seen[0], { type: "ADDED", name: "watched" }, "only what happened after the list's resourceVersion");
});

test.run();
