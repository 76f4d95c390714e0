// The fields each kind has, for what the real server's typed decoding does with fields it does
// not know: they are dropped (a Go struct has nowhere to put them), and with
// fieldValidation=Strict (what kubectl sends) the request is refused:
//   ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"
// Only the structures listed are checked; a field marked ANY is taken whole (status, affinity...).
// The lists are Kubernetes 1.32's field names.

import { isPlainObject } from "./object";

type Schema = "any" | { [field: string]: Schema } | { $array: Schema } | { $map: true };

const ANY = "any" as const;
const MAP = { $map: true } as const;
const arr = (s: Schema): Schema => ({ $array: s });
const fields = (names: string[], overrides: Record<string, Schema> = {}): Schema => {
  const out: Record<string, Schema> = {};
  for (const n of names) out[n] = ANY;
  return { ...out, ...overrides };
};

const OWNER_REF = fields(["apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion"]);
const OBJECT_META = fields(
  ["name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "finalizers", "managedFields"],
  { labels: MAP, annotations: MAP, ownerReferences: arr(OWNER_REF) },
);

const CONTAINER_PORT = fields(["name", "hostPort", "containerPort", "protocol", "hostIP"]);
const ENV_VAR = fields(["name", "value", "valueFrom"]);
const VOLUME_MOUNT = fields(["name", "readOnly", "recursiveReadOnly", "mountPath", "subPath", "mountPropagation", "subPathExpr"]);
const CONTAINER = fields(
  ["name", "image", "command", "args", "workingDir", "envFrom", "resources", "resizePolicy", "restartPolicy", "volumeDevices", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty", "targetContainerName"],
  { ports: arr(CONTAINER_PORT), env: arr(ENV_VAR), volumeMounts: arr(VOLUME_MOUNT) },
);
const POD_SPEC = fields(
  [
    "volumes", "ephemeralContainers", "restartPolicy", "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "serviceAccountName", "serviceAccount",
    "automountServiceAccountToken", "nodeName", "hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace", "securityContext", "imagePullSecrets", "hostname", "subdomain",
    "affinity", "schedulerName", "tolerations", "hostAliases", "priorityClassName", "priority", "dnsConfig", "readinessGates", "runtimeClassName", "enableServiceLinks",
    "preemptionPolicy", "overhead", "topologySpreadConstraints", "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates", "resourceClaims", "resources",
  ],
  { containers: arr(CONTAINER), initContainers: arr(CONTAINER), nodeSelector: MAP },
);
const TEMPLATE = { metadata: OBJECT_META, spec: POD_SPEC };
const SELECTOR = fields(["matchExpressions"], { matchLabels: MAP });
const SERVICE_PORT = fields(["name", "protocol", "appProtocol", "port", "targetPort", "nodePort"]);
const SERVICE_SPEC = fields(
  [
    "clusterIP", "clusterIPs", "type", "externalIPs", "sessionAffinity", "loadBalancerIP", "loadBalancerSourceRanges", "externalName", "externalTrafficPolicy", "healthCheckNodePort",
    "publishNotReadyAddresses", "sessionAffinityConfig", "ipFamilies", "ipFamilyPolicy", "allocateLoadBalancerNodePorts", "loadBalancerClass", "internalTrafficPolicy", "trafficDistribution",
  ],
  { ports: arr(SERVICE_PORT), selector: MAP },
);

const top = (names: string[], overrides: Record<string, Schema> = {}): Schema => fields(["apiVersion", "kind", ...names], { metadata: OBJECT_META, ...overrides });

const KINDS: Record<string, Schema> = {
  Namespace: top(["spec", "status"]),
  Pod: top(["status"], { spec: POD_SPEC }),
  Node: top(["spec", "status"]),
  Service: top(["status"], { spec: SERVICE_SPEC }),
  Endpoints: top(["subsets"]),
  ConfigMap: top(["binaryData", "immutable"], { data: MAP }),
  Secret: top(["data", "type", "immutable"], { stringData: MAP }),
  ServiceAccount: top(["secrets", "imagePullSecrets", "automountServiceAccountToken"]),
  Event: top(["involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count", "type", "eventTime", "series", "action", "related", "reportingComponent", "reportingInstance"]),
  Binding: top(["target"]),
  Deployment: top(["status"], { spec: fields(["replicas", "strategy", "minReadySeconds", "revisionHistoryLimit", "paused", "progressDeadlineSeconds"], { selector: SELECTOR, template: TEMPLATE }) }),
  ReplicaSet: top(["status"], { spec: fields(["replicas", "minReadySeconds"], { selector: SELECTOR, template: TEMPLATE }) }),
  EndpointSlice: top(["addressType", "endpoints", "ports"]),
  Lease: top(["spec"]),
  Role: top(["rules"]),
  ClusterRole: top(["rules", "aggregationRule"]),
  RoleBinding: top(["subjects", "roleRef"]),
  ClusterRoleBinding: top(["subjects", "roleRef"]),
  SelfSubjectAccessReview: top(["spec", "status"]),
  SelfSubjectReview: top(["status"]),
  PriorityClass: top(["value", "globalDefault", "description", "preemptionPolicy"]),
  LimitRange: top([], { spec: fields([], { limits: arr(fields(["type", "max", "min", "default", "defaultRequest", "maxLimitRequestRatio"])) }) }),
  ResourceQuota: top(["status"], { spec: fields(["scopes", "scopeSelector"], { hard: MAP }) }),
  Scale: top(["spec", "status"]),
};

/**
 * Removes the fields the kind does not have, in place; returns their paths
 * (`bogus`, `spec.template.spec.containers[0].imagee`) for a strict refusal.
 */
export function pruneUnknownFields(obj: Record<string, unknown>, kind: string): string[] {
  const schema = KINDS[kind];
  if (!schema) return [];
  const unknown: string[] = [];
  walk(obj, schema, "", unknown);
  return unknown;
}

function walk(v: unknown, s: Schema, path: string, unknown: string[]): void {
  if (s === ANY || v === null || v === undefined) return;
  if ("$map" in s) return;
  if ("$array" in s) {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, (s as { $array: Schema }).$array, `${path}[${i}]`, unknown));
    return;
  }
  if (!isPlainObject(v)) return;
  const known = s as Record<string, Schema>;
  for (const k of Object.keys(v)) {
    const p = path ? `${path}.${k}` : k;
    if (!(k in known)) {
      unknown.push(p);
      delete v[k];
    } else walk(v[k], known[k], p, unknown);
  }
}
