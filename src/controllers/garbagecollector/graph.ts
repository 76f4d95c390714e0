// The garbage collector's dependency graph [k/k pkg/controller/garbagecollector/graph.go,
// graph_builder.go].
//
// Every object of every monitored resource is a node keyed by uid; its ownerReferences are
// edges to its owners. An owner that has not been seen (yet) is a "virtual" node: it exists in
// the graph only because a dependent names it, and the collector must ask the API server
// whether it really exists. The graph builder turns informer events into graph changes and
// decides what needs attention:
//   - an object deleted → its dependents may have lost their last owner (attemptToDelete);
//   - an object starting foreground deletion → its dependents must go first (attemptToDelete);
//   - an object starting orphan deletion → its dependents must be released (attemptToOrphan);
//   - a virtual owner → verify it exists (attemptToDelete).
// Graph changes are applied in the informer's event order, as the real builder's single
// processGraphChanges goroutine does.

import type { OwnerReference } from "../../apiserver/registry/object";
import type { Simulation } from "../../sim/simulation";
import type { RateLimitingQueue } from "../../client/workqueue";
import { resolveResource } from "../../client/kube-client";
import type { KubeObjectLike } from "../../client/list-watch";
import type { EventRecorder } from "../../client/events";

export const FOREGROUND_FINALIZER = "foregroundDeletion";
export const ORPHAN_FINALIZER = "orphan";

export type { OwnerReference };

/** Where an object lives: enough to GET it and to tell it from a namesake (uid). */
export interface ObjectIdentity {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

export function describe(id: ObjectIdentity): string {
  return `${id.kind}/${id.namespace ? id.namespace + "/" : ""}${id.name}`;
}

export class GraphNode {
  readonly dependents = new Set<GraphNode>();
  owners: OwnerReference[] = [];
  /** Seen through an informer (false: only named by a dependent's ownerReference). */
  observed = false;
  beingDeleted = false;
  /** Deleting with the foregroundDeletion finalizer: waits for its blocking dependents. */
  deletingDependents = false;

  constructor(public identity: ObjectIdentity) {}

  /** Dependents whose reference to this node says blockOwnerDeletion: foreground deletion waits for them. */
  blockingDependents(): GraphNode[] {
    const out: GraphNode[] = [];
    for (const dep of this.dependents) {
      if (dep.owners.some((o) => o.uid === this.identity.uid && o.blockOwnerDeletion === true)) out.push(dep);
    }
    return out;
  }
}

export interface GraphObject extends KubeObjectLike {
  apiVersion?: string;
  kind?: string;
}

function ownersOf(obj: GraphObject): OwnerReference[] {
  return ((obj.metadata.ownerReferences as OwnerReference[] | undefined) ?? []).map((r) => ({ ...r }));
}

function finalizersOf(obj: GraphObject | undefined): string[] {
  return (obj?.metadata.finalizers as string[] | undefined) ?? [];
}

function deleting(obj: GraphObject | undefined): boolean {
  return !!obj?.metadata.deletionTimestamp;
}

/** deletionTimestamp set and the finalizer present, and not so in the previous version. */
function startsWaitingFor(finalizer: string, old: GraphObject | undefined, cur: GraphObject): boolean {
  if (!(deleting(cur) && finalizersOf(cur).includes(finalizer))) return false;
  return !(old && deleting(old) && finalizersOf(old).includes(finalizer));
}

/** The namespace an owner must be in: the dependent's, unless the owner's kind is cluster-scoped. */
export function ownerNamespace(ref: OwnerReference, dependentNamespace: string): string | undefined {
  try {
    return resolveResource({ apiVersion: ref.apiVersion, kind: ref.kind }).namespaced ? dependentNamespace : "";
  } catch {
    return undefined; // a kind the API server does not serve
  }
}

export class GraphBuilder {
  readonly uidToNode = new Map<string, GraphNode>();
  /** Owners verified absent (identity + uid), so dependents do not GET them again [absentOwnerCache]. */
  readonly absentOwnerCache = new Set<string>();

  constructor(
    private readonly sim: Simulation,
    private readonly attemptToDelete: RateLimitingQueue<string>,
    private readonly attemptToOrphan: RateLimitingQueue<string>,
    private readonly recorder?: EventRecorder,
  ) {}

  static absentKey(ref: { apiVersion: string; kind: string; name: string; uid: string }, namespace: string): string {
    return `${ref.apiVersion}|${ref.kind}|${namespace}|${ref.name}|${ref.uid}`;
  }

  node(uid: string): GraphNode | undefined {
    return this.uidToNode.get(uid);
  }

  // ---- informer events ----

  onAddOrUpdate(obj: GraphObject, old: GraphObject | undefined, apiVersion: string, kind: string): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    const identity: ObjectIdentity = { apiVersion, kind, namespace: obj.metadata.namespace ?? "", name: obj.metadata.name ?? "", uid };
    let n = this.uidToNode.get(uid);
    if (n && !n.observed) {
      // A virtual node is now seen for real: take the observed coordinates, and let dependents
      // that named other coordinates be checked again.
      if (describe(n.identity) !== describe(identity) || n.identity.apiVersion !== apiVersion) {
        for (const dep of n.dependents) {
          // A namespaced owner seen in another namespace than its dependent's: definitely wrong.
          if (identity.namespace !== "" && dep.identity.namespace !== identity.namespace) this.reportInvalidNamespaceOwnerRef(dep, uid);
          this.attemptToDelete.add(dep.identity.uid);
        }
        n.identity = identity;
      }
      n.observed = true;
      this.record("observed", { object: describe(identity) });
    }
    if (!n) {
      n = new GraphNode(identity);
      n.observed = true;
      n.owners = ownersOf(obj);
      n.beingDeleted = deleting(obj);
      n.deletingDependents = deleting(obj) && finalizersOf(obj).includes(FOREGROUND_FINALIZER);
      this.insertNode(n);
      this.processTransitions(old, obj, n);
      return;
    }
    const next = ownersOf(obj);
    const { added, removed, changed } = referencesDiffs(n.owners, next);
    if (added.length || removed.length || changed.length) {
      this.addUnblockedOwnersToDeleteQueue(removed, changed);
      n.owners = next;
      this.addDependentToOwners(n, added);
      for (const r of removed) this.uidToNode.get(r.uid)?.dependents.delete(n);
    }
    if (deleting(obj)) n.beingDeleted = true;
    this.processTransitions(old, obj, n);
  }

  onDelete(obj: GraphObject): void {
    const uid = obj.metadata.uid;
    const n = uid ? this.uidToNode.get(uid) : undefined;
    if (!n) return;
    this.removeNode(n);
  }

  /**
   * The collector verified that a node's object does not exist (NotFound, or another uid under
   * that name): the node leaves the graph as if a delete had been observed.
   */
  virtualDelete(identity: ObjectIdentity, why: string): void {
    const n = this.uidToNode.get(identity.uid);
    if (!n) return;
    // Never remove a node seen for real on the strength of a lookup under other coordinates.
    if (n.observed && describe(n.identity) !== describe(identity)) return;
    this.record("virtual-delete", { object: describe(identity), uid: identity.uid, why, dependents: n.dependents.size });
    this.removeNode(n);
  }

  // ---- graph surgery ----

  private insertNode(n: GraphNode): void {
    this.uidToNode.set(n.identity.uid, n);
    this.addDependentToOwners(n, n.owners);
  }

  /** Adds n to each owner's dependents; an unknown owner becomes a virtual node to verify. */
  private addDependentToOwners(n: GraphNode, owners: OwnerReference[]): void {
    for (const ref of owners) {
      let owner = this.uidToNode.get(ref.uid);
      if (!owner) {
        const ns = ownerNamespace(ref, n.identity.namespace) ?? n.identity.namespace;
        owner = new GraphNode({ apiVersion: ref.apiVersion, kind: ref.kind, namespace: ns, name: ref.name, uid: ref.uid });
        this.uidToNode.set(ref.uid, owner);
        this.record("virtual-node", { owner: describe(owner.identity), uid: ref.uid, dependent: describe(n.identity) });
        this.attemptToDelete.add(ref.uid);
      } else if (owner.observed && owner.identity.namespace !== "" && owner.identity.namespace !== n.identity.namespace) {
        // A namespaced owner in another namespace cannot own this object: as good as absent.
        this.reportInvalidNamespaceOwnerRef(n, ref.uid);
        this.attemptToDelete.add(n.identity.uid);
      }
      owner.dependents.add(n);
    }
  }

  private removeNode(n: GraphNode): void {
    this.uidToNode.delete(n.identity.uid);
    for (const ref of n.owners) this.uidToNode.get(ref.uid)?.dependents.delete(n);
    if (n.dependents.size > 0) this.absentOwnerCache.add(GraphBuilder.absentKey(n.identity, n.identity.namespace));
    for (const dep of n.dependents) this.attemptToDelete.add(dep.identity.uid);
    // An owner waiting in foreground deletion may have lost its last blocking dependent.
    for (const ref of n.owners) {
      const owner = this.uidToNode.get(ref.uid);
      if (owner?.deletingDependents) this.attemptToDelete.add(owner.identity.uid);
    }
  }

  private processTransitions(old: GraphObject | undefined, cur: GraphObject, n: GraphNode): void {
    if (startsWaitingFor(ORPHAN_FINALIZER, old, cur)) {
      this.record("orphan-requested", { object: describe(n.identity), dependents: n.dependents.size });
      this.attemptToOrphan.add(n.identity.uid);
      return;
    }
    if (startsWaitingFor(FOREGROUND_FINALIZER, old, cur)) {
      this.record("foreground-requested", { object: describe(n.identity), dependents: n.dependents.size });
      n.deletingDependents = true;
      for (const dep of n.dependents) this.attemptToDelete.add(dep.identity.uid);
      this.attemptToDelete.add(n.identity.uid);
    }
  }

  /** A dependent stopped blocking (reference removed, or blockOwnerDeletion now false). */
  private addUnblockedOwnersToDeleteQueue(removed: OwnerReference[], changed: [OwnerReference, OwnerReference][]): void {
    const check = (uid: string) => {
      const owner = this.uidToNode.get(uid);
      if (owner?.deletingDependents) this.attemptToDelete.add(uid);
    };
    for (const r of removed) if (r.blockOwnerDeletion === true) check(r.uid);
    for (const [o, nw] of changed) if (o.blockOwnerDeletion === true && nw.blockOwnerDeletion !== true) check(nw.uid);
  }

  /**
   * Warning event OwnerRefInvalidNamespace on the dependent: it names an owner that exists, but in
   * another namespace [k/k pkg/controller/garbagecollector/graph_builder.go reportInvalidNamespaceOwnerRef].
   * The reference is printed as the collector's objectReference prints, with the dependent's namespace.
   */
  private reportInvalidNamespaceOwnerRef(n: GraphNode, ownerUID: string): void {
    const ref = n.owners.find((o) => o.uid === ownerUID);
    if (!ref || !this.recorder) return;
    const ns = n.identity.namespace;
    const dependent = { apiVersion: n.identity.apiVersion, kind: n.identity.kind, metadata: { namespace: ns, name: n.identity.name, uid: n.identity.uid } };
    this.record("invalid-namespace-owner-ref", { object: describe(n.identity), owner: `${ref.kind}/${ref.name}` });
    this.recorder.event(dependent, "Warning", "OwnerRefInvalidNamespace", `ownerRef [${ref.apiVersion}/${ref.kind}, namespace: ${ns}, name: ${ref.name}, uid: ${ref.uid}] does not exist in namespace "${ns}"`);
  }

  private record(kind: string, fields: Record<string, unknown>): void {
    this.sim.trace.record("garbage-collector", kind, fields);
  }
}

/** Owner references added, removed, and changed (same uid, other fields), by uid. */
export function referencesDiffs(old: OwnerReference[], next: OwnerReference[]): { added: OwnerReference[]; removed: OwnerReference[]; changed: [OwnerReference, OwnerReference][] } {
  const oldBy = new Map(old.map((r) => [r.uid, r]));
  const nextBy = new Map(next.map((r) => [r.uid, r]));
  const added = next.filter((r) => !oldBy.has(r.uid));
  const removed = old.filter((r) => !nextBy.has(r.uid));
  const changed: [OwnerReference, OwnerReference][] = [];
  for (const r of next) {
    const o = oldBy.get(r.uid);
    if (o && JSON.stringify(o) !== JSON.stringify(r)) changed.push([o, r]);
  }
  return { added, removed, changed };
}
