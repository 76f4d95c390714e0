// Owner references and the ControllerRefManager [k/k staging apimachinery pkg/apis/meta/v1
// controller_ref.go, pkg/controller/controller_ref_manager.go].
//
// A controller owns what carries its controllerRef (ownerReferences[] with controller: true and
// its UID). Ownership is decided by the selector only at the edges: an orphan that matches is
// *adopted* (a PATCH adds our controllerRef), an owned object that stopped matching is
// *released* (a PATCH removes it). An object owned by another controller is never touched.

import type { KubeObject, OwnerReference } from "../../apiserver/registry/object";
import { KubeApiError, KubeClient, ResourceRef } from "../../client/kube-client";
import type { KubeObjectLike } from "../../client/list-watch";
import { Done, series } from "./async";

/** The ownerReference marked controller: true, if any. */
export function getControllerOf(obj: KubeObjectLike): OwnerReference | undefined {
  const refs = (obj.metadata.ownerReferences as OwnerReference[] | undefined) ?? [];
  return refs.find((r) => r.controller === true);
}

/** metav1.NewControllerRef: controller and blockOwnerDeletion both true. */
export function newControllerRef(owner: KubeObjectLike, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && (err.reason === "NotFound" || err.code === 404);
}

export interface ClaimOptions<T extends KubeObjectLike> {
  /** The claiming controller object (a ReplicaSet, a Deployment). */
  owner: KubeObject;
  /** apiVersion and kind of the owner, for the controllerRef. */
  ownerApiVersion: string;
  ownerKind: string;
  /** Resource of the claimed objects ("pods", "replicasets"). */
  resource: ResourceRef;
  client: KubeClient;
  /** The selector, as a predicate over labels. */
  match: (obj: T) => boolean;
  /**
   * Before the first adoption: re-read the owner from the API server (not the cache) and refuse
   * if it is gone or being deleted [RecheckDeletionTimestamp]. Asked at most once per claim.
   */
  canAdopt: (done: Done) => void;
  /** Called with each adopted / released object (for the trace and events). */
  onAdopt?: (obj: T) => void;
  onRelease?: (obj: T) => void;
}

/**
 * ClaimObjects: returns (to done) the objects the owner keeps, adopting and releasing as needed.
 * Errors of individual adopt/release requests are collected; NotFound is ignored (the object
 * went away meanwhile).
 */
export function claimObjects<T extends KubeObjectLike>(objects: T[], o: ClaimOptions<T>, done: (err: unknown, claimed: T[]) => void): void {
  const claimed: T[] = [];
  const errs: unknown[] = [];
  let adoptCheck: unknown = undefined;
  let adoptChecked = false;
  const ownerUID = o.owner.metadata.uid;
  const ownerDeleting = !!o.owner.metadata.deletionTimestamp;
  series(
    objects,
    (obj, next) => {
      const ref = getControllerOf(obj);
      if (ref) {
        if (ref.uid !== ownerUID) return next(); // someone else's
        if (o.match(obj)) {
          claimed.push(obj);
          return next();
        }
        // Ours, but it no longer matches: release it (unless we are being deleted).
        if (ownerDeleting) return next();
        return release(obj, o, (err) => {
          if (err && !isNotFound(err)) errs.push(err);
          else if (!err) o.onRelease?.(obj);
          next();
        });
      }
      // An orphan: adopt it if it matches and neither side is being deleted.
      if (ownerDeleting || !o.match(obj) || obj.metadata.deletionTimestamp) return next();
      if (o.owner.metadata.namespace && o.owner.metadata.namespace !== obj.metadata.namespace) return next();
      const adoptNow = () => {
        if (adoptCheck) {
          errs.push(adoptCheck);
          return next();
        }
        adopt(obj, o, (err) => {
          if (err) {
            if (!isNotFound(err)) errs.push(err);
          } else {
            claimed.push(obj);
            o.onAdopt?.(obj);
          }
          next();
        });
      };
      if (adoptChecked) return adoptNow();
      o.canAdopt((err) => {
        adoptChecked = true;
        adoptCheck = err ?? undefined;
        adoptNow();
      });
    },
    () => done(errs.length ? errs[0] : undefined, claimed),
  );
}

// Strategic merge patches, keyed by UID so they never apply to a namesake created meanwhile
// [k/k controller_ref_manager.go ownerRefControllerPatch, GenerateDeleteOwnerRefStrategicMergeBytes].
function adopt<T extends KubeObjectLike>(obj: T, o: ClaimOptions<T>, cb: Done): void {
  const patch = { metadata: { ownerReferences: [newControllerRef(o.owner, o.ownerApiVersion, o.ownerKind)], uid: obj.metadata.uid } };
  o.client.patch(o.resource, obj.metadata.name!, obj.metadata.namespace, "strategic", patch, (err) => cb(err));
}

function release<T extends KubeObjectLike>(obj: T, o: ClaimOptions<T>, cb: Done): void {
  const patch = { metadata: { ownerReferences: [{ $patch: "delete", uid: o.owner.metadata.uid }], uid: obj.metadata.uid } };
  o.client.patch(o.resource, obj.metadata.name!, obj.metadata.namespace, "strategic", patch, (err) => cb(err));
}

/**
 * RecheckDeletionTimestamp: an uncached GET of the owner; an error if it is gone, was replaced
 * (other UID) or is being deleted.
 */
export function recheckDeletionTimestamp(client: KubeClient, resource: ResourceRef, owner: KubeObjectLike, done: Done): void {
  client.get(resource, owner.metadata.name!, owner.metadata.namespace, (err, fresh) => {
    if (err) return done(err);
    const kind = (owner as KubeObject).kind ?? "object";
    if (fresh!.metadata.uid !== owner.metadata.uid)
      return done(new Error(`original ${kind} ${owner.metadata.namespace}/${owner.metadata.name} is gone: got uid ${fresh!.metadata.uid}, wanted ${owner.metadata.uid}`));
    if (fresh!.metadata.deletionTimestamp)
      return done(new Error(`${kind} ${owner.metadata.namespace}/${owner.metadata.name} has just been deleted at ${fresh!.metadata.deletionTimestamp}`));
    done();
  });
}

/**
 * apimachinery's Semantic.DeepEqual as far as JSON goes: like deepEqual, but an absent field, an
 * empty object and an empty list are the same (Go does not tell a nil map from an empty one
 * after a round trip through JSON with omitempty).
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  const empty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
  if (empty(a) && empty(b)) return true;
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    return a.every((x, i) => semanticEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!semanticEqual(ao[k], bo[k])) return false;
  return true;
}
