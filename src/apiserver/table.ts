// Server-side Table output (meta.k8s.io/v1 Table): what `kubectl get` prints. The server, not
// kubectl, decides the columns and computes every cell, including AGE, so the columns here are
// Kubernetes 1.32's printers (pkg/printers/internalversion) for the kinds we serve, and a
// NAME/AGE default for the others. Pure functions: the current (virtual) time is a parameter.

import type { ResourceInfo } from "./registry/resources";

export const TABLE_GROUP = "meta.k8s.io";

export interface ColumnDefinition {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export interface Table {
  kind: "Table";
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: ColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = "None" | "Metadata" | "Object";

export interface TableOptions {
  /** The current time, ms since the Unix epoch (the cluster's virtual wall clock). */
  now: number;
  /** What rows[].object carries: None, Metadata (PartialObjectMetadata, the default) or Object. */
  includeObject?: IncludeObject;
  /** Omit the column definitions (later events of a watch). */
  noHeaders?: boolean;
  /** "v1" (default) or "v1beta1": the Table version the client asked for. */
  version?: "v1" | "v1beta1";
}

/** The Table version the Accept header asks for ("v1" preferred), or undefined: no Table wanted. */
export function wantsTable(accept: string | undefined): "v1" | "v1beta1" | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(",")) {
    const [type, ...ps] = part.split(";").map((s) => s.trim());
    if ((type ?? "").toLowerCase() !== "application/json") continue;
    const params: Record<string, string> = {};
    for (const p of ps) {
      const i = p.indexOf("=");
      if (i > 0) params[p.slice(0, i).trim().toLowerCase()] = p.slice(i + 1).trim();
    }
    if (params.as === "Table" && params.g === TABLE_GROUP && (params.v === "v1" || params.v === "v1beta1")) return params.v;
    // Plain application/json first in the list: the client prefers the object.
    if (!params.as) return undefined;
  }
  return undefined;
}

/** includeObject from the query (?includeObject=Object|Metadata|None); Metadata by default. */
export function includeObjectOf(q: string | string[] | undefined): IncludeObject {
  const v = Array.isArray(q) ? q[0] : q;
  return v === "None" || v === "Object" ? v : "Metadata";
}

// ---- ages ----------------------------------------------------------------------------------

/** apimachinery's duration.HumanDuration: "45s", "3m12s", "17m", "5h3m", "3d4h", "400d", "2y10d". */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** translateTimestampSince: "<unknown>" for a missing timestamp, else the human age. */
export function age(timestamp: unknown, now: number): string {
  if (typeof timestamp !== "string" || !timestamp) return "<unknown>";
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return "<unknown>";
  return humanDuration(now - t);
}

// ---- helpers over loosely typed objects --------------------------------------------------------

type Obj = Record<string, any>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
const obj = (x: unknown): Obj => (isObj(x) ? x : {});
const arr = (x: unknown): any[] => (Array.isArray(x) ? x : []);
const int = (x: unknown): number => (typeof x === "number" && Number.isFinite(x) ? x : 0);
const str = (x: unknown): string => (typeof x === "string" ? x : "");
const orNone = (s: string): string => (s ? s : "<none>");
const orUnknown = (s: string): string => (s ? s : "<unknown>");

/** labels.FormatLabels / metav1.FormatLabelSelector: "a=1,b=2" (keys sorted), "<none>" if empty. */
export function formatLabels(labels: unknown): string {
  const l = obj(labels);
  const keys = Object.keys(l).sort();
  return keys.length ? keys.map((k) => `${k}=${l[k]}`).join(",") : "<none>";
}

export function formatLabelSelector(sel: unknown): string {
  const s = obj(sel);
  const parts: string[] = [];
  for (const k of Object.keys(obj(s.matchLabels)).sort()) parts.push(`${k}=${s.matchLabels[k]}`);
  for (const e of arr(s.matchExpressions)) {
    const values = arr(e?.values).map(String).sort().join(",");
    switch (e?.operator) {
      case "In": parts.push(`${e.key} in (${values})`); break;
      case "NotIn": parts.push(`${e.key} notin (${values})`); break;
      case "Exists": parts.push(`${e.key}`); break;
      case "DoesNotExist": parts.push(`!${e.key}`); break;
      default: parts.push(`${e?.key} ${e?.operator} (${values})`);
    }
  }
  return parts.length ? parts.join(",") : "<none>";
}

const podTemplateContainers = (o: Obj) => arr(obj(obj(obj(o.spec).template).spec).containers);
const names = (cs: any[]) => cs.map((c) => str(c?.name)).join(",");
const images = (cs: any[]) => cs.map((c) => str(c?.image)).join(",");

// ---- printers ----------------------------------------------------------------------------

interface Printer {
  columns: [name: string, type: ColumnDefinition["type"], priority: number, description: string][];
  cells(o: Obj, now: number): unknown[];
}

const NAME_COL: Printer["columns"][number] = ["Name", "string", 0, "Name must be unique within a namespace. Cannot be updated."];
const AGE_COL: Printer["columns"][number] = ["Age", "string", 0, "CreationTimestamp is a timestamp representing the server time when this object was created."];
const meta = (o: Obj) => obj(o.metadata);
const nameOf = (o: Obj) => str(meta(o).name);
const ageOf = (o: Obj, now: number) => age(meta(o).creationTimestamp, now);

/** The STATUS cell of a pod, following kubectl's printPod. */
export function podStatus(pod: Obj): { reason: string; ready: number; total: number; restarts: number; lastRestart?: string } {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  let reason = str(status.phase);
  if (str(status.reason)) reason = str(status.reason);
  const total = arr(spec.containers).length;
  let ready = 0;
  let restarts = 0;
  let lastRestart: string | undefined;
  const noteRestart = (c: Obj) => {
    restarts += int(c.restartCount);
    const fin = str(obj(obj(c.lastState).terminated).finishedAt);
    if (fin && (!lastRestart || Date.parse(fin) > Date.parse(lastRestart))) lastRestart = fin;
  };
  let initializing = false;
  const inits = arr(status.initContainerStatuses);
  const initSpecs = arr(spec.initContainers).length;
  for (let i = 0; i < inits.length; i++) {
    const c = obj(inits[i]);
    noteRestart(c);
    const st = obj(c.state);
    const term = isObj(st.terminated) ? st.terminated : undefined;
    const wait = isObj(st.waiting) ? st.waiting : undefined;
    if (term && int(term.exitCode) === 0) continue;
    if (term) reason = str(term.reason) ? `Init:${term.reason}` : int(term.signal) ? `Init:Signal:${term.signal}` : `Init:ExitCode:${int(term.exitCode)}`;
    else if (wait && str(wait.reason) && wait.reason !== "PodInitializing") reason = `Init:${wait.reason}`;
    else reason = `Init:${i}/${initSpecs}`;
    initializing = true;
    break;
  }
  if (!initializing) {
    restarts = 0;
    let hasRunning = false;
    const cs = arr(status.containerStatuses);
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = obj(cs[i]);
      noteRestart(c);
      const st = obj(c.state);
      if (isObj(st.waiting) && str(st.waiting.reason)) reason = st.waiting.reason;
      else if (isObj(st.terminated) && str(st.terminated.reason)) reason = st.terminated.reason;
      else if (isObj(st.terminated)) reason = int(st.terminated.signal) ? `Signal:${st.terminated.signal}` : `ExitCode:${int(st.terminated.exitCode)}`;
      else if (c.ready === true && isObj(st.running)) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      const podReady = arr(status.conditions).some((c) => c?.type === "Ready" && c?.status === "True");
      reason = podReady ? "Running" : "NotReady";
    }
  }
  if (meta(pod).deletionTimestamp && status.reason === "NodeLost") reason = "Unknown";
  else if (meta(pod).deletionTimestamp) reason = "Terminating";
  return { reason, ready, total, restarts, lastRestart };
}

function servicePorts(svc: Obj): string {
  const ps = arr(obj(svc.spec).ports).map((p) => {
    const proto = str(p?.protocol) || "TCP";
    return p?.nodePort ? `${p.port}:${p.nodePort}/${proto}` : `${p?.port}/${proto}`;
  });
  return ps.length ? ps.join(",") : "<none>";
}

function serviceExternalIP(svc: Obj): string {
  const spec = obj(svc.spec);
  const type = str(spec.type) || "ClusterIP";
  const ext = arr(spec.externalIPs).map(String);
  switch (type) {
    case "ClusterIP":
    case "NodePort":
      return ext.length ? ext.join(",") : "<none>";
    case "LoadBalancer": {
      const ing = arr(obj(obj(svc.status).loadBalancer).ingress).map((i) => str(i?.ip) || str(i?.hostname)).filter(Boolean);
      const all = [...ing, ...ext];
      return all.length ? all.join(",") : "<pending>";
    }
    case "ExternalName":
      return str(spec.externalName) || "<none>";
  }
  return "<unknown>";
}

function endpointsCell(ep: Obj): string {
  const list: string[] = [];
  for (const s of arr(ep.subsets)) {
    const ports = arr(s?.ports);
    for (const a of arr(s?.addresses)) {
      if (!ports.length) list.push(str(a?.ip));
      for (const p of ports) list.push(`${str(a?.ip)}:${p?.port}`);
    }
  }
  if (!list.length) return "<none>";
  return list.length > 3 ? `${list.slice(0, 3).join(",")} + ${list.length - 3} more...` : list.join(",");
}

function nodeStatus(node: Obj): string {
  const ready = arr(obj(node.status).conditions).find((c) => c?.type === "Ready");
  const parts = [ready ? (ready.status === "True" ? "Ready" : ready.status === "False" ? "NotReady" : "Unknown") : "Unknown"];
  if (obj(node.spec).unschedulable === true) parts.push("SchedulingDisabled");
  return parts.join(",");
}

function nodeRoles(node: Obj): string {
  const roles = new Set<string>();
  const labels = obj(meta(node).labels);
  for (const k of Object.keys(labels)) {
    if (k.startsWith("node-role.kubernetes.io/")) roles.add(k.slice("node-role.kubernetes.io/".length));
    else if (k === "kubernetes.io/role") roles.add(String(labels[k]));
  }
  return roles.size ? [...roles].filter(Boolean).sort().join(",") || "<none>" : "<none>";
}

function nodeAddress(node: Obj, type: string): string {
  const a = arr(obj(node.status).addresses).find((x) => x?.type === type);
  return a ? str(a.address) : "<none>";
}

function eventLastSeen(ev: Obj, now: number): string {
  const last = str(ev.lastTimestamp) || str(obj(ev.series).lastObservedTime) || str(ev.eventTime) || str(meta(ev).creationTimestamp);
  const first = str(ev.firstTimestamp) || str(ev.eventTime) || str(meta(ev).creationTimestamp);
  const count = int(ev.count) || int(obj(ev.series).count);
  if (count > 1) return `${age(last, now)} (x${count} over ${age(first, now)})`;
  return age(last, now);
}

const PRINTERS: Record<string, Printer> = {
  "/Pod": {
    columns: [
      NAME_COL,
      ["Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic."],
      ["Status", "string", 0, "The aggregate status of the containers in this pod."],
      ["Restarts", "string", 0, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."],
      AGE_COL,
      ["IP", "string", 1, "The IP address assigned to the pod"],
      ["Node", "string", 1, "The name of the node this pod is scheduled on"],
      ["Nominated Node", "string", 1, "The name of the node where this pod is nominated to run (preemption)"],
      ["Readiness Gates", "string", 1, "The readiness gates of this pod"],
    ],
    cells: (o, now) => {
      const s = podStatus(o);
      const restarts = s.restarts && s.lastRestart ? `${s.restarts} (${age(s.lastRestart, now)} ago)` : String(s.restarts);
      const gates = arr(obj(o.spec).readinessGates);
      const conds = arr(obj(o.status).conditions);
      const gatesCell = gates.length ? `${gates.filter((g) => conds.some((c) => c?.type === g?.conditionType && c?.status === "True")).length}/${gates.length}` : "<none>";
      return [nameOf(o), `${s.ready}/${s.total}`, s.reason, restarts, ageOf(o, now), orNone(str(obj(o.status).podIP)), orNone(str(obj(o.spec).nodeName)), orNone(str(obj(o.status).nominatedNodeName)), gatesCell];
    },
  },
  "apps/Deployment": {
    columns: [
      NAME_COL,
      ["Ready", "string", 0, "Number of the pod with ready state"],
      ["Up-to-date", "integer", 0, "Total number of non-terminated pods targeted by this deployment that have the desired template spec."],
      ["Available", "integer", 0, "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."],
      AGE_COL,
      ["Containers", "string", 1, "Names of each container in the template."],
      ["Images", "string", 1, "Images referenced by each container in the template."],
      ["Selector", "string", 1, "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment."],
    ],
    cells: (o, now) => {
      const st = obj(o.status);
      const cs = podTemplateContainers(o);
      const desired = typeof obj(o.spec).replicas === "number" ? o.spec.replicas : 1;
      return [nameOf(o), `${int(st.readyReplicas)}/${desired}`, int(st.updatedReplicas), int(st.availableReplicas), ageOf(o, now), names(cs), images(cs), formatLabelSelector(obj(o.spec).selector)];
    },
  },
  "apps/ReplicaSet": {
    columns: [
      NAME_COL,
      ["Desired", "integer", 0, "Number of desired pods."],
      ["Current", "integer", 0, "Number of actual replicas."],
      ["Ready", "integer", 0, "The number of ready replicas for this replica set."],
      AGE_COL,
      ["Containers", "string", 1, "Names of each container in the template."],
      ["Images", "string", 1, "Images referenced by each container in the template."],
      ["Selector", "string", 1, "Selector is a label query over pods that should match the replica count."],
    ],
    cells: (o, now) => {
      const st = obj(o.status);
      const cs = podTemplateContainers(o);
      const desired = typeof obj(o.spec).replicas === "number" ? o.spec.replicas : 1;
      return [nameOf(o), desired, int(st.replicas), int(st.readyReplicas), ageOf(o, now), names(cs), images(cs), formatLabelSelector(obj(o.spec).selector)];
    },
  },
  "/Service": {
    columns: [
      NAME_COL,
      ["Type", "string", 0, "type determines how the Service is exposed."],
      ["Cluster-IP", "string", 0, "clusterIP is the IP address of the service."],
      ["External-IP", "string", 0, "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."],
      ["Port(s)", "string", 0, "The list of ports that are exposed by this service."],
      AGE_COL,
      ["Selector", "string", 1, "Route service traffic to pods with label keys and values matching this selector."],
    ],
    cells: (o, now) => {
      const spec = obj(o.spec);
      return [nameOf(o), str(spec.type) || "ClusterIP", orNone(str(spec.clusterIP)), serviceExternalIP(o), servicePorts(o), ageOf(o, now), formatLabels(spec.selector)];
    },
  },
  "/Node": {
    columns: [
      NAME_COL,
      ["Status", "string", 0, "The status of the node"],
      ["Roles", "string", 0, "The roles of the node"],
      AGE_COL,
      ["Version", "string", 0, "Kubelet Version reported by the node."],
      ["Internal-IP", "string", 1, "List of addresses reachable to the node. Queried from cloud provider, if available."],
      ["External-IP", "string", 1, "List of addresses reachable to the node. Queried from cloud provider, if available."],
      ["OS-Image", "string", 1, "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."],
      ["Kernel-Version", "string", 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."],
      ["Container-Runtime", "string", 1, "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)."],
    ],
    cells: (o, now) => {
      const info = obj(obj(o.status).nodeInfo);
      return [nameOf(o), nodeStatus(o), nodeRoles(o), ageOf(o, now), str(info.kubeletVersion), nodeAddress(o, "InternalIP"), nodeAddress(o, "ExternalIP"), orUnknown(str(info.osImage)), orUnknown(str(info.kernelVersion)), orUnknown(str(info.containerRuntimeVersion))];
    },
  },
  "/Namespace": {
    columns: [NAME_COL, ["Status", "string", 0, "The status of the namespace"], AGE_COL],
    cells: (o, now) => [nameOf(o), str(obj(o.status).phase), ageOf(o, now)],
  },
  "/ConfigMap": {
    columns: [NAME_COL, ["Data", "integer", 0, "Number of data entries in the ConfigMap"], AGE_COL],
    cells: (o, now) => [nameOf(o), Object.keys(obj(o.data)).length + Object.keys(obj(o.binaryData)).length, ageOf(o, now)],
  },
  "/Secret": {
    columns: [NAME_COL, ["Type", "string", 0, "The type of the secret"], ["Data", "integer", 0, "The number of data entries in the secret"], AGE_COL],
    cells: (o, now) => [nameOf(o), str(o.type) || "Opaque", Object.keys(obj(o.data)).length + Object.keys(obj(o.stringData)).length, ageOf(o, now)],
  },
  "/ServiceAccount": {
    columns: [NAME_COL, ["Secrets", "string", 0, "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."], AGE_COL],
    cells: (o, now) => [nameOf(o), arr(o.secrets).length, ageOf(o, now)],
  },
  "/Event": {
    columns: [
      ["Last Seen", "string", 0, "The time at which the most recent occurrence of this event was recorded."],
      ["Type", "string", 0, "Type of this event (Normal, Warning), new types could be added in the future."],
      ["Reason", "string", 0, "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."],
      ["Object", "string", 0, "The object that this event is about."],
      ["Subobject", "string", 1, "The field of the object that this event is about."],
      ["Source", "string", 1, "The component reporting this event. Should be a short machine understandable string."],
      ["Message", "string", 0, "A human-readable description of the status of this operation."],
      ["First Seen", "string", 1, "The time at which the event was first recorded."],
      ["Count", "string", 1, "The number of times this event has occurred."],
      ["Name", "string", 1, "Name must be unique within a namespace. Cannot be updated."],
    ],
    cells: (o, now) => {
      const inv = obj(o.involvedObject);
      const src = obj(o.source);
      const source = str(src.component) ? (str(src.host) ? `${src.component}, ${src.host}` : str(src.component)) : str(o.reportingComponent);
      const first = str(o.firstTimestamp) || str(o.eventTime) || str(meta(o).creationTimestamp);
      return [eventLastSeen(o, now), str(o.type), str(o.reason), `${str(inv.kind).toLowerCase()}/${str(inv.name)}`, str(inv.fieldPath), source, str(o.message).trim(), age(first, now), int(o.count) || int(obj(o.series).count), nameOf(o)];
    },
  },
  "coordination.k8s.io/Lease": {
    columns: [NAME_COL, ["Holder", "string", 0, "The holder of the lease"], AGE_COL],
    cells: (o, now) => [nameOf(o), str(obj(o.spec).holderIdentity), ageOf(o, now)],
  },
  "/Endpoints": {
    columns: [NAME_COL, ["Endpoints", "string", 0, "Endpoints is the list of endpoints for the service."], AGE_COL],
    cells: (o, now) => [nameOf(o), endpointsCell(o), ageOf(o, now)],
  },
  "discovery.k8s.io/EndpointSlice": {
    columns: [
      NAME_COL,
      ["AddressType", "string", 0, "The IP protocol for this slice"],
      ["Ports", "string", 0, "The ports of this slice"],
      ["Endpoints", "string", 0, "The endpoints of this slice"],
      AGE_COL,
    ],
    cells: (o, now) => {
      const ports = arr(o.ports).map((p) => String(p?.port ?? "")).filter(Boolean);
      const addrs = arr(o.endpoints).flatMap((e) => arr(e?.addresses).map(String));
      const eps = addrs.length ? (addrs.length > 3 ? `${addrs.slice(0, 3).join(",")} + ${addrs.length - 3} more...` : addrs.join(",")) : "<unset>";
      return [nameOf(o), str(o.addressType), ports.length ? ports.join(",") : "<unset>", eps, ageOf(o, now)];
    },
  },
  // [k/k pkg/printers/internalversion/printers.go printResourceQuota, printLimitRange,
  // printPriorityClass] as of 1.32 (the quota's Age column moved last only in 1.33).
  "/ResourceQuota": {
    columns: [
      NAME_COL,
      AGE_COL,
      ["Request", "string", 0, "Request represents a minimum amount of cpu/memory that a container may consume."],
      ["Limit", "string", 0, "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."],
    ],
    cells: (o, now) => {
      const [request, limit] = quotaColumns(o);
      return [nameOf(o), ageOf(o, now), request, limit];
    },
  },
  "/LimitRange": {
    // The one table whose time column is a timestamp, not an age: kubectl prints it as it comes.
    columns: [NAME_COL, ["Created At", "date", 0, AGE_COL[3]]],
    cells: (o) => [nameOf(o), str(meta(o).creationTimestamp)],
  },
  // [k/k pkg/printers/internalversion/printers.go printPodDisruptionBudget]: an unset bound is "N/A".
  "policy/PodDisruptionBudget": {
    columns: [
      NAME_COL,
      ["Min Available", "string", 0, "The minimum number of pods that must be available."],
      ["Max Unavailable", "string", 0, "The maximum number of pods that may be unavailable."],
      ["Allowed Disruptions", "integer", 0, "Calculated number of pods that may be disrupted at this time."],
      AGE_COL,
    ],
    cells: (o, now) => {
      const spec = obj(o.spec);
      const bound = (v: unknown) => (v === undefined || v === null ? "N/A" : String(v));
      return [nameOf(o), bound(spec.minAvailable), bound(spec.maxUnavailable), int(obj(o.status).disruptionsAllowed), ageOf(o, now)];
    },
  },
  "scheduling.k8s.io/PriorityClass": {
    columns: [
      NAME_COL,
      ["Value", "integer", 0, "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec."],
      ["Global-Default", "boolean", 0, "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class."],
      AGE_COL,
      ["PreemptionPolicy", "string", 0, "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset."],
    ],
    cells: (o, now) => [nameOf(o), int(o.value), o.globalDefault === true, ageOf(o, now), str(o.preemptionPolicy)],
  },
};

/**
 * A quota's REQUEST and LIMIT cells: "resource: used/hard" for every resource in status.hard,
 * sorted by name; "limits.*" go to LIMIT, everything else to REQUEST. Nothing before the quota
 * controller (or the first admission) has filled in the status.
 */
function quotaColumns(q: Obj): [string, string] {
  const status = obj(q.status);
  const hard = obj(status.hard);
  const used = obj(status.used);
  const request: string[] = [];
  const limit: string[] = [];
  for (const r of Object.keys(hard).sort()) {
    const cell = `${r}: ${String(used[r] ?? "0")}/${String(hard[r])}`;
    (r.startsWith("limits.") ? limit : request).push(cell);
  }
  return [request.join(", "), limit.join(", ")];
}

const DEFAULT_PRINTER: Printer = {
  columns: [NAME_COL, AGE_COL],
  cells: (o, now) => [nameOf(o), ageOf(o, now)],
};

function printerFor(info: { group: string; kind: string }): Printer {
  return PRINTERS[`${info.group}/${info.kind}`] ?? DEFAULT_PRINTER;
}

export function columnDefinitions(info: { group: string; kind: string }): ColumnDefinition[] {
  return printerFor(info).columns.map(([name, type, priority, description]) => ({ name, type, format: name === "Name" ? "name" : "", description, priority }));
}

/** One row for one object. */
export function tableRow(info: { group: string; kind: string }, o: unknown, options: TableOptions): TableRow {
  const ob = obj(o);
  const row: TableRow = { cells: printerFor(info).cells(ob, options.now) };
  const inc = options.includeObject ?? "Metadata";
  if (inc === "Object") row.object = o;
  else if (inc === "Metadata") row.object = { kind: "PartialObjectMetadata", apiVersion: `${TABLE_GROUP}/${options.version ?? "v1"}`, metadata: meta(ob) };
  return row;
}

/**
 * The Table for a list answer ({kind: "PodList", items, metadata}) or for one object (one row).
 * `info` names the resource the request was for.
 */
export function toTable(info: Pick<ResourceInfo, "group" | "kind">, body: unknown, options: TableOptions): Table {
  const b = obj(body);
  const isList = Array.isArray(b.items);
  const items: unknown[] = isList ? b.items : [b];
  const m = meta(b);
  const metadata: Table["metadata"] = {};
  if (isList) {
    if (str(m.resourceVersion)) metadata.resourceVersion = m.resourceVersion;
    if (str(m.continue)) metadata.continue = m.continue;
    if (typeof m.remainingItemCount === "number") metadata.remainingItemCount = m.remainingItemCount;
  } else if (str(m.resourceVersion)) metadata.resourceVersion = m.resourceVersion;
  return {
    kind: "Table",
    apiVersion: `${TABLE_GROUP}/${options.version ?? "v1"}`,
    metadata,
    columnDefinitions: options.noHeaders ? [] : columnDefinitions(info),
    rows: items.map((o) => tableRow(info, o, options)),
  };
}

/**
 * A watch event with its object turned into a one-row Table (BOOKMARK: an empty Table carrying
 * the resourceVersion; ERROR: unchanged, the object is a Status).
 */
export function watchEventToTable(info: Pick<ResourceInfo, "group" | "kind">, event: unknown, options: TableOptions): unknown {
  const e = obj(event);
  if (e.type === "ERROR" || !isObj(e.object)) return event;
  if (e.type === "BOOKMARK") {
    const rv = str(meta(e.object).resourceVersion);
    return { type: e.type, object: { kind: "Table", apiVersion: `${TABLE_GROUP}/${options.version ?? "v1"}`, metadata: rv ? { resourceVersion: rv } : {}, columnDefinitions: options.noHeaders ? [] : columnDefinitions(info), rows: [] } };
  }
  return { type: e.type, object: toTable(info, e.object, options) };
}
