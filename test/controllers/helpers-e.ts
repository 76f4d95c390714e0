// Test helpers for the Endpoints and EndpointSlice controllers. Until the stand-in nodes mark
// pods running, a test plays the kubelet: it writes a pod's status (phase, podIP, Ready
// condition) through the admin client's /status, exactly as a kubelet would.

import { Cluster } from "../../src/cluster/cluster";
import type { KubeObject, KubeList } from "../../src/apiserver/registry/object";
import { timestamp } from "../../src/apiserver/registry/object";
import { SharedInformerFactory } from "../../src/client/informer-factory";
import { newControllerContext } from "../../src/controllers/controller";
import type { Controller, ControllerFactory } from "../../src/controllers/controller";

export interface Running {
  c: Cluster;
  ctl: Controller;
}

/** A cluster with one controller running (informers started, caches synced). */
export function withController(factory: ControllerFactory, seed = 1): Running {
  const c = new Cluster({ seed });
  const ctx = newControllerContext(c.sim, c.admin, new SharedInformerFactory(c.sim, c.admin));
  const ctl = factory(ctx);
  ctx.informers.start();
  ctl.start();
  c.runFor("5s");
  return { c, ctl };
}

export interface PodOptions {
  labels?: Record<string, string>;
  /** Container ports: [name, containerPort] or [name, containerPort, protocol]. */
  ports?: [string, number, string?][];
  nodeName?: string;
  namespace?: string;
}

/** Creates a pod (no status yet: Pending, no IP). */
export function createPod(c: Cluster, name: string, o: PodOptions = {}): KubeObject {
  const pod: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: o.namespace ?? "default", labels: o.labels ?? { app: "web" } },
    spec: {
      containers: [{ name: "app", image: "nginx:1.27", ports: (o.ports ?? []).map(([n, p, proto]) => ({ name: n, containerPort: p, protocol: proto ?? "TCP" })) }],
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
    },
  };
  return c.wait<KubeObject>((cb) => c.admin.create(pod, cb));
}

/**
 * Plays the kubelet: phase Running, podIP (and podIPs), and the Ready condition with its
 * lastTransitionTime moved only when readiness flips (as the kubelet's status manager does).
 */
export function setPodStatus(c: Cluster, name: string, s: { ip?: string; ready?: boolean; phase?: string; namespace?: string }): KubeObject {
  const ns = s.namespace ?? "default";
  const cur = c.wait<KubeObject>((cb) => c.admin.get("pods", name, ns, cb));
  const ready = s.ready ?? true;
  const prev = (cur.status?.conditions ?? []).find((x: any) => x.type === "Ready");
  const status = ready ? "True" : "False";
  const lastTransitionTime = prev && prev.status === status ? prev.lastTransitionTime : timestamp(c.sim.now);
  const next = clone(cur);
  next.status = {
    ...(cur.status ?? {}),
    phase: s.phase ?? "Running",
    ...(s.ip ? { podIP: s.ip, podIPs: [{ ip: s.ip }] } : {}),
    conditions: [
      { type: "PodScheduled", status: "True" },
      { type: "Initialized", status: "True" },
      { type: "ContainersReady", status },
      { type: "Ready", status, lastTransitionTime },
    ],
  };
  return c.wait<KubeObject>((cb) => c.admin.updateStatus(next, cb));
}

/** A pod created and made Running with an IP, ready or not. */
export function runningPod(c: Cluster, name: string, ip: string, o: PodOptions & { ready?: boolean } = {}): KubeObject {
  createPod(c, name, o);
  return setPodStatus(c, name, { ip, ready: o.ready ?? true, namespace: o.namespace });
}

/** A Node object (stand-in nodes are another chapter's): name and zone label. */
export function createNode(c: Cluster, name: string, zone?: string): KubeObject {
  const node: KubeObject = { apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name, ...(zone ? { "topology.kubernetes.io/zone": zone } : {}) } } };
  return c.wait<KubeObject>((cb) => c.admin.create(node, cb));
}

export function createService(c: Cluster, name: string, spec: Record<string, unknown>, labels?: Record<string, string>): KubeObject {
  const svc: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default", ...(labels ? { labels } : {}) }, spec };
  return c.wait<KubeObject>((cb) => c.admin.create(svc, cb));
}

/** The Endpoints object, or undefined when there is none. */
// Typed loosely (any): tests read nested fields freely.
export function getEndpoints(c: Cluster, name: string, ns = "default"): any {
  try {
    return c.wait<KubeObject>((cb) => c.admin.get("endpoints", name, ns, cb));
  } catch (e: any) {
    if (e?.reason === "NotFound") return undefined;
    throw e;
  }
}

/** The EndpointSlices of a Service (by the kubernetes.io/service-name label), sorted by name. */
export function slicesOf(c: Cluster, service: string, ns = "default"): KubeObject[] {
  const list = c.wait<KubeList>((cb) => c.admin.list("endpointslices", ns, { labelSelector: `kubernetes.io/service-name=${service}` }, cb));
  return list.items.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
}

/** Writes (create/update/delete) the API server answered for a resource, from its trace. */
export function apiWrites(c: Cluster, resource: string): { verb: string; name?: string; outcome: string }[] {
  return c.sim.trace
    .rows((r) => r.component === "apiserver" && r.resource === resource && ["create", "update", "patch", "delete"].includes(String(r.verb)) && r.kind === "response")
    .map((r) => ({ verb: String(r.verb), name: r.name as string | undefined, outcome: String(r.outcome) }));
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v));
}

/** Readable addresses of an Endpoints object: "ip/pod" per subset list. */
export function addressesOf(ep: KubeObject | undefined, list: "addresses" | "notReadyAddresses" = "addresses"): string[] {
  return (ep?.subsets ?? []).flatMap((s: any) => (s[list] ?? []).map((a: any) => `${a.ip}/${a.targetRef?.name}`)).sort();
}
