// NodeInfo: what the scheduler knows about one node — the Node object and the pods on it
// (bound, or assumed by this scheduler but not yet bound), with their summed requests
// [k/k pkg/scheduler/framework/types.go]. Plugins read NodeInfos, never the API server.

import { milliValue, value } from "../../apiserver/registry/quantity";
import type { Node, Pod } from "./interface";

/** Resources in the units the scheduler computes with: CPU millicores, memory bytes, counts. */
export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** allocatable.pods (for a node); unused for requests. */
  allowedPodNumber: number;
  /** Extended and hugepages resources by name (e.g. "nvidia.com/gpu"), in Value() units. */
  scalar: Record<string, number>;
}

export function emptyResource(): Resource {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: {} };
}

/** The defaults scoring assumes for a container that does not say [pkg/scheduler/util/pod_resources.go]. */
export const DEFAULT_MILLI_CPU_REQUEST = 100; // 0.1 core
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024; // 200 MiB

function addList(r: Resource, list: Record<string, unknown> | undefined): void {
  for (const [name, q] of Object.entries(list ?? {})) {
    if (name === "cpu") r.milliCPU += milliValue(q);
    else if (name === "memory") r.memory += value(q);
    else if (name === "ephemeral-storage") r.ephemeralStorage += value(q);
    else if (name !== "pods") r.scalar[name] = (r.scalar[name] ?? 0) + value(q);
  }
}

function maxInto(r: Resource, o: Resource): void {
  r.milliCPU = Math.max(r.milliCPU, o.milliCPU);
  r.memory = Math.max(r.memory, o.memory);
  r.ephemeralStorage = Math.max(r.ephemeralStorage, o.ephemeralStorage);
  for (const [k, v] of Object.entries(o.scalar)) r.scalar[k] = Math.max(r.scalar[k] ?? 0, v);
}

/**
 * A pod's effective request [k8s.io/component-helpers resource.PodRequests]: the sum over its
 * containers, or the largest init container if that is bigger (init containers run one at a
 * time, before the others), plus spec.overhead. Restartable (sidecar) init containers keep
 * running, so they add to the sum. With nonZero, a container that omits cpu or memory counts
 * the scoring defaults (100m, 200Mi) — used by scoring, never by Filter.
 */
export function podRequests(pod: Pod, options: { nonZero?: boolean } = {}): Resource {
  const spec = (pod as any).spec ?? {};
  const perContainer = (c: any): Resource => {
    const r = emptyResource();
    const req = c?.resources?.requests ?? {};
    addList(r, req);
    if (options.nonZero) {
      if (req.cpu === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
      if (req.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
    }
    return r;
  };
  const sum = emptyResource();
  for (const c of spec.containers ?? []) addResource(sum, perContainer(c));
  // Init containers: sidecars (restartPolicy Always) accumulate; each regular init container
  // needs its own request plus the sidecars started before it.
  const sidecars = emptyResource();
  const initMax = emptyResource();
  for (const c of spec.initContainers ?? []) {
    const r = perContainer(c);
    if (c?.restartPolicy === "Always") {
      addResource(sidecars, r);
      maxInto(initMax, sidecars);
    } else {
      const withSidecars = emptyResource();
      addResource(withSidecars, r);
      addResource(withSidecars, sidecars);
      maxInto(initMax, withSidecars);
    }
  }
  addResource(sum, sidecars);
  maxInto(sum, initMax);
  addList(sum, spec.overhead);
  return sum;
}

export function addResource(into: Resource, r: Resource): void {
  into.milliCPU += r.milliCPU;
  into.memory += r.memory;
  into.ephemeralStorage += r.ephemeralStorage;
  into.allowedPodNumber += r.allowedPodNumber;
  for (const [k, v] of Object.entries(r.scalar)) into.scalar[k] = (into.scalar[k] ?? 0) + v;
}

function subtractResource(from: Resource, r: Resource): void {
  from.milliCPU -= r.milliCPU;
  from.memory -= r.memory;
  from.ephemeralStorage -= r.ephemeralStorage;
  for (const [k, v] of Object.entries(r.scalar)) from.scalar[k] = (from.scalar[k] ?? 0) - v;
}

/** A node's allocatable resources. */
export function nodeAllocatable(node: Node): Resource {
  const r = emptyResource();
  const alloc = (node as any).status?.allocatable ?? {};
  addList(r, alloc);
  r.allowedPodNumber = value(alloc.pods);
  return r;
}

/** One host port in use: protocol/IP/port [framework.HostPortInfo]. */
export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of (pod as any).spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || "0.0.0.0", protocol: p.protocol || "TCP", port: p.hostPort });
    }
  }
  return out;
}

function hasAffinity(pod: Pod): boolean {
  const a = (pod as any).spec?.affinity;
  return !!(a?.podAffinity || a?.podAntiAffinity);
}

function hasRequiredAntiAffinity(pod: Pod): boolean {
  return ((pod as any).spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).length > 0;
}

interface PodEntry {
  pod: Pod;
  requested: Resource;
  nonZero: Resource;
}

export class NodeInfo {
  node: Node | undefined;
  /** Pods on the node, in the order they were added. */
  pods: Pod[] = [];
  podsWithAffinity: Pod[] = [];
  podsWithRequiredAntiAffinity: Pod[] = [];
  /** Sum of the pods' actual requests (Filter) and with scoring defaults (Score). */
  requested: Resource = emptyResource();
  nonZeroRequested: Resource = emptyResource();
  allocatable: Resource = emptyResource();
  usedPorts: HostPort[] = [];
  /** Bumped on every change: the cache uses it to refresh snapshots incrementally. */
  generation = 0;
  private entries = new Map<string, PodEntry>();

  constructor(node?: Node, pods: Pod[] = []) {
    if (node) this.setNode(node);
    for (const p of pods) this.addPod(p);
  }

  get name(): string {
    return this.node?.metadata.name ?? "";
  }

  setNode(node: Node): void {
    this.node = node;
    this.allocatable = nodeAllocatable(node);
    this.generation++;
  }

  addPod(pod: Pod): void {
    const key = podKey(pod);
    if (this.entries.has(key)) this.removePod(pod);
    const e: PodEntry = { pod, requested: podRequests(pod), nonZero: podRequests(pod, { nonZero: true }) };
    this.entries.set(key, e);
    this.pods.push(pod);
    if (hasAffinity(pod)) this.podsWithAffinity.push(pod);
    if (hasRequiredAntiAffinity(pod)) this.podsWithRequiredAntiAffinity.push(pod);
    addResource(this.requested, e.requested);
    addResource(this.nonZeroRequested, e.nonZero);
    this.usedPorts.push(...podHostPorts(pod));
    this.generation++;
  }

  /** Removes a pod (by namespace/name or uid); false if it was not there. */
  removePod(pod: Pod): boolean {
    const key = podKey(pod);
    const e = this.entries.get(key);
    if (!e) return false;
    this.entries.delete(key);
    const same = (p: Pod) => podKey(p) === key;
    this.pods = this.pods.filter((p) => !same(p));
    this.podsWithAffinity = this.podsWithAffinity.filter((p) => !same(p));
    this.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.filter((p) => !same(p));
    subtractResource(this.requested, e.requested);
    subtractResource(this.nonZeroRequested, e.nonZero);
    const ports = podHostPorts(e.pod);
    for (const hp of ports) {
      const i = this.usedPorts.findIndex((u) => u.ip === hp.ip && u.protocol === hp.protocol && u.port === hp.port);
      if (i >= 0) this.usedPorts.splice(i, 1);
    }
    this.generation++;
    return true;
  }

  /** A copy that can be changed without touching this one (preemption's what-ifs, snapshots). */
  clone(): NodeInfo {
    const c = new NodeInfo();
    c.node = this.node;
    c.allocatable = { ...this.allocatable, scalar: { ...this.allocatable.scalar } };
    c.pods = this.pods.slice();
    c.podsWithAffinity = this.podsWithAffinity.slice();
    c.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.slice();
    c.requested = { ...this.requested, scalar: { ...this.requested.scalar } };
    c.nonZeroRequested = { ...this.nonZeroRequested, scalar: { ...this.nonZeroRequested.scalar } };
    c.usedPorts = this.usedPorts.slice();
    c.generation = this.generation;
    c.entries = new Map(this.entries);
    return c;
  }
}

/** namespace/name: a pod's identity in the scheduler's cache. */
export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
}
