// Per-kind write rules (the real server's RESTCreateStrategy / RESTUpdateStrategy): what the
// server sets on create, what an update may change, when generation moves, how status is kept
// apart from spec, and what a delete does (at once, gracefully, or held by finalizers).

import { field, FieldError } from "../registry/field-errors";
import { deepEqual, KubeObject, parseTimestamp, timestamp } from "../registry/object";
import type { ResourceInfo } from "../registry/resources";

export function hasStatusSubresource(info: ResourceInfo): boolean {
  return info.subresources.some((s) => s.name === "status");
}

/** Kinds whose create resets status (the user cannot create an object "already running"). */
const RESET_STATUS_ON_CREATE = new Set(["Pod", "Deployment", "ReplicaSet", "Service", "Namespace", "PodDisruptionBudget"]);

/** Kinds an update (PUT) may create when missing (AllowCreateOnUpdate). */
export const CREATE_ON_UPDATE = new Set(["Endpoints", "EndpointSlice", "Lease", "Event", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]);

/**
 * Kinds whose strategy tracks metadata.generation (PrepareForCreate sets Generation = 1). In 1.32
 * these are the workload kinds [k/k pkg/registry/apps/deployment/strategy.go and its siblings, batch, policy]; core kinds
 * (Pod until 1.33's PodObservedGenerationTracking, Service, ConfigMap, Namespace...) have none.
 */
export const GENERATION_KINDS = new Set(["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "PodDisruptionBudget"]);

/** Kinds whose generation also moves on annotation changes (copied to their ReplicaSets). */
const ANNOTATIONS_BUMP_GENERATION = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

/**
 * Go's `omitempty`: an empty map or list in metadata is not serialized, so removing the last
 * label leaves no `labels: {}` behind.
 */
export function dropEmptyMetadata(obj: KubeObject): void {
  const m = obj.metadata as Record<string, unknown>;
  for (const k of ["labels", "annotations"]) {
    const v = m[k];
    if (v === null || (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0)) delete m[k];
  }
  for (const k of ["finalizers", "ownerReferences", "managedFields"]) {
    const v = m[k];
    if (v === null || (Array.isArray(v) && v.length === 0)) delete m[k];
  }
}

/** Metadata the server owns: a write cannot set or change it. */
export function prepareForCreate(obj: KubeObject, info: ResourceInfo, uid: string, now: number): void {
  const m = obj.metadata;
  m.uid = uid;
  m.creationTimestamp = timestamp(now);
  if (GENERATION_KINDS.has(info.kind)) m.generation = 1;
  else delete m.generation;
  dropEmptyMetadata(obj);
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.managedFields;
  if (RESET_STATUS_ON_CREATE.has(info.kind)) obj.status = {};
  // A pod created with scheduling gates says why it is not scheduled yet
  // [k/k pkg/registry/core/pod/strategy.go applySchedulingGatedCondition].
  if (info.kind === "Pod" && Array.isArray(obj.spec?.schedulingGates) && obj.spec.schedulingGates.length > 0) {
    obj.status = { ...(obj.status ?? {}), conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated", message: "Scheduling is blocked due to non-empty scheduling gates", lastProbeTime: null, lastTransitionTime: timestamp(now) }] };
  }
  if (info.kind === "Namespace") {
    // Every namespace starts Active, finalized by "kubernetes" (the namespace controller's token),
    // whatever the manifest said [k/k pkg/registry/core/namespace/strategy.go PrepareForCreate].
    const spec = obj.spec && typeof obj.spec === "object" ? obj.spec : (obj.spec = {});
    const fs: unknown[] = Array.isArray(spec.finalizers) ? spec.finalizers : [];
    spec.finalizers = fs.includes("kubernetes") ? fs : [...fs, "kubernetes"];
    obj.status = { phase: "Active" };
  }
}

/** Finalizer names in a namespace's spec: standard ("kubernetes") or qualified ("example.com/x"). */
export function validateFinalizerNames(finalizers: unknown): FieldError[] {
  if (!Array.isArray(finalizers)) return [field.invalid("spec.finalizers", finalizers, "must be a list of finalizer names")];
  const errs: FieldError[] = [];
  finalizers.forEach((f, i) => {
    const name = String(f);
    if (!name.includes("/") && name !== "kubernetes")
      errs.push(field.invalid(`spec.finalizers[${i}]`, f, "name is neither a standard finalizer name nor is it fully qualified"));
  });
  return errs;
}

/**
 * An update of the main resource (status = false) or of /status (status = true): the result
 * keeps what the caller may not change, and bumps generation when the spec changed.
 */
export function prepareForUpdate(obj: KubeObject, old: KubeObject, info: ResourceInfo, status: boolean): KubeObject {
  let next: KubeObject;
  if (status) {
    // /status changes status only (and nothing in metadata but what the server keeps).
    next = { ...old, metadata: { ...old.metadata }, status: obj.status };
    // deploymentStatusStrategy keeps only spec and labels from the old object: annotations come
    // from the request, without a generation bump. That is how the Deployment controller writes
    // deployment.kubernetes.io/revision [k/k pkg/registry/apps/deployment/strategy.go].
    if (info.kind === "Deployment" && obj.metadata?.annotations !== undefined) next.metadata.annotations = obj.metadata.annotations;
  } else {
    next = obj;
    if (hasStatusSubresource(info)) next.status = old.status;
  }
  const m = next.metadata;
  const o = old.metadata;
  m.uid = o.uid;
  m.creationTimestamp = o.creationTimestamp;
  if (o.generation !== undefined) m.generation = o.generation;
  else delete m.generation;
  if (o.deletionTimestamp) {
    m.deletionTimestamp = o.deletionTimestamp;
    m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
  } else {
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
  }
  m.name = o.name;
  if (o.namespace !== undefined) m.namespace = o.namespace;
  delete m.managedFields;
  // A namespace's spec.finalizers change only through /finalize [k/k namespaceStrategy.PrepareForUpdate].
  if (info.kind === "Namespace" && !status) next.spec = { ...(next.spec ?? {}), finalizers: old.spec?.finalizers ?? [] };
  dropEmptyMetadata(next);
  if (!status && GENERATION_KINDS.has(info.kind)) {
    const specChanged = !deepEqual(next.spec, old.spec);
    const annotationsChanged = ANNOTATIONS_BUMP_GENERATION.has(info.kind) && !deepEqual(m.annotations ?? {}, o.annotations ?? {});
    if (specChanged || annotationsChanged) m.generation = (o.generation ?? 1) + 1;
  }
  if (info.kind === "Service" && !status) keepAllocatedValues(next, old);
  return next;
}

/**
 * A Service update that leaves out what the server allocated (kubectl replace of the original
 * manifest) keeps it: clusterIP(s) and each port's nodePort, matched by port name
 * [k/k pkg/registry/core/service/storage/storage.go patchAllocatedValues].
 */
function keepAllocatedValues(svc: KubeObject, old: KubeObject): void {
  const s = svc.spec;
  const o = old.spec ?? {};
  if (!s || typeof s !== "object") return;
  const needsClusterIP = (t: any) => t?.type !== "ExternalName";
  if (needsClusterIP(o) && needsClusterIP(s)) {
    if (!s.clusterIP && o.clusterIP) s.clusterIP = o.clusterIP;
    if ((!Array.isArray(s.clusterIPs) || s.clusterIPs.length === 0) && Array.isArray(o.clusterIPs) && o.clusterIPs.length) s.clusterIPs = [...o.clusterIPs];
  }
  const needsNodePort = (t: any) => t?.type === "NodePort" || t?.type === "LoadBalancer";
  if (needsNodePort(o) && needsNodePort(s) && Array.isArray(s.ports)) {
    const inNew = new Set(s.ports.map((p: any) => p?.nodePort).filter((n: unknown) => !!n));
    const byName = new Map<string, number>();
    for (const p of o.ports ?? []) byName.set(p?.name ?? "", p?.nodePort);
    for (const p of s.ports) {
      if (!p || typeof p !== "object" || p.nodePort) continue;
      const was = byName.get(p.name ?? "");
      if (was && !inNew.has(was)) p.nodePort = was;
    }
  }
  if (o.healthCheckNodePort && !s.healthCheckNodePort && s.externalTrafficPolicy === "Local") s.healthCheckNodePort = o.healthCheckNodePort;
}

/** Once deleting, an object with no finalizers left (and no grace period pending) goes. */
export function readyToRemove(obj: KubeObject): boolean {
  const m = obj.metadata;
  if (!m.deletionTimestamp) return false;
  if ((m.finalizers ?? []).length > 0) return false;
  if (obj.kind === "Namespace" && (obj.spec?.finalizers ?? []).length > 0) return false;
  return (m.deletionGracePeriodSeconds ?? 0) === 0;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  preconditions?: { uid?: string; resourceVersion?: string };
  orphanDependents?: boolean;
}

/**
 * What a DELETE does to the current object: remove it now ("delete"), or write it back marked
 * for deletion ("update"). Pods on a node get a grace period the kubelet honours (it sends the
 * final delete); finalizers hold any object until their controllers remove them.
 */
export function planDelete(cur: KubeObject, opts: DeleteOptions, now: number): { type: "delete" | "update"; object: KubeObject } {
  const obj: KubeObject = JSON.parse(JSON.stringify(cur));
  const m = obj.metadata;
  const finalizers = new Set(m.finalizers ?? []);
  if (opts.propagationPolicy === "Foreground") finalizers.add("foregroundDeletion");
  if (opts.propagationPolicy === "Orphan" || opts.orphanDependents === true) finalizers.add("orphan");
  // Already terminating with a grace period: a delete may only shorten it, counted from the
  // first request's time; without a shorter one it changes nothing
  // [apiserver@1.32 pkg/registry/rest/delete.go BeforeDelete].
  const pending = m.deletionTimestamp ? m.deletionGracePeriodSeconds ?? 0 : 0;
  if (pending > 0) {
    const g = opts.gracePeriodSeconds;
    // (Nor may propagationPolicy add finalizers while a deletion is pending [Store.Delete].)
    if (g === undefined || g >= pending) return { type: "update", object: cur };
    if (g > 0) {
      m.deletionTimestamp = timestamp(parseTimestamp(m.deletionTimestamp!) - pending * 1000 + g * 1000);
      m.deletionGracePeriodSeconds = g;
      if (finalizers.size) m.finalizers = [...finalizers];
      return { type: "update", object: obj };
    }
    // Shortened to 0: on to the immediate delete below (finalizers still hold it).
  }
  let grace = 0;
  if (obj.kind === "Pod" && pending === 0) {
    grace = opts.gracePeriodSeconds ?? obj.spec?.terminationGracePeriodSeconds ?? 30;
    const phase = obj.status?.phase;
    if (!obj.spec?.nodeName || phase === "Succeeded" || phase === "Failed") grace = 0;
  }
  if (obj.kind === "Namespace") {
    // The namespace controller (chapter 04) empties it and removes the "kubernetes" finalizer.
    obj.status = { ...(obj.status ?? {}), phase: "Terminating" };
    if (!m.deletionTimestamp) m.deletionTimestamp = timestamp(now);
    m.deletionGracePeriodSeconds = 0;
    if ((obj.spec?.finalizers ?? []).length > 0 || finalizers.size > 0) {
      if (finalizers.size) m.finalizers = [...finalizers];
      return { type: "update", object: obj };
    }
    return { type: "delete", object: obj };
  }
  if (grace > 0) {
    m.deletionTimestamp = timestamp(now + grace * 1000);
    m.deletionGracePeriodSeconds = grace;
    if (finalizers.size) m.finalizers = [...finalizers];
    return { type: "update", object: obj };
  }
  if (finalizers.size > 0) {
    if (!m.deletionTimestamp) m.deletionTimestamp = timestamp(now);
    m.deletionGracePeriodSeconds = 0;
    m.finalizers = [...finalizers];
    return { type: "update", object: obj };
  }
  return { type: "delete", object: obj };
}
