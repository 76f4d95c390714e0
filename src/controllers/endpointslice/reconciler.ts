// The EndpointSlice reconciler [k8s.io/endpointslice reconciler.go, utils.go]: given a
// Service, the pods its selector matches and the slices that exist, which slices to create,
// update and delete. A pure function of its inputs; the controller performs the writes.
//
// The packing rules, which keep churn low (each write of a slice is sent to every kube-proxy):
//  0. Endpoints are grouped by their port mapping (a pod lacking a named port has a different
//     one) and address type; each group is packed separately, at most maxEndpointsPerSlice
//     endpoints per slice (--max-endpoints-per-slice, default 100).
//  1. Walk the existing slices: drop endpoints no longer desired, refresh the ones that changed
//     (conditions, node, zone). A slice left empty is deleted; a changed one is to be updated;
//     an untouched one is "unchanged".
//  2. Fill the slices already being updated (fullest first) with the new endpoints: they are
//     written anyway, so filling them costs nothing extra.
//  3. Whatever is left: if fewer than a slice's worth, put it into the unchanged slice that it
//     fills closest to full (one more write); otherwise create new slices.
//  4. A create and a delete in the same sync become one update of the slice to be deleted.
//  5. A Service with no endpoints still has one empty "placeholder" slice.
//
// Simplifications, named: Go's sets iterate in random order (PopAny), we go in pod-name order,
// so the same inputs always give the same slices; topology hints and trafficDistribution are
// not modelled; the address type is IPv4 unless the Service lists IPv6 in ipFamilies.

import type { KubeObject, OwnerReference } from "../../apiserver/registry/object";
import { clone, deepEqual } from "../../apiserver/registry/object";
import type { Lister } from "../../client/lister";
import { compareStrings, findPort, isPodReady, isServiceIPSet, LABEL_HEADLESS, shouldPodBeInEndpoints, shouldSetHostname } from "./util";
import type { ServicePort } from "./util";

/** discovery.LabelServiceName. */
export const LABEL_SERVICE_NAME = "kubernetes.io/service-name";
/** discovery.LabelManagedBy. */
export const LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
/** The value of managed-by for this controller's slices (controllerQualifiedName). */
export const CONTROLLER_NAME = "endpointslice-controller.k8s.io";
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

export type AddressType = "IPv4" | "IPv6";

export interface EndpointConditions {
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

export interface Endpoint {
  addresses: string[];
  conditions: EndpointConditions;
  hostname?: string;
  targetRef?: { kind: string; namespace?: string; name: string; uid?: string; resourceVersion?: string };
  nodeName?: string;
  zone?: string;
}

export interface EndpointPort {
  name: string;
  protocol: string;
  port: number;
  appProtocol?: string;
}

export interface ReconcileInput {
  service: KubeObject;
  pods: KubeObject[];
  /** The slices labelled for this Service and managed by this controller (not being deleted). */
  existingSlices: KubeObject[];
  nodes: Lister<KubeObject>;
  maxEndpointsPerSlice: number;
}

export interface ReconcilePlan {
  toCreate: KubeObject[];
  toUpdate: KubeObject[];
  toDelete: KubeObject[];
  /** Pods left out because their node does not exist (the sync then fails and is retried). */
  skippedPods: string[];
  added: number;
  removed: number;
}

/** getAddressTypesForService: the Service's ipFamilies (defaulted by the API server). */
export function addressTypesForService(svc: KubeObject): Set<AddressType> {
  const out = new Set<AddressType>();
  for (const f of svc.spec?.ipFamilies ?? []) if (f === "IPv4" || f === "IPv6") out.add(f);
  if (out.size === 0) out.add(svc.spec?.clusterIP && svc.spec.clusterIP !== "None" && svc.spec.clusterIP.includes(":") ? "IPv6" : "IPv4");
  return out;
}

/** podToEndpoint [utils.go]: serving = Ready; terminating = being deleted; ready = publishNotReady || (serving && !terminating). */
export function podToEndpoint(pod: KubeObject, node: KubeObject | undefined, svc: KubeObject, addressType: AddressType): Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ips: string[] = (pod.status?.podIPs ?? []).map((p: { ip: string }) => p.ip);
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  const ep: Endpoint = {
    addresses: ips.filter((ip) => ip.includes(":") === (addressType === "IPv6")),
    conditions: { ready, serving, terminating },
  };
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec.hostname;
  ep.targetRef = { kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name!, uid: pod.metadata.uid };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata.labels?.["topology.kubernetes.io/zone"];
  if (zone) ep.zone = zone;
  return ep;
}

/** getEndpointPorts: the Service's ports as this pod offers them (a missing named port is skipped). */
export function endpointPorts(svc: KubeObject, pod: KubeObject): EndpointPort[] {
  const ports: ServicePort[] = svc.spec?.ports ?? [];
  const out: EndpointPort[] = [];
  for (const sp of ports) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const ep: EndpointPort = { name: sp.name ?? "", protocol: sp.protocol ?? "TCP", port };
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

/** NewPortMapKey: slices are grouped by their (sorted) ports. */
export function portMapKey(ports: EndpointPort[] | undefined): string {
  return JSON.stringify((ports ?? []).map((p) => [p.name ?? "", p.protocol ?? "", p.port ?? 0, p.appProtocol ?? ""]).sort((a, b) => compareStrings(JSON.stringify(a), JSON.stringify(b))));
}

/** hashEndpoint [util/endpointset.go]: identity = addresses + hostname + pod; the rest may change in place. */
export function endpointKey(ep: Endpoint): string {
  return JSON.stringify([[...ep.addresses].sort(), ep.hostname ?? "", ep.targetRef?.namespace ?? "", ep.targetRef?.name ?? ""]);
}

/** EndpointsEqualBeyondHash: node, zone, conditions and the target (its resourceVersion aside). */
function endpointsEqualBeyondHash(a: Endpoint, b: Endpoint): boolean {
  const ref = (e: Endpoint) => (e.targetRef ? { ...e.targetRef, resourceVersion: undefined } : undefined);
  return (
    (a.nodeName ?? null) === (b.nodeName ?? null) &&
    (a.zone ?? null) === (b.zone ?? null) &&
    a.conditions?.ready === b.conditions?.ready &&
    a.conditions?.serving === b.conditions?.serving &&
    a.conditions?.terminating === b.conditions?.terminating &&
    deepEqual(ref(a), ref(b))
  );
}

/** The slice's controller owner reference to its Service (metav1.NewControllerRef). */
export function serviceOwnerRef(svc: KubeObject): OwnerReference {
  return { apiVersion: "v1", kind: "Service", name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export function ownedBy(slice: KubeObject, svc: KubeObject): boolean {
  return (slice.metadata.ownerReferences ?? []).some((o) => o.uid === svc.metadata.uid && o.kind === "Service" && o.apiVersion === "v1");
}

const RESERVED = new Set([LABEL_SERVICE_NAME, LABEL_MANAGED_BY, LABEL_HEADLESS]);

/**
 * setEndpointSliceLabels: the Service's labels (reserved keys aside), plus service-name,
 * managed-by and, for a headless Service, service.kubernetes.io/headless. `changed` says
 * whether the slice's non-reserved labels differ from the Service's.
 */
export function sliceLabels(slice: KubeObject | undefined, svc: KubeObject): { labels: Record<string, string>; changed: boolean } {
  const mine: Record<string, string> = {};
  for (const [k, v] of Object.entries(slice?.metadata.labels ?? {})) if (!RESERVED.has(k)) mine[k] = v;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (!RESERVED.has(k)) labels[k] = v;
  const changed = !deepEqual(mine, labels);
  if (!isServiceIPSet(svc)) labels[LABEL_HEADLESS] = "";
  labels[LABEL_SERVICE_NAME] = svc.metadata.name!;
  labels[LABEL_MANAGED_BY] = CONTROLLER_NAME;
  return { labels, changed };
}

/** newEndpointSlice: generateName "<service>-", owner reference, labels, no endpoints yet. */
export function newEndpointSlice(svc: KubeObject, ports: EndpointPort[], addressType: AddressType): KubeObject {
  // getEndpointSlicePrefix: "<service>-" unless that is not a valid name prefix (too long).
  const prefix = `${svc.metadata.name}-`.length <= 253 ? `${svc.metadata.name}-` : svc.metadata.name!;
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { generateName: prefix, namespace: svc.metadata.namespace, labels: sliceLabels(undefined, svc).labels, ownerReferences: [serviceOwnerRef(svc)] },
    addressType,
    endpoints: [],
    ports: clone(ports),
  };
}

/** Reconcile: the plan for every address type the Service supports. */
export function reconcile(input: ReconcileInput): ReconcilePlan {
  const plan: ReconcilePlan = { toCreate: [], toUpdate: [], toDelete: [], skippedPods: [], added: 0, removed: 0 };
  const types = addressTypesForService(input.service);
  const byType = new Map<string, KubeObject[]>();
  for (const s of input.existingSlices) {
    // The Service no longer supports this address type (its ipFamilies changed).
    if (!types.has(s.addressType)) plan.toDelete.push(s);
    else byType.set(s.addressType, [...(byType.get(s.addressType) ?? []), s]);
  }
  for (const t of types) reconcileByAddressType(input, byType.get(t) ?? [], t, plan);
  return plan;
}

interface Group {
  ports: EndpointPort[];
  /** Insertion-ordered: popping takes the first. */
  desired: Map<string, Endpoint>;
}

function reconcileByAddressType(input: ReconcileInput, existing: KubeObject[], addressType: AddressType, plan: ReconcilePlan): void {
  const { service: svc, maxEndpointsPerSlice: max } = input;
  const toCreate: KubeObject[] = [];
  const toUpdate: KubeObject[] = [];
  const toDelete: KubeObject[] = [];

  const existingByPorts = new Map<string, KubeObject[]>();
  for (const s of existing) {
    if (ownedBy(s, svc)) {
      const k = portMapKey(s.ports);
      existingByPorts.set(k, [...(existingByPorts.get(k) ?? []), s]);
    } else toDelete.push(s); // labelled for this Service but owned by another (an older Service of the same name)
  }

  const groups = new Map<string, Group>();
  for (const pod of input.pods) {
    // Terminating pods stay, marked terminating (kube-proxy may still use them as a fallback).
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(svc, pod);
    const k = portMapKey(ports);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { ports, desired: new Map() }));
    const nodeName: string = pod.spec?.nodeName ?? "";
    const node = nodeName ? input.nodes.get(nodeName) : undefined;
    if (!node && !svc.spec?.publishNotReadyAddresses) {
      // A pod naming a node that does not exist (yet, or any more) is left out for now; the
      // sync reports an error so that it is retried. With publishNotReadyAddresses the user
      // asked for every address, so it goes in.
      plan.skippedPods.push(`${pod.metadata.namespace}/${pod.metadata.name}`);
      continue;
    }
    const ep = podToEndpoint(pod, node, svc, addressType);
    if (ep.addresses.length > 0) g.desired.set(endpointKey(ep), ep);
  }

  for (const [k, g] of groups) {
    const r = reconcileByPortMapping(svc, existingByPorts.get(k) ?? [], g, addressType, max);
    toCreate.push(...r.toCreate);
    toUpdate.push(...r.toUpdate);
    toDelete.push(...r.toDelete);
    plan.added += r.added;
    plan.removed += r.removed;
  }
  // Port mappings no longer desired at all: their slices go.
  for (const [k, slices] of existingByPorts) if (!groups.has(k)) toDelete.push(...slices);

  // No endpoints at all: keep (or make) one empty placeholder slice.
  if (existing.length === toDelete.length && toCreate.length < 1) {
    const placeholder = newEndpointSlice(svc, [], addressType);
    if (toDelete.length === 1 && isPlaceholderOf(toDelete[0], placeholder)) toDelete.length = 0;
    else toCreate.push(placeholder);
  }

  // finalize, first half: a slice about to be deleted is reused for a slice about to be
  // created (an update instead of a delete + a create), if it is ours and of the same type.
  for (let i = 0; i < toDelete.length && toCreate.length > 0; ) {
    const del = toDelete[i];
    const create = toCreate[toCreate.length - 1];
    if (del.addressType === create.addressType && ownedBy(del, svc)) {
      // (generateName stays, as in Go: it is only used when there is no name.)
      create.metadata.name = del.metadata.name;
      toCreate.pop();
      toUpdate.push(create);
      toDelete.splice(i, 1);
    } else i++;
  }
  plan.toCreate.push(...toCreate);
  plan.toUpdate.push(...toUpdate);
  plan.toDelete.push(...toDelete);
}

/** placeholderSliceCompare: same namespace, labels, owners, and no endpoints or ports. */
function isPlaceholderOf(slice: KubeObject, placeholder: KubeObject): boolean {
  return (
    slice.metadata.namespace === placeholder.metadata.namespace &&
    deepEqual(slice.metadata.labels ?? {}, placeholder.metadata.labels ?? {}) &&
    deepEqual(slice.metadata.ownerReferences ?? [], placeholder.metadata.ownerReferences ?? []) &&
    slice.addressType === placeholder.addressType &&
    (slice.endpoints ?? []).length === 0 &&
    (slice.ports ?? []).length === 0
  );
}

function reconcileByPortMapping(svc: KubeObject, existing: KubeObject[], group: Group, addressType: AddressType, max: number) {
  const desired = group.desired;
  const byName = new Map<string, KubeObject>();
  const unchanged: string[] = [];
  const toUpdateNames: string[] = [];
  const toDeleteNames: string[] = [];
  let removed = 0;

  // 1. Existing slices: keep the desired endpoints (refreshed), drop the others.
  for (const slice of existing) {
    const name = slice.metadata.name!;
    byName.set(name, slice);
    const kept: Endpoint[] = [];
    let updated = false;
    for (const ep of (slice.endpoints ?? []) as Endpoint[]) {
      const k = endpointKey(ep);
      const want = desired.get(k);
      if (!want) continue;
      kept.push(want);
      if (!endpointsEqualBeyondHash(want, ep)) updated = true;
      desired.delete(k);
    }
    const { labels, changed } = sliceLabels(slice, svc);
    const had = (slice.endpoints ?? []).length;
    if (updated || had !== kept.length) {
      if (had > kept.length) removed += had - kept.length;
      if (kept.length === 0) toDeleteNames.push(name);
      else {
        const copy = clone(slice);
        copy.endpoints = kept;
        copy.metadata.labels = labels;
        byName.set(name, copy);
        toUpdateNames.push(name);
      }
    } else if (changed) {
      const copy = clone(slice);
      copy.metadata.labels = labels;
      byName.set(name, copy);
      toUpdateNames.push(name);
    } else unchanged.push(name);
  }

  const added = desired.size;
  const pop = (): Endpoint => {
    const [k, ep] = desired.entries().next().value as [string, Endpoint];
    desired.delete(k);
    return ep;
  };

  // 2. Fill the slices being written anyway, fullest first.
  if (desired.size > 0 && toUpdateNames.length > 0) {
    const slices = toUpdateNames.map((n) => byName.get(n)!);
    slices.sort((a, b) => b.endpoints.length - a.endpoints.length || compareStrings(a.metadata.name!, b.metadata.name!));
    for (const s of slices) while (desired.size > 0 && s.endpoints.length < max) s.endpoints.push(pop());
  }

  // 3. The rest: into the unchanged slice it fills closest to full, else into new slices.
  const toCreate: KubeObject[] = [];
  while (desired.size > 0) {
    let fill: KubeObject | undefined;
    if (desired.size < max && unchanged.length > 0) {
      const found = sliceToFill(unchanged.map((n) => byName.get(n)!), desired.size, max);
      if (found) {
        fill = clone(found);
        byName.set(found.metadata.name!, fill);
      }
    }
    if (!fill) fill = newEndpointSlice(svc, group.ports, addressType);
    while (desired.size > 0 && fill.endpoints.length < max) fill.endpoints.push(pop());
    if (fill.metadata.name) {
      toUpdateNames.push(fill.metadata.name);
      unchanged.splice(unchanged.indexOf(fill.metadata.name), 1);
    } else toCreate.push(fill);
  }

  return {
    toCreate,
    toUpdate: toUpdateNames.map((n) => byName.get(n)!),
    toDelete: toDeleteNames.map((n) => byName.get(n)!),
    added,
    removed,
  };
}

/** getSliceToFill: the slice that numEndpoints more would bring closest to (not over) full. */
function sliceToFill(slices: KubeObject[], numEndpoints: number, max: number): KubeObject | undefined {
  let closestDiff = max;
  let closest: KubeObject | undefined;
  for (const s of slices) {
    const diff = max - (numEndpoints + (s.endpoints ?? []).length);
    if (diff >= 0 && diff < closestDiff) {
      closestDiff = diff;
      closest = s;
      if (diff === 0) return s;
    }
  }
  return closest;
}
