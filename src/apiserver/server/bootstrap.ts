// What a new cluster's API server creates for itself (its post-start hooks): the system
// namespaces, the default RBAC policy (cluster-admin for system:masters, and the basic roles),
// and the `kubernetes` Service in default.

import { SYSTEM_PRIORITY_CLASSES } from "../admission/priority";
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

function clusterRoleBinding(name: string, role: string, group: string, kind: "Group" | "User" = "Group"): KubeObject {
  return {
    apiVersion: rbac,
    kind: "ClusterRoleBinding",
    metadata: { name, labels: { "kubernetes.io/bootstrapping": "rbac-defaults" }, annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" } },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind, name: group }],
  };
}

/**
 * Who the cluster's own components log in as (their client certificates' CN and O on a kubeadm
 * cluster; here static tokens). Bootstrap RBAC binds a ClusterRole of the same name to each.
 */
export const COMPONENT_IDENTITIES = {
  kubeControllerManager: { user: "system:kube-controller-manager", groups: [] as string[] },
  kubeScheduler: { user: "system:kube-scheduler", groups: [] as string[] },
  kubeProxy: { user: "system:kube-proxy", groups: [] as string[] },
  /** A kubelet: user system:node:<nodeName>, group system:nodes. */
  node: (nodeName: string) => ({ user: `system:node:${nodeName}`, groups: ["system:nodes"] }),
};

const rule = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]) =>
  resourceNames ? { verbs, apiGroups, resources, resourceNames } : { verbs, apiGroups, resources };

/** eventsRule(): every component records Events. */
const EVENTS = rule(["create", "update", "patch"], ["", "events.k8s.io"], ["events"]);

/** [k/k plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go] kubeSchedulerRules. */
const KUBE_SCHEDULER = [
  EVENTS,
  rule(["create"], ["coordination.k8s.io"], ["leases"]),
  rule(["get", "update"], ["coordination.k8s.io"], ["leases"], ["kube-scheduler"]),
  rule(READ, [""], ["nodes"]),
  rule(["get", "list", "watch", "delete"], [""], ["pods"]),
  rule(["create"], [""], ["pods/binding", "bindings"]),
  rule(["patch", "update"], [""], ["pods/status"]),
  rule(READ, [""], ["services", "replicationcontrollers"]),
  rule(READ, ["apps", "extensions"], ["replicasets"]),
  rule(READ, ["apps"], ["statefulsets"]),
  rule(READ, ["policy"], ["poddisruptionbudgets"]),
  rule(READ, [""], ["persistentvolumeclaims", "persistentvolumes"]),
  rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
  rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
  rule(READ, ["storage.k8s.io"], ["csinodes", "csidrivers", "csistoragecapacities"]),
  rule(READ, [""], ["namespaces"]),
];

/**
 * The controller manager. The real role (policy.go) only lets it read everything and run leader
 * election; each controller then acts as its own ServiceAccount (--use-service-account-credentials,
 * roles in controller_policy.go). Here the controllers share one user, so its role is the union
 * of what our controllers' roles grant: the garbage collector's and namespace controller's
 * get/list/watch/patch/update/delete(collection) on everything, and creates only where a
 * controller creates (ReplicaSets, Pods, Endpoints, EndpointSlices, ServiceAccounts, Events, Leases).
 * It may not create Deployments (a user does) nor bind pods (the scheduler does).
 */
const KUBE_CONTROLLER_MANAGER = [
  EVENTS,
  rule(["create"], ["coordination.k8s.io"], ["leases"]),
  rule(["get", "update"], ["coordination.k8s.io"], ["leases"], ["kube-controller-manager"]),
  // generic-garbage-collector + namespace-controller: on every resource and subresource.
  rule(["get", "list", "watch", "patch", "update", "delete", "deletecollection"], ["*"], ["*"]),
  // namespace-controller
  rule(["update"], [""], ["namespaces/finalize", "namespaces/status"]),
  // replicaset-controller, deployment-controller
  rule(["create"], [""], ["pods"]),
  rule(["create"], ["apps"], ["replicasets"]),
  // endpoint-controller, endpointslice-controller
  rule(["create"], [""], ["endpoints"]),
  rule(["create"], ["discovery.k8s.io"], ["endpointslices"]),
  // serviceaccount-controller, and tokens
  rule(["create"], [""], ["serviceaccounts", "secrets", "serviceaccounts/token"]),
  rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
  rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
];

/** [k/k bootstrappolicy/policy.go NodeRules()]: what a kubelet may do. */
const NODE = [
  rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
  rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews", "localsubjectaccessreviews"]),
  rule(READ, [""], ["services"]),
  rule(["create", "get", "list", "watch"], [""], ["nodes"]),
  rule(["update", "patch"], [""], ["nodes/status"]),
  rule(["update", "patch"], [""], ["nodes"]),
  rule(["create", "update", "patch"], [""], ["events"]),
  rule(READ, [""], ["pods"]),
  rule(["create", "delete"], [""], ["pods"]),
  rule(["update", "patch"], [""], ["pods/status"]),
  rule(["create"], [""], ["pods/eviction"]),
  rule(READ, [""], ["secrets", "configmaps"]),
  rule(["get"], [""], ["persistentvolumeclaims", "persistentvolumes"]),
  rule(["get"], [""], ["endpoints"]),
  rule(["create", "get", "list", "watch"], ["certificates.k8s.io"], ["certificatesigningrequests"]),
  rule(["get", "create", "update", "patch", "delete"], ["coordination.k8s.io"], ["leases"]),
  rule(["get"], ["storage.k8s.io"], ["volumeattachments"]),
  rule(["create"], [""], ["serviceaccounts/token"]),
  rule(READ, ["node.k8s.io"], ["runtimeclasses"]),
];

/** [k/k bootstrappolicy/policy.go] nodeProxierRules: kube-proxy only reads what it programs. */
const NODE_PROXIER = [
  rule(["list", "watch"], [""], ["services", "endpoints"]),
  rule(READ, [""], ["nodes"]),
  EVENTS,
  rule(["list", "watch"], ["discovery.k8s.io"], ["endpointslices"]),
];

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
    clusterRole("system:basic-user", [
      { apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"], verbs: ["create"] },
      { apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], verbs: ["create"] },
    ]),
    clusterRole("system:discovery", [{ nonResourceURLs: ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"], verbs: ["get"] }]),
    clusterRoleBinding("cluster-admin", "cluster-admin", "system:masters"),
    clusterRoleBinding("system:basic-user", "system:basic-user", "system:authenticated"),
    clusterRoleBinding("system:discovery", "system:discovery", "system:authenticated"),
    clusterRole("system:kube-controller-manager", KUBE_CONTROLLER_MANAGER),
    clusterRole("system:kube-scheduler", KUBE_SCHEDULER),
    clusterRole("system:node", NODE),
    clusterRole("system:node-proxier", NODE_PROXIER),
    clusterRoleBinding("system:kube-controller-manager", "system:kube-controller-manager", COMPONENT_IDENTITIES.kubeControllerManager.user, "User"),
    clusterRoleBinding("system:kube-scheduler", "system:kube-scheduler", COMPONENT_IDENTITIES.kubeScheduler.user, "User"),
    // Real clusters leave this binding without subjects and authorize kubelets with the Node
    // authorizer + NodeRestriction (each kubelet only its own node and pods); we bind the group.
    clusterRoleBinding("system:node", "system:node", "system:nodes"),
    clusterRoleBinding("system:node-proxier", "system:node-proxier", COMPONENT_IDENTITIES.kubeProxy.user, "User"),
    ...SYSTEM_PRIORITY_CLASSES,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
      spec: { clusterIP: "10.96.0.1", ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }], sessionAffinity: "None", type: "ClusterIP" },
    },
  );
  return out;
}
