// Defaulting (k8s pkg/apis/*/v1/defaults.go): the fields the server fills in when a manifest
// leaves them out — what `kubectl get -o yaml` shows that the user never wrote. Runs on create
// and update, on the decoded object, before admission.

import { isPlainObject, KubeObject } from "./object";

function setDefault<T extends Record<string, any>>(o: T, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) (o as Record<string, unknown>)[key] = value;
}

/** Always for ":latest" or no tag (and no digest), IfNotPresent otherwise. */
export function defaultPullPolicy(image: string): string {
  if (image.includes("@")) return "IfNotPresent";
  const lastSlash = image.lastIndexOf("/");
  const tail = image.slice(lastSlash + 1);
  const colon = tail.lastIndexOf(":");
  if (colon < 0) return "Always";
  return tail.slice(colon + 1) === "latest" ? "Always" : "IfNotPresent";
}

function defaultContainer(c: any): void {
  if (!isPlainObject(c)) return;
  setDefault(c, "terminationMessagePath", "/dev/termination-log");
  setDefault(c, "terminationMessagePolicy", "File");
  if (typeof c.image === "string" && c.image) setDefault(c, "imagePullPolicy", defaultPullPolicy(c.image));
  setDefault(c, "resources", {});
  for (const p of c.ports ?? []) if (isPlainObject(p)) setDefault(p, "protocol", "TCP");
  // Requests default to limits when only limits are set.
  const r = c.resources;
  if (isPlainObject(r) && isPlainObject(r.limits)) {
    r.requests = r.requests ?? {};
    for (const [k, v] of Object.entries(r.limits)) if (r.requests[k] === undefined) r.requests[k] = v;
  }
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    const p = c[probe];
    if (!isPlainObject(p)) continue;
    setDefault(p, "timeoutSeconds", 1);
    setDefault(p, "periodSeconds", 10);
    setDefault(p, "successThreshold", 1);
    setDefault(p, "failureThreshold", 3);
    if (isPlainObject(p.httpGet)) {
      setDefault(p.httpGet, "path", "/");
      setDefault(p.httpGet, "scheme", "HTTP");
    }
  }
}

export function defaultPodSpec(spec: any): void {
  if (!isPlainObject(spec)) return;
  setDefault(spec, "restartPolicy", "Always");
  setDefault(spec, "terminationGracePeriodSeconds", 30);
  setDefault(spec, "dnsPolicy", "ClusterFirst");
  setDefault(spec, "securityContext", {});
  setDefault(spec, "schedulerName", "default-scheduler");
  setDefault(spec, "enableServiceLinks", true);
  if (Array.isArray(spec.containers)) spec.containers.forEach(defaultContainer);
  if (Array.isArray(spec.initContainers)) spec.initContainers.forEach(defaultContainer);
  for (const v of spec.volumes ?? []) {
    if (!isPlainObject(v)) continue;
    for (const src of ["configMap", "secret"]) if (isPlainObject(v[src])) setDefault(v[src], "defaultMode", 420);
    if (isPlainObject(v.emptyDir)) v.emptyDir = v.emptyDir; // emptyDir {} stays {}
  }
  // The deprecated alias kubectl still prints.
  if (spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccount = spec.serviceAccountName;
}

function defaultTemplate(tpl: any): void {
  if (!isPlainObject(tpl)) return;
  setDefault(tpl, "metadata", {});
  // The real server stores creationTimestamp: null in templates; we leave it out.
  defaultPodSpec(tpl.spec);
}

const DEFAULTERS: Record<string, (o: KubeObject) => void> = {
  Namespace: (o) => {
    o.metadata.labels = { ...(o.metadata.labels ?? {}), "kubernetes.io/metadata.name": o.metadata.name ?? "" };
    o.spec = o.spec ?? {};
    setDefault(o.spec, "finalizers", ["kubernetes"]);
    o.status = o.status ?? {};
    setDefault(o.status, "phase", "Active");
  },
  Pod: (o) => {
    o.spec = o.spec ?? {};
    defaultPodSpec(o.spec);
    o.status = o.status ?? {};
    setDefault(o.status, "phase", "Pending");
    setDefault(o.status, "qosClass", qosClass(o.spec));
  },
  Deployment: (o) => {
    if (!isPlainObject(o.spec)) return;
    const s = o.spec;
    setDefault(s, "replicas", 1);
    setDefault(s, "strategy", {});
    setDefault(s.strategy, "type", "RollingUpdate");
    if (s.strategy.type === "RollingUpdate") {
      setDefault(s.strategy, "rollingUpdate", {});
      setDefault(s.strategy.rollingUpdate, "maxUnavailable", "25%");
      setDefault(s.strategy.rollingUpdate, "maxSurge", "25%");
    }
    setDefault(s, "revisionHistoryLimit", 10);
    setDefault(s, "progressDeadlineSeconds", 600);
    defaultTemplate(s.template);
  },
  ReplicaSet: (o) => {
    if (!isPlainObject(o.spec)) return;
    setDefault(o.spec, "replicas", 1);
    defaultTemplate(o.spec.template);
  },
  Service: (o) => {
    if (!isPlainObject(o.spec)) return;
    const s = o.spec;
    setDefault(s, "type", "ClusterIP");
    setDefault(s, "sessionAffinity", "None");
    if (s.sessionAffinity === "ClientIP") {
      setDefault(s, "sessionAffinityConfig", { clientIP: { timeoutSeconds: 10800 } });
    }
    if (s.type !== "ExternalName") {
      setDefault(s, "internalTrafficPolicy", "Cluster");
      setDefault(s, "ipFamilyPolicy", "SingleStack");
      setDefault(s, "ipFamilies", ["IPv4"]);
    }
    if (s.type === "NodePort" || s.type === "LoadBalancer") setDefault(s, "externalTrafficPolicy", "Cluster");
    if (s.type === "LoadBalancer") setDefault(s, "allocateLoadBalancerNodePorts", true);
    for (const p of s.ports ?? []) {
      if (!isPlainObject(p)) continue;
      setDefault(p, "protocol", "TCP");
      setDefault(p, "targetPort", p.port);
    }
    o.status = o.status ?? {};
    setDefault(o.status, "loadBalancer", {});
  },
  Endpoints: (o) => {
    for (const s of o.subsets ?? []) for (const p of s?.ports ?? []) if (isPlainObject(p)) setDefault(p, "protocol", "TCP");
  },
  EndpointSlice: (o) => {
    for (const p of o.ports ?? []) if (isPlainObject(p)) setDefault(p, "protocol", "TCP");
  },
  Secret: (o) => {
    setDefault(o, "type", "Opaque");
    // stringData is write-only: merged into data (base64) and never stored, as in Kubernetes.
    if (isPlainObject(o.stringData)) {
      o.data = { ...(o.data ?? {}) };
      for (const [k, v] of Object.entries(o.stringData)) o.data[k] = Buffer.from(String(v), "utf8").toString("base64");
      delete o.stringData;
    }
  },
  Node: (o) => {
    o.spec = o.spec ?? {};
    o.status = o.status ?? {};
  },
  PriorityClass: (o) => setDefault(o, "preemptionPolicy", "PreemptLowerPriority"),
  // No field of the spec has a default (an unset unhealthyPodEvictionPolicy acts as
  // IfHealthyBudget); the status counters are not omitempty, so they read 0 until the
  // disruption controller writes them [k8s.io/api policy/v1 types.go].
  PodDisruptionBudget: (o) => {
    if (!isPlainObject(o.status)) o.status = {};
    for (const f of ["disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"]) setDefault(o.status, f, 0);
  },
  LimitRange: (o) => {
    // SetDefaults_LimitRangeItem: for containers, default limit = max, default request =
    // default limit, else min [k/k pkg/apis/core/v1/defaults.go].
    for (const item of o.spec?.limits ?? []) {
      if (!isPlainObject(item) || item.type !== "Container") continue;
      for (const [k, v] of Object.entries(item.max ?? {})) {
        item.default = item.default ?? {};
        if (item.default[k] === undefined) item.default[k] = v;
      }
      for (const [k, v] of Object.entries(item.default ?? {})) {
        item.defaultRequest = item.defaultRequest ?? {};
        if (item.defaultRequest[k] === undefined) item.defaultRequest[k] = v;
      }
      for (const [k, v] of Object.entries(item.min ?? {})) {
        item.defaultRequest = item.defaultRequest ?? {};
        if (item.defaultRequest[k] === undefined) item.defaultRequest[k] = v;
      }
    }
  },
  Event: (o) => {
    setDefault(o, "type", "Normal");
    setDefault(o, "count", 1);
  },
};

/** Applies the kind's defaults in place. */
export function applyDefaults(obj: KubeObject): void {
  DEFAULTERS[obj.kind]?.(obj);
}

/** Guaranteed / Burstable / BestEffort from the containers' requests and limits. */
export function qosClass(spec: any): string {
  const cs: any[] = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = cs.length > 0;
  for (const c of cs) {
    const req = c?.resources?.requests ?? {};
    const lim = c?.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ["cpu", "memory"]) if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}
