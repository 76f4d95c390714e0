// What the Endpoints and the EndpointSlice controllers share, as Kubernetes shares it in
// k8s.io/endpointslice/util [staging/src/k8s.io/endpointslice/util/controller_utils.go,
// trigger_time_tracker.go] and k8s.io/endpointslice/utils.go (FindPort):
//
// - which pods belong in endpoints at all (ShouldPodBeInEndpoints),
// - which container port a Service's targetPort means for one pod (FindPort),
// - which Services a pod event concerns (GetPodServiceMemberships, GetServicesToUpdateOnPodChange),
// - the endpoints.kubernetes.io/last-change-trigger-time annotation (TriggerTimeTracker).

import type { KubeObject } from "../../apiserver/registry/object";
import { getPodReadyCondition, isPodReady } from "../../apiserver/registry/pod";
export { isPodReady };
import { parseTimestamp, timestamp } from "../../apiserver/registry/object";
import { DeletedFinalStateUnknown, Lister } from "../../client/lister";

/** v1.IsHeadlessService: set (value "") on the Endpoints/EndpointSlices of a headless Service. */
export const LABEL_HEADLESS = "service.kubernetes.io/headless";
/** v1.EndpointsLastChangeTriggerTime. */
export const ANNOTATION_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time";


/** Succeeded or Failed: the pod's containers have stopped for good. */
export function isPodTerminal(pod: KubeObject): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

/**
 * ShouldPodBeInEndpoints: not terminal, has an IP, and (unless includeTerminating) not being
 * deleted. The Endpoints controller passes publishNotReadyAddresses; the EndpointSlice
 * controller always passes true and marks such endpoints terminating instead.
 */
export function shouldPodBeInEndpoints(pod: KubeObject, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP && !(pod.status?.podIPs ?? []).length) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** The pod's IPv4 address: the first of status.podIPs of that family, else status.podIP. */
export function podIPv4(pod: KubeObject): string | undefined {
  const ips: string[] = (pod.status?.podIPs ?? []).map((p: { ip: string }) => p.ip);
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips.find((ip) => !ip.includes(":"));
}

/** A pod gets a DNS hostname under the Service when spec.hostname is set and spec.subdomain names it. */
export function shouldSetHostname(pod: KubeObject, svc: KubeObject): boolean {
  return !!pod.spec?.hostname && pod.spec?.subdomain === svc.metadata.name && svc.metadata.namespace === pod.metadata.namespace;
}

/** A Service has a cluster IP unless it is headless (clusterIP None) [helper.IsServiceIPSet]. */
export function isServiceIPSet(svc: KubeObject): boolean {
  return !!svc.spec?.clusterIP && svc.spec.clusterIP !== "None";
}

/**
 * The selector of a Service, or undefined when it has none. A Service without a selector
 * gets no endpoints from the controllers: its Endpoints/EndpointSlices are the user's. An
 * empty selector `{}` counts as none too: the API server stores Services as protobuf, where
 * an empty map and a nil map are the same thing, so the controllers see nil.
 */
export function serviceSelector(svc: KubeObject): Record<string, string> | undefined {
  const sel = svc.spec?.selector;
  if (!sel || typeof sel !== "object" || Object.keys(sel).length === 0) return undefined;
  return sel;
}

/** labels.Set(selector).AsSelector().Matches(labels). */
export function selectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return Object.entries(selector).every(([k, v]) => l[k] === v);
}

export interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
  appProtocol?: string;
}

/**
 * FindPort: the container port a Service port's targetPort means on this pod. A number is
 * taken as is; a name is looked up among the named ports (same protocol) of the containers,
 * then of sidecars (init containers with restartPolicy Always). undefined: this pod does not
 * offer that port, and gets no endpoint for it.
 */
export function findPort(pod: KubeObject, svcPort: ServicePort): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === "number") return target;
  // An IntOrString that holds digits ("8080") is still a string: a port *name* lookup.
  const protocol = svcPort.protocol ?? "TCP";
  const search = (containers: any[]) => {
    for (const c of containers) for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? "TCP") === protocol) return p.containerPort as number;
    return undefined;
  };
  return search(pod.spec?.containers ?? []) ?? search((pod.spec?.initContainers ?? []).filter((c: any) => c.restartPolicy === "Always"));
}

function key(obj: KubeObject): string {
  return `${obj.metadata.namespace}/${obj.metadata.name}`;
}

/** The keys of the Services (with a selector) in the pod's namespace whose selector matches these labels. */
export function servicesForLabels(services: Lister<KubeObject>, namespace: string, labels: Record<string, string> | undefined): Set<string> {
  const out = new Set<string>();
  for (const svc of services.namespace(namespace).list()) {
    const sel = serviceSelector(svc);
    if (sel && selectorMatches(sel, labels)) out.add(key(svc));
  }
  return out;
}

/** GetPodServiceMemberships: on a pod add or delete, every Service selecting it. */
export function podServiceMemberships(services: Lister<KubeObject>, pod: KubeObject): Set<string> {
  return servicesForLabels(services, pod.metadata.namespace ?? "", pod.metadata.labels);
}

/** The pod inside a delete notification, which may be a tombstone. */
export function podFromDeleteAction(obj: KubeObject | DeletedFinalStateUnknown<KubeObject>): KubeObject | undefined {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

function sameIPs(a: KubeObject, b: KubeObject): boolean {
  const ips = (p: KubeObject) => JSON.stringify([p.status?.podIP ?? "", (p.status?.podIPs ?? []).map((x: { ip: string }) => x.ip)]);
  return ips(a) === ips(b);
}

/**
 * GetServicesToUpdateOnPodChange [controller_utils.go GetPodUpdateProjectionKey]: a resync
 * (same resourceVersion) concerns nobody; a change of what endpoints show (deletionTimestamp,
 * readiness, IPs) concerns the Services selecting the pod; a label (or hostname/subdomain)
 * change concerns the Services it joins and the ones it leaves — and all of them if the
 * endpoint itself changed too.
 */
export function servicesToUpdateOnPodChange(services: Lister<KubeObject>, oldPod: KubeObject, newPod: KubeObject): Set<string> {
  if (oldPod.metadata.resourceVersion === newPod.metadata.resourceVersion) return new Set();
  const labelsChanged =
    JSON.stringify(sortedEntries(oldPod.metadata.labels)) !== JSON.stringify(sortedEntries(newPod.metadata.labels)) ||
    oldPod.spec?.hostname !== newPod.spec?.hostname ||
    oldPod.spec?.subdomain !== newPod.spec?.subdomain;
  const podChanged =
    (oldPod.metadata.deletionTimestamp ?? "") !== (newPod.metadata.deletionTimestamp ?? "") || isPodReady(oldPod) !== isPodReady(newPod) || !sameIPs(oldPod, newPod);
  if (!podChanged && !labelsChanged) return new Set();
  const ns = newPod.metadata.namespace ?? "";
  const now = servicesForLabels(services, ns, newPod.metadata.labels);
  if (!labelsChanged) return now;
  const before = servicesForLabels(services, ns, oldPod.metadata.labels);
  const out = new Set<string>();
  if (podChanged) {
    for (const k of now) out.add(k);
    for (const k of before) out.add(k);
  } else {
    // Only the labels changed: the Services common to both sets see the same endpoint.
    for (const k of now) if (!before.has(k)) out.add(k);
    for (const k of before) if (!now.has(k)) out.add(k);
  }
  return out;
}

function sortedEntries(m: Record<string, string> | undefined): [string, string][] {
  return Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * TriggerTimeTracker [trigger_time_tracker.go]: the value of the
 * endpoints.kubernetes.io/last-change-trigger-time annotation — when the change that this
 * endpoints write reflects happened. For a Service seen for the first time it is the
 * Service's creationTimestamp; afterwards the earliest of the changed trigger times (a pod's
 * Ready condition lastTransitionTime that moved since the last sync). undefined = no new
 * trigger (the annotation is removed on the next write). kube-proxy uses it to measure
 * network programming latency.
 */
export class TriggerTimeTracker {
  private readonly states = new Map<string, { service: number; pods: Map<string, number> }>();

  compute(svc: KubeObject, pods: KubeObject[]): string | undefined {
    const k = key(svc);
    const state = this.states.get(k);
    let min: number | undefined;
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const t = podTriggerTime(pod);
      if (t === undefined) continue;
      podTimes.set(pod.metadata.name!, t);
      const before = state?.pods.get(pod.metadata.name!);
      if (before === undefined || t > before) min = min === undefined ? t : Math.min(min, t);
    }
    const svcTime = parseTimestamp(svc.metadata.creationTimestamp ?? "");
    if (!Number.isNaN(svcTime) && (state === undefined || svcTime > state.service)) min = min === undefined ? svcTime : Math.min(min, svcTime);
    this.states.set(k, { service: Number.isNaN(svcTime) ? 0 : svcTime, pods: podTimes });
    if (state === undefined) return svc.metadata.creationTimestamp;
    return min === undefined ? undefined : timestamp(min);
  }

  deleteService(namespace: string, name: string): void {
    this.states.delete(`${namespace}/${name}`);
  }
}

function podTriggerTime(pod: KubeObject): number | undefined {
  const t = getPodReadyCondition(pod)?.lastTransitionTime;
  if (!t) return undefined;
  const ms = parseTimestamp(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Sorted copies: a and b compare by the bytes of their strings, as Go's sort does. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
