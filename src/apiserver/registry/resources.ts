// The resources the API server serves: the catalog that discovery, routing, RBAC and storage all
// read. Names, scopes, short names, categories and verbs are Kubernetes 1.32's.

export interface GroupVersionKind {
  group: string; // "" for the core group
  version: string;
  kind: string;
}

export interface SubresourceInfo {
  name: string; // "status", "scale", "binding", "log"
  /** The kind a subresource request and response carry (Scale lives in autoscaling/v1). */
  kind: GroupVersionKind;
  verbs: string[];
}

export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  /** Plural, lower case: the URL segment and the RBAC resource name. */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: SubresourceInfo[];
}

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const STATUS = (group: string, version: string, kind: string): SubresourceInfo => ({ name: "status", kind: { group, version, kind }, verbs: ["get", "patch", "update"] });
const SCALE: SubresourceInfo = { name: "scale", kind: { group: "autoscaling", version: "v1", kind: "Scale" }, verbs: ["get", "patch", "update"] };

function r(group: string, version: string, kind: string, resource: string, namespaced: boolean, extra: Partial<ResourceInfo> = {}): ResourceInfo {
  return {
    group,
    version,
    kind,
    resource,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    subresources: [],
    ...extra,
  };
}

export const RESOURCES: readonly ResourceInfo[] = [
  r("", "v1", "Namespace", "namespaces", false, { shortNames: ["ns"], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], subresources: [STATUS("", "v1", "Namespace"), { name: "finalize", kind: { group: "", version: "v1", kind: "Namespace" }, verbs: ["update"] }] }),
  r("", "v1", "Pod", "pods", true, {
    shortNames: ["po"],
    categories: ["all"],
    subresources: [
      STATUS("", "v1", "Pod"),
      { name: "binding", kind: { group: "", version: "v1", kind: "Binding" }, verbs: ["create"] },
      { name: "log", kind: { group: "", version: "v1", kind: "Pod" }, verbs: ["get"] },
      // POST an Eviction: a delete that respects PodDisruptionBudgets (kubectl drain uses it).
      { name: "eviction", kind: { group: "policy", version: "v1", kind: "Eviction" }, verbs: ["create"] },
    ],
  }),
  r("", "v1", "Node", "nodes", false, { shortNames: ["no"], subresources: [STATUS("", "v1", "Node")] }),
  r("", "v1", "Service", "services", true, { shortNames: ["svc"], categories: ["all"], verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], subresources: [STATUS("", "v1", "Service")] }),
  r("", "v1", "Endpoints", "endpoints", true, { singular: "endpoints", shortNames: ["ep"] }),
  r("", "v1", "ConfigMap", "configmaps", true, { shortNames: ["cm"] }),
  r("", "v1", "Secret", "secrets", true),
  r("", "v1", "ServiceAccount", "serviceaccounts", true, { shortNames: ["sa"] }),
  r("", "v1", "Event", "events", true, { shortNames: ["ev"] }),
  r("", "v1", "Binding", "bindings", true, { verbs: ["create"] }),
  r("apps", "v1", "Deployment", "deployments", true, { shortNames: ["deploy"], categories: ["all"], subresources: [STATUS("apps", "v1", "Deployment"), SCALE] }),
  r("apps", "v1", "ReplicaSet", "replicasets", true, { shortNames: ["rs"], categories: ["all"], subresources: [STATUS("apps", "v1", "ReplicaSet"), SCALE] }),
  r("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true),
  r("coordination.k8s.io", "v1", "Lease", "leases", true),
  r("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
  r("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
  r("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),
  r("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
  r("", "v1", "LimitRange", "limitranges", true, { shortNames: ["limits"] }),
  r("", "v1", "ResourceQuota", "resourcequotas", true, { shortNames: ["quota"], subresources: [STATUS("", "v1", "ResourceQuota")] }),
  r("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, { shortNames: ["pdb"], subresources: [STATUS("policy", "v1", "PodDisruptionBudget")] }),
  r("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false, { shortNames: ["pc"] }),
  r("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false, { verbs: ["create"] }),
  // "Who am I?" (`kubectl auth whoami`, GA in 1.28): the answer is the caller's own user info.
  r("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", false, { verbs: ["create"] }),
];

/** "apps/v1", or "v1" for the core group. */
export function groupVersion(info: { group: string; version: string }): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

export function findByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((x) => groupVersion(x) === apiVersion && x.kind === kind);
}

export function findByResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((x) => x.group === group && x.version === version && x.resource === resource);
}

/** The etcd key of an object, as the real API server lays them out: /registry/<resource>/<ns>/<name>. */
export function storageKey(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return info.namespaced ? `/registry/${info.resource}/${namespace}/${name}` : `/registry/${info.resource}/${name}`;
}
