// The request pipeline: 401, RBAC (exact 403 messages, bindings, service accounts, can-i),
// admission effects, the stages in the trace, and a table of bad input that stores nothing.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { raw, post, pod } from "./helpers";

const PODS = "/api/v1/namespaces/default/pods";
const rbac = "/apis/rbac.authorization.k8s.io/v1";

function withAlice(seed = 1) {
  const c = new Cluster({ seed });
  c.apiserver.addToken({ token: "alice-token", user: "alice", groups: ["devs"] });
  return c;
}

test("401 Unauthorized: no token, a wrong token", () => {
  const c = new Cluster({ seed: 1 });
  for (const token of [null, "nope"]) {
    const r = raw(c, { path: PODS }, token);
    assert.is(r.status, 401);
    assert.equal(r.body, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });
  }
});

test("403 Forbidden with Kubernetes' message (namespace and cluster scope, subresource, name)", () => {
  const c = withAlice();
  const cases: [Parameters<typeof raw>[1], string][] = [
    [{ path: PODS }, 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"'],
    [{ path: "/api/v1/nodes" }, 'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope'],
    [{ path: `${PODS}/web` }, 'pods "web" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "default"'],
    [{ path: "/apis/apps/v1/namespaces/default/deployments/web/scale", method: "PATCH" }, 'deployments.apps "web" is forbidden: User "alice" cannot patch resource "deployments/scale" in API group "apps" in the namespace "default"'],
    [{ path: PODS, query: { watch: "true" } }, 'pods is forbidden: User "alice" cannot watch resource "pods" in API group "" in the namespace "default"'],
  ];
  for (const [req, msg] of cases) {
    const r = raw(c, req, "alice-token");
    assert.is(r.status, 403);
    assert.is(r.body.reason, "Forbidden");
    assert.is(r.body.message, msg);
  }
});

test("RBAC: a RoleBinding to a Role allows exactly its rules; ClusterRole via RoleBinding; groups; can-i", () => {
  const c = withAlice(2);
  post(c, `${rbac}/namespaces/default/roles`, { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "pod-reader" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }] });
  post(c, `${rbac}/namespaces/default/rolebindings`, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "alice-reads" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" }],
  });
  c.runFor("100ms");
  assert.is(raw(c, { path: PODS }, "alice-token").status, 200);
  assert.is(post(c, PODS, pod("x"), "alice-token").status, 403);
  assert.is(raw(c, { path: "/api/v1/namespaces/kube-system/pods" }, "alice-token").status, 403, "a RoleBinding is scoped to its namespace");
  // The group "devs" gets "edit" in kube-public through a RoleBinding to a ClusterRole.
  post(c, `${rbac}/namespaces/kube-public/rolebindings`, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "devs-edit" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "devs" }],
  });
  c.runFor("100ms");
  assert.is(raw(c, { path: "/apis/apps/v1/namespaces/kube-public/deployments" }, "alice-token").status, 200);
  const canI = (verb: string, resource: string, namespace: string) =>
    post(c, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { verb, resource, namespace } } }, "alice-token");
  const yes = canI("list", "pods", "default");
  assert.is(yes.status, 201);
  assert.is(yes.body.status.allowed, true);
  assert.is(canI("delete", "pods", "default").body.status.allowed, false);
  assert.is(canI("create", "configmaps", "kube-public").body.status.allowed, true);
});

test("service-account tokens: user system:serviceaccount:<ns>:<name>, bound by ServiceAccount subjects", () => {
  const c = new Cluster({ seed: 3 });
  post(c, "/api/v1/namespaces/default/serviceaccounts", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "robot" } });
  c.runFor("100ms");
  const token = c.serviceAccountToken("default", "robot");
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, "JWT-shaped");
  const denied = raw(c, { path: "/api/v1/namespaces/default/configmaps" }, token);
  assert.is(denied.body.message, 'configmaps is forbidden: User "system:serviceaccount:default:robot" cannot list resource "configmaps" in API group "" in the namespace "default"');
  post(c, `${rbac}/clusterrolebindings`, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: "robot-view" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    subjects: [{ kind: "ServiceAccount", name: "robot", namespace: "default" }],
  });
  c.runFor("100ms");
  assert.is(raw(c, { path: "/api/v1/namespaces/default/configmaps" }, token).status, 200);
  raw(c, { method: "DELETE", path: "/api/v1/namespaces/default/serviceaccounts/robot" });
  c.runFor("100ms");
  assert.is(raw(c, { path: "/api/v1/namespaces/default/configmaps" }, token).status, 401, "the token dies with its account");
});

test("admission: NamespaceLifecycle (missing, terminating, immortal), ServiceAccount, DefaultTolerationSeconds", () => {
  const c = new Cluster({ seed: 4 });
  const missing = post(c, "/api/v1/namespaces/nope/pods", pod("p"));
  assert.equal([missing.status, missing.body.message], [404, 'namespaces "nope" not found']);
  post(c, "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } });
  c.runFor("1s"); // the stand-in ServiceAccount controller creates team/default
  const ok = post(c, "/api/v1/namespaces/team/pods", pod("p"));
  assert.is(ok.status, 201);
  assert.is(ok.body.spec.serviceAccountName, "default");
  assert.equal(ok.body.spec.tolerations, [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
  ]);
  const noSa = post(c, "/api/v1/namespaces/team/pods", { ...pod("q"), spec: { serviceAccountName: "ghost", containers: [{ name: "c", image: "i" }] } });
  assert.equal([noSa.status, noSa.body.message], [403, 'pods "q" is forbidden: error looking up service account team/ghost: serviceaccount "ghost" not found']);
  const del = raw(c, { method: "DELETE", path: "/api/v1/namespaces/team" });
  assert.is(del.status, 200);
  assert.is(del.body.status.phase, "Terminating");
  c.runFor("100ms");
  const term = post(c, "/api/v1/namespaces/team/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } });
  assert.equal([term.status, term.body.message], [403, 'configmaps "x" is forbidden: unable to create new content in namespace team because it is being terminated']);
  const immortal = raw(c, { method: "DELETE", path: "/api/v1/namespaces/default" });
  assert.equal([immortal.status, immortal.body.message], [403, 'namespaces "default" is forbidden: this namespace may not be deleted']);
  const fin = raw(c, { method: "PUT", path: "/api/v1/namespaces/team/finalize", body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team" }, spec: { finalizers: [] } }) });
  assert.is(fin.status, 200);
  assert.is(raw(c, { path: "/api/v1/namespaces/team" }).status, 404, "finalized: gone");
});

test("services get a ClusterIP from 10.96.0.0/12; the kubernetes Service is 10.96.0.1", () => {
  const c = new Cluster({ seed: 5 });
  const k = raw(c, { path: "/api/v1/namespaces/default/services/kubernetes" }).body;
  assert.is(k.spec.clusterIP, "10.96.0.1");
  const s = post(c, "/api/v1/namespaces/default/services", { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { type: "NodePort", selector: { app: "web" }, ports: [{ port: 80 }] } }).body;
  assert.match(s.spec.clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
  assert.ok(s.spec.ports[0].nodePort >= 30000 && s.spec.ports[0].nodePort <= 32767);
  assert.is(s.spec.ports[0].targetPort, 80);
});

test("every stage is in the trace, with the request id", () => {
  const c = new Cluster({ seed: 6 });
  const before = c.sim.trace.length;
  post(c, PODS, pod("traced"));
  const rows = c.sim.trace.rows({ component: "apiserver" }).slice(0).filter((r) => r.resource === "pods" && r.verb === "create");
  const kinds = rows.map((r) => (r.kind === "admission" ? `admission:${r.phase}:${r.plugin}` : r.kind));
  assert.equal(kinds, [
    "authn",
    "authz",
    "decode",
    "admission:mutating:LimitRanger",
    "admission:mutating:ServiceAccount",
    "admission:mutating:Priority",
    "admission:mutating:DefaultTolerationSeconds",
    "validation",
    "admission:validating:NamespaceLifecycle",
    "admission:validating:LimitRanger",
    "admission:validating:ServiceAccount",
    "admission:validating:Priority",
    "admission:validating:ResourceQuota",
    "storage",
    "response",
  ]);
  assert.ok(rows.every((r) => r.request === rows[0].request && r.user === "kubernetes-admin"));
  assert.ok((rows[rows.length - 1].latency as number) > 0, "the request takes virtual time");
  const storage = rows.find((r) => r.kind === "storage")!;
  assert.ok((storage.ms as number) > 0, "storage takes an etcd round trip");
  assert.is(rows.filter((r) => r.kind !== "storage").reduce((a, r) => a + (r.ms as number), 0), 0, "the in-memory stages take no virtual time");
  assert.ok(c.sim.trace.length > before);
});

const CM = "/api/v1/namespaces/default/configmaps";
const big = "x".repeat(1.6 * 1024 * 1024);
const badInput: [string, Parameters<typeof raw>[1], number, string | RegExp][] = [
  ["malformed JSON", { method: "POST", path: CM, body: "{not json" }, 400, "BadRequest"],
  ["malformed YAML", { method: "POST", path: CM, body: "a: [b", headers: { "content-type": "application/yaml" } }, 400, "BadRequest"],
  ["body is an array", { method: "POST", path: CM, body: "[1,2]" }, 400, "BadRequest"],
  ["body is a string", { method: "POST", path: CM, body: '"cm"' }, 400, "BadRequest"],
  ["empty body", { method: "POST", path: CM, body: "" }, 400, "BadRequest"],
  ["wrong kind for the URL", { method: "POST", path: CM, body: JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" } }) }, 400, "BadRequest"],
  ["wrong apiVersion", { method: "POST", path: CM, body: JSON.stringify({ apiVersion: "apps/v1", kind: "ConfigMap", metadata: { name: "s" } }) }, 400, "BadRequest"],
  ["unknown resource", { method: "GET", path: "/api/v1/namespaces/default/widgets" }, 404, "NotFound"],
  ["unknown group", { method: "GET", path: "/apis/example.com/v1/things" }, 404, "NotFound"],
  ["wrong-typed field", { method: "POST", path: CM, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "t", labels: "x" } }) }, 400, "BadRequest"],
  ["wrong-typed replicas", { method: "POST", path: "/apis/apps/v1/namespaces/default/deployments", body: JSON.stringify({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { replicas: "3" } }) }, 400, "BadRequest"],
  ["name not DNS-1123", { method: "POST", path: CM, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "Not_OK" } }) }, 422, "Invalid"],
  ["over 1.5 MiB", { method: "POST", path: CM, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "huge" }, data: { a: big } }) }, 413, "RequestEntityTooLarge"],
  ["namespace mismatch", { method: "POST", path: CM, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "m", namespace: "kube-system" } }) }, 400, "BadRequest"],
  ["patch with unknown content type", { method: "PATCH", path: `${CM}/keep`, body: "{}", headers: { "content-type": "text/plain" } }, 415, "UnsupportedMediaType"],
  ["patch that does not apply", { method: "PATCH", path: `${CM}/keep`, body: JSON.stringify([{ op: "replace", path: "/nope/x", value: 1 }]), headers: { "content-type": "application/json-patch+json" } }, 422, /missing/],
  ["patch making it invalid", { method: "PATCH", path: `${CM}/keep`, body: JSON.stringify({ data: { "bad key!": "v" } }), headers: { "content-type": "application/merge-patch+json" } }, 422, "Invalid"],
  ["patch renaming", { method: "PATCH", path: `${CM}/keep`, body: JSON.stringify({ metadata: { name: "other" } }), headers: { "content-type": "application/merge-patch+json" } }, 400, "BadRequest"],
  ["PUT name mismatch", { method: "PUT", path: `${CM}/keep`, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "other" } }) }, 400, "BadRequest"],
  ["bad resourceVersion", { method: "GET", path: CM, query: { resourceVersion: "abc" } }, 400, "BadRequest"],
  ["bad continue token", { method: "GET", path: CM, query: { continue: "garbage" } }, 400, "BadRequest"],
  ["create on a subresource-less verb", { method: "POST", path: "/api/v1/namespaces/default/pods/x/status", body: "{}" }, 405, "MethodNotAllowed"],
  ["unknown field with fieldValidation=Strict", { method: "POST", path: CM, query: { fieldValidation: "Strict" }, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "u" }, bogus: 1 }) }, 400, /^ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"$/],
  ["dryRun not All", { method: "POST", path: CM, query: { dryRun: "Maybe" }, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "dr" } }) }, 422, /^CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: "Maybe": supported values: "All"$/],
  ["fieldManager too long", { method: "POST", path: CM, query: { fieldManager: "m".repeat(200) }, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "fm" } }) }, 422, "Invalid"],
  ["bad fieldValidation", { method: "POST", path: CM, query: { fieldValidation: "Bogus" }, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "fv" } }) }, 422, "Invalid"],
  ["dry run create (valid, not stored)", { method: "POST", path: CM, query: { dryRun: "All" }, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "dry" } }) }, 201, /./],
  ["dry run delete (not deleted)", { method: "DELETE", path: `${CM}/keep`, query: { dryRun: "All" } }, 200, /./],
  ["stale resourceVersion in PUT", { method: "PUT", path: `${CM}/keep`, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "keep", resourceVersion: "1" }, data: { changed: "1" } }) }, 409, "Conflict"],
  ["bad $patch directive", { method: "PATCH", path: `${CM}/keep`, body: JSON.stringify({ $patch: "bogus" }), headers: { "content-type": "application/strategic-merge-patch+json" } }, 422, /Unknown patch type/],
  ["bad propagationPolicy", { method: "DELETE", path: `${CM}/keep`, body: JSON.stringify({ propagationPolicy: "Sideways" }) }, 422, "Invalid"],
];

test("bad input: the right Status, nothing stored, the server keeps serving", () => {
  const c = new Cluster({ seed: 7 });
  assert.is(post(c, CM, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "keep" }, data: { a: "1" } }).status, 201);
  const snapshot = () => JSON.stringify(raw(c, { path: "/api/v1/configmaps" }).body.items) + JSON.stringify(raw(c, { path: "/apis/apps/v1/deployments" }).body.items);
  const before = snapshot();
  for (const [name, req, code, reason] of badInput) {
    const r = raw(c, req);
    assert.is(r.status, code, `${name}: ${JSON.stringify(r.body).slice(0, 300)}`);
    if (code < 400) continue; // the dry runs: answered with the object, and nothing stored (checked below)
    assert.is(r.body.kind, "Status", name);
    if (typeof reason === "string") assert.is(r.body.reason, reason, name);
    else assert.match(r.body.message, reason, name);
  }
  assert.is(snapshot(), before, "nothing stored, nothing changed");
  assert.is(c.sim.trace.rows({ component: "apiserver", kind: "panic" }).length, 0, "no internal errors");
  assert.is(raw(c, { path: `${CM}/keep` }).status, 200, "still serving");
});

test("unknown fields are dropped (not stored) unless fieldValidation=Strict refuses them", () => {
  const c = new Cluster({ seed: 9 });
  const r = post(c, "/apis/apps/v1/namespaces/default/deployments", {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d", colour: "blue" },
    spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i", imagee: "typo" }] } } },
  });
  assert.is(r.status, 201);
  assert.is(r.body.metadata.colour, undefined);
  assert.is(r.body.spec.template.spec.containers[0].imagee, undefined);
  const strict = raw(c, {
    method: "POST",
    path: "/apis/apps/v1/namespaces/default/deployments",
    query: { fieldValidation: "Strict" },
    body: JSON.stringify({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "e" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i", imagee: "typo" }] } } } }),
  });
  assert.is(strict.status, 400);
  assert.is(strict.body.message, 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagee"');
  // A body without apiVersion and kind takes the endpoint's (the real decoder's defaulting).
  const bare = post(c, "/api/v1/namespaces/default/configmaps", { metadata: { name: "bare" } });
  assert.equal([bare.status, bare.body.apiVersion, bare.body.kind], [201, "v1", "ConfigMap"]);
  // Secrets: stringData is merged into data and not stored.
  const sec = post(c, "/api/v1/namespaces/default/secrets", { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, stringData: { user: "admin" } });
  assert.equal([sec.body.data, sec.body.stringData, sec.body.type], [{ user: "YWRtaW4=" }, undefined, "Opaque"]);
});

test("KubeClient over the network and the Cluster helpers", () => {
  const c = new Cluster({ seed: 8 });
  const created = c.apply(`
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: fast}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27"}]}
`);
  assert.equal(created.map((o) => o.kind), ["ConfigMap", "Deployment"]);
  const again = c.apply(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: slow}\n`);
  assert.is(again[0].data.mode, "slow", "apply updates what exists");
  assert.is((c.get("cm", "settings") as any).data.mode, "slow");
  assert.is((c.get("deploy") as any).items.length, 1);
  const scaled = c.patch("deployments", "web", { spec: { replicas: 4 } });
  assert.is(scaled.spec.replicas, 4);
  c.delete("configmap", "settings");
  assert.throws(() => c.get("configmaps", "settings"), (e: any) => e.code === 404 && e.message === 'configmaps "settings" not found');
  const events: string[] = [];
  const h = c.admin.watch("pods", "default", { resourceVersion: "0" }, (ev) => events.push(`${ev.type} ${ev.object.metadata.name}`));
  c.apply(`apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: busybox}]}\n`);
  c.runFor("1s");
  h.stop();
  assert.equal(events, ["ADDED p"]);
});

test("KubeClient: a refused watch ends with the Status; deletecollection by label", () => {
  const c = withAlice(10);
  const alice = c.client("alice", "alice-token");
  let ended: any;
  alice.watch("pods", "default", {}, () => {}, (e) => (ended = e));
  c.runFor("1s");
  assert.is(ended?.code, 403);
  assert.is(ended?.reason, "Forbidden");
  for (const [n, tier] of [["a", "db"], ["b", "db"], ["c", "web"]]) post(c, "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: n, labels: { tier } } });
  const del = raw(c, { method: "DELETE", path: "/api/v1/namespaces/default/configmaps", query: { labelSelector: "tier=db" } });
  assert.is(del.status, 200);
  assert.equal(raw(c, { path: "/api/v1/namespaces/default/configmaps" }).body.items.map((o: any) => o.metadata.name), ["c"]);
});

test.run();
