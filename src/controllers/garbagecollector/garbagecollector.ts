// The garbage collector [k/k pkg/controller/garbagecollector/garbagecollector.go].
//
// Deleting a Deployment deletes its ReplicaSets and their Pods, yet no Deployment code does it:
// each ReplicaSet names the Deployment in metadata.ownerReferences, each Pod names its
// ReplicaSet, and this controller deletes any object whose owners are all gone. It also carries
// out the two other propagation policies of DELETE, which the API server only records as
// finalizers on the owner:
//   - Foreground (finalizer foregroundDeletion): delete the dependents first; once no dependent
//     with blockOwnerDeletion is left, remove the finalizer and the API server drops the owner.
//   - Orphan (finalizer orphan): strip the owner's reference from every dependent, then remove
//     the finalizer; the dependents live on, ownerless.
//
// Two queues: attemptToDelete (is this object garbage? is this foreground owner done?) and
// attemptToOrphan. Whether an owner exists is decided by asking the API server (GET, compare
// uid), never by the informer cache alone: the cache may lag, and deleting a live object's
// dependents is not undoable.

import type { KubeApiError, KubeClient } from "../../client/kube-client";
import { resolveResource } from "../../client/kube-client";
import { RateLimitingQueue, runWorkers } from "../../client/workqueue";
import type { Workers } from "../../client/workqueue";
import { DefaultControllerRateLimiter } from "../../client/rate-limiter";
import { DeletedFinalStateUnknown } from "../../client/lister";
import { groupVersion } from "../../apiserver/registry/resources";
import type { KubeObject } from "../../apiserver/registry/object";
import type { Simulation } from "../../sim/simulation";
import type { Controller, ControllerContext } from "../controller";
import { waitForCacheSync } from "../controller";
import { describe, FOREGROUND_FINALIZER, GraphBuilder, GraphNode, ORPHAN_FINALIZER, ownerNamespace } from "./graph";
import type { GraphObject, ObjectIdentity, OwnerReference } from "./graph";

/**
 * What the collector watches. The real one watches every resource that supports delete, list
 * and watch (from discovery), except events; this list is that, for the kinds our API server has.
 */
export const DEFAULT_MONITORED_RESOURCES: readonly string[] = [
  "pods",
  "replicasets",
  "deployments",
  "services",
  "endpoints",
  "endpointslices",
  "configmaps",
  "secrets",
  "serviceaccounts",
  "leases",
  "roles",
  "rolebindings",
  "clusterroles",
  "clusterrolebindings",
  "nodes",
  "namespaces",
];

export interface GarbageCollectorOptions {
  /** Resources to monitor (default DEFAULT_MONITORED_RESOURCES). */
  resources?: readonly string[];
  /** --concurrent-gc-syncs (default 20). */
  workers?: number;
}

/** The collector with its graph, for notebooks and tests. */
export interface GarbageCollectorController extends Controller {
  readonly graph: GraphBuilder;
  readonly attemptToDelete: RateLimitingQueue<string>;
  readonly attemptToOrphan: RateLimitingQueue<string>;
}

type Done = (err?: unknown) => void;

/** A ControllerFactory with options: `garbageCollectorWith({ resources: [...] })`. */
export function garbageCollectorWith(options: GarbageCollectorOptions = {}): (ctx: ControllerContext) => GarbageCollectorController {
  return (ctx) => new GarbageCollector(ctx, options);
}

/** The "garbagecollector" controller with the default monitored resources. */
export const garbageCollector = garbageCollectorWith();

class GarbageCollector implements GarbageCollectorController {
  readonly name = "garbagecollector";
  readonly graph: GraphBuilder;
  readonly attemptToDelete: RateLimitingQueue<string>;
  readonly attemptToOrphan: RateLimitingQueue<string>;
  private readonly sim: Simulation;
  private readonly client: KubeClient;
  private readonly synced: (() => boolean)[] = [];
  private workers: Workers[] = [];
  private cancelWait: (() => void) | undefined;
  private stopped = false;

  constructor(ctx: ControllerContext, private readonly options: GarbageCollectorOptions) {
    this.sim = ctx.sim;
    this.client = ctx.client;
    this.attemptToDelete = new RateLimitingQueue<string>(ctx.sim, DefaultControllerRateLimiter<string>(ctx.sim), { name: "garbage_collector_attempt_to_delete" });
    this.attemptToOrphan = new RateLimitingQueue<string>(ctx.sim, DefaultControllerRateLimiter<string>(ctx.sim), { name: "garbage_collector_attempt_to_orphan" });
    // Its events come from "garbage-collector-controller" [k/k garbagecollector.go NewGarbageCollector].
    this.graph = new GraphBuilder(ctx.sim, this.attemptToDelete, this.attemptToOrphan, ctx.recorder("garbage-collector-controller"));
    // The monitors: one shared informer per resource, feeding the graph.
    for (const r of options.resources ?? DEFAULT_MONITORED_RESOURCES) {
      const info = resolveResource(r);
      const apiVersion = groupVersion(info);
      const inf = ctx.informers.informerFor<GraphObject>(r);
      inf.addEventHandler({
        onAdd: (obj) => this.graph.onAddOrUpdate(obj, undefined, apiVersion, info.kind),
        onUpdate: (old, obj) => this.graph.onAddOrUpdate(obj, old, apiVersion, info.kind),
        onDelete: (obj) => this.graph.onDelete(unwrap(obj)),
      });
      this.synced.push(() => inf.hasSynced());
    }
  }

  start(): void {
    this.record("starting", { monitors: (this.options.resources ?? DEFAULT_MONITORED_RESOURCES).length });
    this.cancelWait = waitForCacheSync(this.sim, this.synced, () => {
      if (this.stopped) return;
      this.record("synced", { nodes: this.graph.uidToNode.size });
      const n = this.options.workers ?? 20;
      this.workers.push(runWorkers(this.attemptToDelete, n, (uid, done) => this.attemptToDeleteWorker(uid, done)));
      this.workers.push(runWorkers(this.attemptToOrphan, n, (uid, done) => this.attemptToOrphanWorker(uid, done)));
    });
  }

  stop(): void {
    this.stopped = true;
    this.cancelWait?.();
    for (const w of this.workers) w.stop();
    this.attemptToDelete.shutDown();
    this.attemptToOrphan.shutDown();
  }

  // ---- attemptToDelete ----

  private attemptToDeleteWorker(uid: string, done: Done): void {
    const n = this.graph.node(uid);
    if (!n) return done(); // left the graph meanwhile
    this.attemptToDeleteItem(n, (err, virtualDeleted) => {
      if (this.stopped) return done();
      if (err) return done(err);
      if (virtualDeleted === true) return done();
      // A virtual node whose object exists: keep checking until an informer shows it (or it goes).
      const cur = this.graph.node(uid);
      if (cur && !cur.observed) return done(new Error(`item ${describe(cur.identity)} hasn't been observed via informer yet`));
      done();
    });
  }

  /**
   * attemptToDeleteItem: look at the live object; if it is an owner in foreground deletion, see
   * whether its blocking dependents are gone; otherwise classify its owners (solid / dangling /
   * waiting for foreground deletion) and delete it, or drop its dead references.
   */
  private attemptToDeleteItem(item: GraphNode, cb: (err?: unknown, virtualDeleted?: boolean) => void): void {
    if (item.beingDeleted && !item.deletingDependents) return cb(); // on its way out: wait for the delete
    this.getObject(item.identity, (err, latest) => {
      if (err && err.reason === "NotFound") {
        this.graph.virtualDelete(item.identity, "not found");
        return cb(undefined, true);
      }
      if (err || !latest) return cb(err ?? new Error("no object"));
      if (latest.metadata.uid !== item.identity.uid) {
        this.graph.virtualDelete(item.identity, "uid mismatch");
        return cb(undefined, true);
      }
      if (item.deletingDependents) return this.processDeletingDependentsItem(item, cb);
      const refs = (latest.metadata.ownerReferences as OwnerReference[] | undefined) ?? [];
      if (refs.length === 0) return cb();
      this.classifyReferences(item, refs, (cerr, solid, dangling, waiting) => {
        if (cerr) return cb(cerr);
        if (solid.length > 0) {
          if (dangling.length === 0 && waiting.length === 0) return cb();
          // It still has a live owner: only drop the references to the dead (or departing) ones.
          const gone = [...dangling, ...waiting].map((r) => r.uid);
          this.record("remove-owner-references", { object: describe(item.identity), owners: gone.join(",") });
          return this.deleteOwnerReferences(item.identity, gone, cb);
        }
        if (waiting.length > 0 && item.dependents.size > 0) {
          // Its owner waits for it, and it has dependents of its own: delete it in the
          // foreground too, so the chain is removed bottom-up.
          return this.deleteObject(item, "Foreground", "owner is deleting dependents and the object has dependents", cb);
        }
        const fins = (latest.metadata.finalizers as string[] | undefined) ?? [];
        const policy = fins.includes(ORPHAN_FINALIZER) ? "Orphan" : fins.includes(FOREGROUND_FINALIZER) ? "Foreground" : "Background";
        const why = dangling.length > 0 ? `all owners absent (${dangling.map((r) => `${r.kind}/${r.name}`).join(", ")})` : "owners waiting for dependents' deletion";
        this.deleteObject(item, policy, why, cb);
      });
    });
  }

  /** Owner in foreground deletion: done when no blocking dependent is left, else push them along. */
  private processDeletingDependentsItem(item: GraphNode, cb: (err?: unknown) => void): void {
    const blocking = item.blockingDependents();
    if (blocking.length === 0) return this.removeFinalizer(item, FOREGROUND_FINALIZER, cb);
    for (const dep of blocking) if (!dep.deletingDependents) this.attemptToDelete.add(dep.identity.uid);
    this.record("waiting-for-dependents", { object: describe(item.identity), blocking: blocking.length });
    cb();
  }

  /** Each owner: dangling (absent, or another uid), waiting (in foreground deletion), or solid. */
  private classifyReferences(item: GraphNode, refs: OwnerReference[], cb: (err: unknown, solid: OwnerReference[], dangling: OwnerReference[], waiting: OwnerReference[]) => void): void {
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    let i = 0;
    const next = (): void => {
      if (i === refs.length) return cb(undefined, solid, dangling, waiting);
      const ref = refs[i++];
      this.isDangling(ref, item, (err, isDangling, owner) => {
        if (err) return cb(err, [], [], []);
        if (isDangling) dangling.push(ref);
        else if (owner?.metadata.deletionTimestamp && ((owner.metadata.finalizers as string[] | undefined) ?? []).includes(FOREGROUND_FINALIZER)) waiting.push(ref);
        else solid.push(ref);
        next();
      });
    };
    next();
  }

  /** Asks the API server for the owner: NotFound or a different uid both mean it is gone. */
  private isDangling(ref: OwnerReference, item: GraphNode, cb: (err: unknown, dangling: boolean, owner?: KubeObject) => void): void {
    const ns = ownerNamespace(ref, item.identity.namespace);
    if (ns === undefined) return cb(new Error(`unable to get REST mapping for ${ref.apiVersion}/${ref.kind}`), false);
    if (this.graph.absentOwnerCache.has(GraphBuilder.absentKey(ref, ns))) return cb(undefined, true);
    if (ns !== "" && item.identity.namespace === "") {
      // A cluster-scoped object cannot be owned by a namespaced one; retrying will not help.
      this.record("invalid-owner-reference", { object: describe(item.identity), owner: `${ref.kind}/${ref.name}` });
      return cb(undefined, false, undefined);
    }
    this.getObject({ apiVersion: ref.apiVersion, kind: ref.kind, namespace: ns, name: ref.name, uid: ref.uid }, (err, owner) => {
      if (err && err.reason === "NotFound") {
        this.graph.absentOwnerCache.add(GraphBuilder.absentKey(ref, ns));
        this.record("owner-absent", { object: describe(item.identity), owner: `${ref.kind}/${ref.name}`, why: "not found" });
        return cb(undefined, true);
      }
      if (err || !owner) return cb(err ?? new Error("no owner"), false);
      if (owner.metadata.uid !== ref.uid) {
        this.graph.absentOwnerCache.add(GraphBuilder.absentKey(ref, ns));
        this.record("owner-absent", { object: describe(item.identity), owner: `${ref.kind}/${ref.name}`, why: "uid mismatch" });
        return cb(undefined, true);
      }
      cb(undefined, false, owner);
    });
  }

  // ---- attemptToOrphan ----

  /** Release every dependent (drop its reference to the owner), then remove the orphan finalizer. */
  private attemptToOrphanWorker(uid: string, done: Done): void {
    const owner = this.graph.node(uid);
    if (!owner) return done();
    const deps = [...owner.dependents];
    this.record("orphaning", { object: describe(owner.identity), dependents: deps.length });
    let left = deps.length;
    let failed: unknown;
    const finish = () => {
      if (failed) return done(failed);
      this.removeFinalizer(owner, ORPHAN_FINALIZER, (err) => done(err));
    };
    if (left === 0) return finish();
    for (const dep of deps) {
      this.deleteOwnerReferences(dep.identity, [owner.identity.uid], (err) => {
        if (err && (err as KubeApiError).reason !== "NotFound") failed = err;
        if (--left === 0) finish();
      });
    }
  }

  // ---- writes ----

  private getObject(id: ObjectIdentity, cb: (err: KubeApiError | undefined, obj?: KubeObject) => void): void {
    let info;
    try {
      info = resolveResource({ apiVersion: id.apiVersion, kind: id.kind });
    } catch (e) {
      return cb({ reason: "", message: (e as Error).message } as KubeApiError);
    }
    this.client.get(info, id.name, info.namespaced ? id.namespace : undefined, cb);
  }

  /** DELETE with a uid precondition (never a namesake created meanwhile) and the chosen policy. */
  private deleteObject(item: GraphNode, policy: "Background" | "Foreground" | "Orphan", why: string, cb: (err?: unknown) => void): void {
    const id = item.identity;
    this.record("delete", { object: describe(id), propagationPolicy: policy, reason: why });
    this.client.delete({ apiVersion: id.apiVersion, kind: id.kind }, id.name, id.namespace || undefined, { propagationPolicy: policy, preconditions: { uid: id.uid } }, (err) => {
      if (err && err.reason === "NotFound") return cb(); // already gone
      if (err && err.code === 409) return cb(); // another object by that name now: not ours to delete
      cb(err);
    });
  }

  /** The JSON merge patch of the ownerReferences without the given owners, guarded by resourceVersion. */
  private deleteOwnerReferences(id: ObjectIdentity, ownerUids: string[], cb: (err?: unknown) => void): void {
    this.getObject(id, (err, cur) => {
      if (err) return cb(err);
      if (!cur || cur.metadata.uid !== id.uid) return cb();
      const refs = ((cur.metadata.ownerReferences as OwnerReference[] | undefined) ?? []).filter((r) => !ownerUids.includes(r.uid));
      const patch = { metadata: { resourceVersion: cur.metadata.resourceVersion, ownerReferences: refs.length ? refs : null } };
      this.client.patch({ apiVersion: id.apiVersion, kind: id.kind }, id.name, id.namespace || undefined, "merge", patch, (perr) => cb(perr));
    });
  }

  /** Removes one finalizer (GET, then a merge patch guarded by resourceVersion; retried on conflict). */
  private removeFinalizer(owner: GraphNode, finalizer: string, cb: (err?: unknown) => void, attempt = 0): void {
    const id = owner.identity;
    this.getObject(id, (err, cur) => {
      if (err && err.reason === "NotFound") return cb();
      if (err || !cur) return cb(err);
      const fins = (cur.metadata.finalizers as string[] | undefined) ?? [];
      if (!fins.includes(finalizer)) return cb();
      const rest = fins.filter((f) => f !== finalizer);
      const patch = { metadata: { resourceVersion: cur.metadata.resourceVersion, finalizers: rest.length ? rest : null } };
      this.client.patch({ apiVersion: id.apiVersion, kind: id.kind }, id.name, id.namespace || undefined, "merge", patch, (perr) => {
        if (perr && perr.code === 409 && attempt < 4) return this.removeFinalizer(owner, finalizer, cb, attempt + 1);
        if (!perr) this.record("remove-finalizer", { object: describe(id), finalizer });
        cb(perr && perr.reason !== "NotFound" ? perr : undefined);
      });
    });
  }

  private record(kind: string, fields: Record<string, unknown>): void {
    this.sim.trace.record("garbage-collector", kind, fields);
  }
}

function unwrap(obj: GraphObject | DeletedFinalStateUnknown<GraphObject>): GraphObject {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}
