// What a new cluster's API server creates for itself (its post-start hooks): the system
// namespaces, the default RBAC policy (cluster-admin for system:masters, and the basic roles),
// and the `kubernetes` Service in default.

import type { KubeObject } from "../registry/object";

export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

const rbac = "rbac.authorization.k8s.io/v1";
const READ = ["get", "list", "watch"];
const WRITE = ["create", "delete", "deletecollection", "patch", "update"];
const CORE_APP = [
  { apiGroups: [""], resources: ["pods", "pods/log", "pods/status", "services", "endpoints", "configmaps", "serviceaccounts", "events", "persistentvolumeclaims", "replicationcontrollers"] },
  { apiGroups: ["apps"], resources: ["deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets", "daemonsets"] },
  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"] },
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"] },
];

function clusterRole(name: string, rules: any[]): KubeObject {
  return { apiVersion: rbac, kind: "ClusterRole", metadata: { name, labels: { "kubernetes.io/bootstrapping": "rbac-defaults" }, annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" } }, rules };
}

function clusterRoleBinding(name: string, role: string, group: string): KubeObject {
  return {
    apiVersion: rbac,
    kind: "ClusterRoleBinding",
    metadata: { name, labels: { "kubernetes.io/bootstrapping": "rbac-defaults" }, annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" } },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: group }],
  };
}

export function bootstrapObjects(): KubeObject[] {
  const out: KubeObject[] = SYSTEM_NAMESPACES.map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } }));
  out.push(
    clusterRole("cluster-admin", [
      { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
      { nonResourceURLs: ["*"], verbs: ["*"] },
    ]),
    clusterRole("admin", [...CORE_APP.map((r) => ({ ...r, verbs: [...READ, ...WRITE] })), { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings"], verbs: [...READ, ...WRITE] }, { apiGroups: [""], resources: ["secrets"], verbs: [...READ, ...WRITE] }]),
    clusterRole("edit", [...CORE_APP.map((r) => ({ ...r, verbs: [...READ, ...WRITE] })), { apiGroups: [""], resources: ["secrets"], verbs: [...READ, ...WRITE] }]),
    clusterRole("view", [...CORE_APP.map((r) => ({ ...r, verbs: READ })), { apiGroups: [""], resources: ["namespaces"], verbs: READ }]),
    clusterRole("system:basic-user", [{ apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], verbs: ["create"] }]),
    clusterRole("system:discovery", [{ nonResourceURLs: ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"], verbs: ["get"] }]),
    clusterRoleBinding("cluster-admin", "cluster-admin", "system:masters"),
    clusterRoleBinding("system:basic-user", "system:basic-user", "system:authenticated"),
    clusterRoleBinding("system:discovery", "system:discovery", "system:authenticated"),
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
      spec: { clusterIP: "10.96.0.1", ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }], sessionAffinity: "None", type: "ClusterIP" },
    },
  );
  return out;
}
