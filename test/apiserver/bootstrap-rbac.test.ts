// Bootstrap RBAC for the cluster's own components: each logs in as its user (or group) and can do
// what its component does, and not what it should not (checked the way `kubectl auth can-i --as`
// would: a SelfSubjectAccessReview per question, plus a few real requests).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { COMPONENT_IDENTITIES } from "../../src/apiserver/server/bootstrap";
import { post, raw } from "./helpers";

const c = new Cluster({ seed: 31 });
const token = (name: string, groups: string[]) => {
  const t = `token-${name}`;
  c.apiserver.addToken({ token: t, user: name, groups });
  return t;
};
const ids = COMPONENT_IDENTITIES;
const kcm = token(ids.kubeControllerManager.user, ids.kubeControllerManager.groups);
const sched = token(ids.kubeScheduler.user, ids.kubeScheduler.groups);
const node = token(ids.node("node-1").user, ids.node("node-1").groups);
const proxy = token(ids.kubeProxy.user, ids.kubeProxy.groups);
const nobody = token("alice", []);

/** "verb resource[/sub][.group] [ns]" → allowed? */
function can(tok: string, verb: string, what: string, namespace = "default", name = ""): boolean {
  const [resPart, group = ""] = what.split(/\.(.*)/s);
  const [resource, subresource = ""] = resPart.split("/");
  const ssar = { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { verb, group, resource, subresource, namespace, name } } };
  const a = post(c, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ssar, tok);
  assert.is(a.status, 201);
  return a.body.status.allowed === true;
}

test("identities and role names are the real ones", () => {
  assert.is(ids.kubeControllerManager.user, "system:kube-controller-manager");
  assert.is(ids.kubeScheduler.user, "system:kube-scheduler");
  assert.is(ids.kubeProxy.user, "system:kube-proxy");
  assert.equal(ids.node("n1"), { user: "system:node:n1", groups: ["system:nodes"] });
  for (const n of ["system:kube-controller-manager", "system:kube-scheduler", "system:node", "system:node-proxier"]) {
    assert.is(raw(c, { path: `/apis/rbac.authorization.k8s.io/v1/clusterroles/${n}` }).status, 200, n);
    assert.is(raw(c, { path: `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${n}` }).status, 200, n);
  }
});

test("kube-controller-manager: reads and garbage-collects everything, creates only what controllers create", () => {
  for (const r of ["pods", "replicasets.apps", "deployments.apps", "endpoints", "endpointslices.discovery.k8s.io", "nodes", "namespaces", "serviceaccounts", "leases.coordination.k8s.io", "events", "configmaps"]) {
    for (const v of ["get", "list", "watch", "delete", "patch", "update"]) assert.ok(can(kcm, v, r), `${v} ${r}`);
  }
  for (const r of ["pods", "replicasets.apps", "endpoints", "endpointslices.discovery.k8s.io", "events", "serviceaccounts", "leases.coordination.k8s.io"]) assert.ok(can(kcm, "create", r), `create ${r}`);
  assert.ok(can(kcm, "update", "namespaces/finalize", ""));
  assert.ok(can(kcm, "update", "replicasets/status.apps"));
  assert.ok(can(kcm, "update", "deployments/status.apps"));
  assert.ok(can(kcm, "deletecollection", "pods", "team"));
  assert.not.ok(can(kcm, "create", "deployments.apps"), "a user creates Deployments");
  assert.not.ok(can(kcm, "create", "pods/binding"), "the scheduler binds");
  assert.not.ok(can(kcm, "create", "clusterrolebindings.rbac.authorization.k8s.io", ""));
  // And for real: the finalize of a terminating namespace.
  post(c, "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "gone" } });
  raw(c, { method: "DELETE", path: "/api/v1/namespaces/gone" });
  const cur = raw(c, { path: "/api/v1/namespaces/gone" }, kcm).body;
  const fin = raw(c, { method: "PUT", path: "/api/v1/namespaces/gone/finalize", body: JSON.stringify({ ...cur, spec: { finalizers: [] } }) }, kcm);
  assert.is(fin.status, 200);
});

test("kube-scheduler: reads pods and nodes, binds, updates pod status; cannot delete deployments or create pods", () => {
  for (const v of ["get", "list", "watch"]) {
    assert.ok(can(sched, v, "pods"));
    assert.ok(can(sched, v, "nodes", ""));
    assert.ok(can(sched, v, "services"));
    assert.ok(can(sched, v, "replicasets.apps"));
  }
  assert.ok(can(sched, "create", "pods/binding"));
  assert.ok(can(sched, "create", "bindings"));
  assert.ok(can(sched, "patch", "pods/status"));
  assert.ok(can(sched, "delete", "pods"), "preemption deletes victims");
  assert.ok(can(sched, "create", "events"));
  assert.ok(can(sched, "update", "leases.coordination.k8s.io", "kube-system", "kube-scheduler"));
  assert.not.ok(can(sched, "update", "leases.coordination.k8s.io", "kube-system", "kube-controller-manager"), "only its own lease");
  assert.not.ok(can(sched, "delete", "deployments.apps"));
  assert.not.ok(can(sched, "create", "pods"));
  assert.not.ok(can(sched, "update", "nodes", ""));
  assert.not.ok(can(sched, "get", "secrets"));
  const denied = raw(c, { method: "DELETE", path: "/apis/apps/v1/namespaces/default/deployments/web" }, sched);
  assert.equal([denied.status, denied.body.message], [403, 'deployments.apps "web" is forbidden: User "system:kube-scheduler" cannot delete resource "deployments" in API group "apps" in the namespace "default"']);
});

test("system:nodes (kubelets): register and heartbeat nodes, report pod status; no deletes of nodes, no binding", () => {
  assert.ok(can(node, "create", "nodes", ""));
  assert.ok(can(node, "patch", "nodes/status", ""));
  assert.ok(can(node, "update", "leases.coordination.k8s.io", "kube-node-lease", "node-1"));
  assert.ok(can(node, "watch", "pods"));
  assert.ok(can(node, "update", "pods/status"));
  assert.ok(can(node, "get", "configmaps"));
  assert.ok(can(node, "get", "secrets"));
  assert.ok(can(node, "create", "events"));
  assert.not.ok(can(node, "delete", "nodes", ""));
  assert.not.ok(can(node, "create", "pods/binding"));
  assert.not.ok(can(node, "update", "deployments.apps"));
  assert.not.ok(can(node, "create", "configmaps"));
  const nodeObj = { apiVersion: "v1", kind: "Node", metadata: { name: "node-1" } };
  assert.is(post(c, "/api/v1/nodes", nodeObj, node).status, 201);
  assert.is(raw(c, { method: "DELETE", path: "/api/v1/nodes/node-1" }, node).status, 403);
});

test("kube-proxy (system:node-proxier): lists and watches services, endpoints, slices; writes nothing else", () => {
  for (const r of ["services", "endpoints", "endpointslices.discovery.k8s.io"]) {
    assert.ok(can(proxy, "list", r));
    assert.ok(can(proxy, "watch", r));
    assert.not.ok(can(proxy, "create", r));
    assert.not.ok(can(proxy, "delete", r));
  }
  assert.ok(can(proxy, "get", "nodes", ""));
  assert.ok(can(proxy, "create", "events"));
  assert.not.ok(can(proxy, "get", "services"), "list/watch only, as the real role");
  assert.not.ok(can(proxy, "list", "pods"));
  assert.not.ok(can(proxy, "get", "secrets"));
  assert.is(raw(c, { path: "/api/v1/services" }, proxy).status, 200);
  assert.is(raw(c, { path: "/api/v1/pods" }, proxy).status, 403);
});

test("an unbound user gets none of it", () => {
  assert.not.ok(can(nobody, "list", "pods"));
  assert.not.ok(can(nobody, "update", "namespaces/finalize", ""));
  assert.ok(can(nobody, "create", "selfsubjectaccessreviews.authorization.k8s.io", ""), "system:basic-user");
});

test.run();
