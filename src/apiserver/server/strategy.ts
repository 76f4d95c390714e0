// Per-kind write rules (the real server's RESTCreateStrategy / RESTUpdateStrategy): what the
// server sets on create, what an update may change, when generation moves, how status is kept
// apart from spec, and what a delete does (at once, gracefully, or held by finalizers).

import { deepEqual, KubeObject, timestamp } from "../registry/object";
import type { ResourceInfo } from "../registry/resources";

export function hasStatusSubresource(info: ResourceInfo): boolean {
  return info.subresources.some((s) => s.name === "status");
}

/** Kinds whose create resets status (the user cannot create an object "already running"). */
const RESET_STATUS_ON_CREATE = new Set(["Pod", "Deployment", "ReplicaSet", "Service", "Namespace"]);

/** Kinds an update (PUT) may create when missing (AllowCreateOnUpdate). */
export const CREATE_ON_UPDATE = new Set(["Endpoints", "EndpointSlice", "Lease", "Event", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]);

/** Metadata the server owns: a write cannot set or change it. */
export function prepareForCreate(obj: KubeObject, info: ResourceInfo, uid: string, now: number): void {
  const m = obj.metadata;
  m.uid = uid;
  m.creationTimestamp = timestamp(now);
  m.generation = 1;
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.managedFields;
  if (RESET_STATUS_ON_CREATE.has(info.kind)) obj.status = {};
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
  } else {
    next = obj;
    if (hasStatusSubresource(info)) next.status = old.status;
  }
  const m = next.metadata;
  const o = old.metadata;
  m.uid = o.uid;
  m.creationTimestamp = o.creationTimestamp;
  m.generation = o.generation ?? 1;
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
  if (!status && next.spec !== undefined && !deepEqual(next.spec, old.spec)) m.generation = (o.generation ?? 1) + 1;
  return next;
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
  let grace = 0;
  if (obj.kind === "Pod") {
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
    // A second delete may shorten the grace period, never lengthen it.
    if (m.deletionTimestamp && (m.deletionGracePeriodSeconds ?? 0) <= grace) return { type: "update", object: cur };
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
