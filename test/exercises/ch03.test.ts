import { test } from "uvu";
import * as assert from "uvu/assert";
import { Cluster } from "../../src/cluster/cluster";
import { checkFixedPod, checkViewerCanListPods } from "../../src/exercises/ch03";

const viewerSA = `apiVersion: v1
kind: ServiceAccount
metadata: { name: viewer, namespace: default }`;

test("viewer: no role → not yet; a Role + RoleBinding in default → solved", () => {
  const c = new Cluster({ seed: "ch03" });
  c.apply(viewerSA);
  assert.match(checkViewerCanListPods(c).message, /still cannot list pods/);
  c.apply(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: pod-reader, namespace: default }
rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: viewer-reads-pods, namespace: default }
subjects: [{ kind: ServiceAccount, name: viewer, namespace: default }]
roleRef: { kind: Role, name: pod-reader, apiGroup: rbac.authorization.k8s.io }`);
  const v = checkViewerCanListPods(c);
  assert.ok(v.ok, v.message);
});

test("viewer: a ClusterRoleBinding is too much, and so is verb *", () => {
  const c = new Cluster({ seed: "ch03b" });
  c.apply(viewerSA);
  c.apply(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: everything-pods }
rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["*"] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: too-much }
subjects: [{ kind: ServiceAccount, name: viewer, namespace: default }]
roleRef: { kind: ClusterRole, name: everything-pods, apiGroup: rbac.authorization.k8s.io }`);
  assert.match(checkViewerCanListPods(c).message, /kube-system too/);
});

test("fixed pod: missing → not yet; valid → solved", () => {
  const c = new Cluster({ seed: "ch03c" });
  assert.match(checkFixedPod(c).message, /no pod "fix-me"/);
  c.apply(`apiVersion: v1
kind: Pod
metadata: { name: fix-me }
spec: { containers: [{ name: web-server, image: "nginx:1.27" }] }`);
  assert.ok(checkFixedPod(c).ok);
});

test.run();
