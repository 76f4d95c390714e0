// The ReplicaSet controller [k/k pkg/controller/replicaset/replica_set.go]: keeps
// spec.replicas pods running for every ReplicaSet.
//
//   ReplicaSet / Pod events ──▶ queue of "ns/name" keys ──▶ syncReplicaSet(key):
//     1. expectations: are the creations/deletions of the last sync all observed?
//     2. claim: the active pods that match the selector (adopt orphans, release strays)
//     3. manageReplicas (only if expectations are satisfied): create or delete the difference
//     4. status: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas
//
// It reads only from the shared informers' caches and writes only through the API server.

import type { KubeObject, OwnerReference } from "../../apiserver/registry/object";
import { DeletedFinalStateUnknown } from "../../client/lister";
import { labelSelectorMatcher, splitMetaNamespaceKey } from "../../client/lister";
import type { Lister } from "../../client/lister";
import type { SharedIndexInformer } from "../../client/informer";
import { RateLimitingQueue, runWorkers } from "../../client/workqueue";
import type { Workers } from "../../client/workqueue";
import type { Controller, ControllerContext, ControllerFactory } from "../controller";
import { waitForCacheSync } from "../controller";
import { ControllerExpectations } from "../util/expectations";
import { claimObjects, getControllerOf, isNotFound, recheckDeletionTimestamp } from "../util/controller-ref";
import { parallel, slowStartBatch, SlowStartInitialBatchSize } from "../util/async";
import type { Done } from "../util/async";
import { filterActivePods, isPodReady } from "../util/pod";
import { addPodControllerUIDIndexer, filterPodsByOwner, POD_CONTROLLER_UID_INDEX } from "../util/pod-index";
import { getPodsToDelete } from "../util/ranking";
import { hasStatusCause, NamespaceTerminatingCause } from "../util/errors";
import { calculateStatus, statusNeedsUpdate } from "./status";
import type { ReplicaSetStatus } from "./status";
import { PodControl } from "./pod-control";

export const COMPONENT = "replicaset-controller";
const RS_API_VERSION = "apps/v1";
const RS_KIND = "ReplicaSet";

export interface ReplicaSetControllerOptions {
  /** --concurrent-replicaset-syncs (default 5). */
  workers?: number;
  /** At most this many creations or deletions per sync (k/k BurstReplicas = 500). */
  burstReplicas?: number;
}

export class ReplicaSetController implements Controller {
  readonly name = "replicaset";
  readonly queue: RateLimitingQueue<string>;
  readonly expectations: ControllerExpectations;
  private readonly rsInformer: SharedIndexInformer<KubeObject>;
  private readonly podInformer: SharedIndexInformer<KubeObject>;
  private readonly rsLister: Lister<KubeObject>;
  private readonly podControl: PodControl;
  private readonly burstReplicas: number;
  private readonly workerCount: number;
  private workers: Workers | undefined;
  private cancelSync: (() => void) | undefined;

  constructor(private readonly ctx: ControllerContext, options: ReplicaSetControllerOptions = {}) {
    this.burstReplicas = options.burstReplicas ?? 500;
    this.workerCount = options.workers ?? 5;
    this.queue = new RateLimitingQueue<string>(ctx.sim, undefined, { name: "replicaset" });
    this.expectations = new ControllerExpectations(ctx.sim, COMPONENT);
    this.podControl = new PodControl(ctx.client, ctx.recorder(COMPONENT));
    this.rsInformer = ctx.informers.informerFor<KubeObject>("replicasets");
    this.podInformer = ctx.informers.informerFor<KubeObject>("pods");
    this.rsLister = this.rsInformer.lister();
    addPodControllerUIDIndexer(this.podInformer);

    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.enqueue(rs),
      onUpdate: (old, cur) => {
        if (old.spec?.replicas !== cur.spec?.replicas) this.trace("scale-observed", { rs: key(cur), from: old.spec?.replicas, to: cur.spec?.replicas });
        this.enqueue(cur);
      },
      onDelete: (obj) => {
        const rs = obj instanceof DeletedFinalStateUnknown ? (obj.obj as KubeObject) : obj;
        this.expectations.deleteExpectations(key(rs));
        this.enqueue(rs);
      },
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.addPod(pod),
      onUpdate: (old, cur) => this.updatePod(old, cur),
      onDelete: (obj) => this.deletePod(obj),
    });
  }

  start(): void {
    this.trace("start", { workers: this.workerCount });
    this.cancelSync = waitForCacheSync(this.ctx.sim, [() => this.rsInformer.hasSynced(), () => this.podInformer.hasSynced()], () => {
      this.trace("caches-synced", {});
      this.workers = runWorkers(this.queue, this.workerCount, (k, done) => this.syncReplicaSet(k, done));
    });
  }

  stop(): void {
    this.cancelSync?.();
    this.workers?.stop();
    this.queue.shutDown();
  }

  // ---- event handlers ----

  private enqueue(rs: KubeObject): void {
    this.queue.add(key(rs));
  }

  /** The ReplicaSet a controllerRef points at, if it is in the cache with that UID. */
  private resolveControllerRef(namespace: string, ref: OwnerReference): KubeObject | undefined {
    if (ref.kind !== RS_KIND) return undefined;
    const rs = this.rsLister.namespace(namespace).get(ref.name);
    if (!rs || rs.metadata.uid !== ref.uid) return undefined;
    return rs;
  }

  /** ReplicaSets of the pod's namespace whose selector matches it (for orphans). */
  private getPodReplicaSets(pod: KubeObject): KubeObject[] {
    const labels = pod.metadata.labels ?? {};
    return this.rsLister.namespace(pod.metadata.namespace ?? "").list().filter((rs) => {
      const sel = rs.spec?.selector;
      if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) return false;
      try {
        return labelSelectorMatcher(sel)(labels);
      } catch {
        return false;
      }
    });
  }

  private addPod(pod: KubeObject): void {
    // A pod that shows up already being deleted (e.g. after a re-list) counts as a deletion.
    if (pod.metadata.deletionTimestamp) return this.deletePod(pod);
    const ref = getControllerOf(pod);
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata.namespace ?? "", ref);
      if (!rs) return;
      this.expectations.creationObserved(key(rs));
      this.enqueue(rs);
      return;
    }
    // An orphan: wake every matching ReplicaSet, one of them may adopt it.
    for (const rs of this.getPodReplicaSets(pod)) this.enqueue(rs);
  }

  private updatePod(old: KubeObject, cur: KubeObject): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return; // periodic resync
    const labelChanged = !sameLabels(old.metadata.labels, cur.metadata.labels);
    if (cur.metadata.deletionTimestamp) {
      // Graceful deletion started: the pod no longer counts. Observe the deletion now rather than
      // when the kubelet finally removes it, so a replacement is created at once.
      this.deletePod(cur);
      if (labelChanged) this.deletePod(old);
      return;
    }
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = curRef?.uid !== oldRef?.uid;
    if (refChanged && oldRef) {
      const rs = this.resolveControllerRef(old.metadata.namespace ?? "", oldRef);
      if (rs) this.enqueue(rs);
    }
    if (curRef) {
      const rs = this.resolveControllerRef(cur.metadata.namespace ?? "", curRef);
      if (!rs) return;
      this.enqueue(rs);
      // A pod that just became ready becomes available minReadySeconds later: look again then.
      const minReady = rs.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.queue.addAfter(key(rs), minReady * 1000 + 1000);
      return;
    }
    if (labelChanged || refChanged) for (const rs of this.getPodReplicaSets(cur)) this.enqueue(rs);
  }

  private deletePod(obj: KubeObject | DeletedFinalStateUnknown<KubeObject>): void {
    const pod = obj instanceof DeletedFinalStateUnknown ? (obj.obj as KubeObject) : obj;
    if (!pod) return;
    const ref = getControllerOf(pod);
    if (!ref) return; // an orphan's deletion concerns nobody
    const rs = this.resolveControllerRef(pod.metadata.namespace ?? "", ref);
    if (!rs) return;
    this.expectations.deletionObserved(key(rs), key(pod));
    this.enqueue(rs);
  }

  // ---- sync ----

  /** syncReplicaSet: reconcile one ReplicaSet. done(err) requeues it with back-off. */
  syncReplicaSet(rsKey: string, done: Done): void {
    const { namespace, name } = splitMetaNamespaceKey(rsKey);
    const rs = this.rsLister.namespace(namespace).get(name);
    if (!rs) {
      this.trace("deleted", { rs: rsKey });
      this.expectations.deleteExpectations(rsKey);
      return done();
    }
    const needsSync = this.expectations.satisfiedExpectations(rsKey);
    let match: (labels: Record<string, string>) => boolean;
    try {
      match = labelSelectorMatcher(rs.spec?.selector ?? {});
    } catch (e) {
      // A bad selector never gets better by retrying (the API server should not have let it in).
      this.trace("invalid-selector", { rs: rsKey, error: String(e) });
      return done();
    }
    // Its own pods and the namespace's orphans, through the controller-UID index.
    const pods = filterActivePods(filterPodsByOwner(this.podInformer, rs, true));
    claimObjects<KubeObject>(
      pods,
      {
        owner: rs,
        ownerApiVersion: RS_API_VERSION,
        ownerKind: RS_KIND,
        resource: "pods",
        client: this.ctx.client,
        match: (p) => match(p.metadata.labels ?? {}),
        canAdopt: (cb) => recheckDeletionTimestamp(this.ctx.client, "replicasets", rs, cb),
        onAdopt: (p) => this.trace("adopt", { rs: rsKey, pod: p.metadata.name }),
        onRelease: (p) => this.trace("release", { rs: rsKey, pod: p.metadata.name }),
      },
      (claimErr, filtered) => {
        if (claimErr) return done(claimErr);
        const exp = this.expectations.get(rsKey);
        this.trace("sync", { rs: rsKey, replicas: rs.spec?.replicas ?? 1, pods: filtered.length, expectationsSatisfied: needsSync, pendingAdds: exp?.add ?? 0, pendingDels: exp?.del ?? 0 });
        const afterManage = (manageErr?: unknown) => {
          const status = calculateStatus(rs, filtered, manageErr, this.ctx.sim.now);
          this.updateStatus(rs, status, (err, updated) => {
            if (err) return done(err);
            const u = updated ?? rs;
            const minReady = u.spec?.minReadySeconds ?? 0;
            if (!manageErr && minReady > 0 && (u.status?.readyReplicas ?? 0) === (u.spec?.replicas ?? 1) && (u.status?.availableReplicas ?? 0) !== (u.spec?.replicas ?? 1)) {
              this.queue.addAfter(rsKey, minReady * 1000);
            }
            done(manageErr);
          });
        };
        if (needsSync && !rs.metadata.deletionTimestamp) this.manageReplicas(filtered, rs, afterManage);
        else afterManage();
      },
    );
  }

  /** Creates or deletes pods so that len(filteredPods) moves toward spec.replicas. */
  private manageReplicas(filteredPods: KubeObject[], rs: KubeObject, done: Done): void {
    const rsKey = key(rs);
    const want = rs.spec?.replicas ?? 1;
    let diff = filteredPods.length - want;
    if (diff < 0) {
      diff = Math.min(-diff, this.burstReplicas);
      // Expect the creations before making them: a watch event can arrive before the answer.
      this.expectations.expectCreations(rsKey, diff);
      this.trace("create-pods", { rs: rsKey, count: diff, have: filteredPods.length, want });
      slowStartBatch(
        diff,
        SlowStartInitialBatchSize,
        (d) =>
          this.podControl.createPod(rs, RS_API_VERSION, RS_KIND, (err, pod) => {
            if (err && hasStatusCause(err, NamespaceTerminatingCause)) return d(); // every create would fail; not an error
            if (!err) this.trace("pod-created", { rs: rsKey, pod: pod!.metadata.name });
            d(err);
          }),
        (successes, err) => {
          // The skipped (and failed) creations will never be observed: lower the expectations.
          const skipped = diff - successes;
          if (skipped > 0) this.trace("slow-start-skipped", { rs: rsKey, skipped });
          for (let i = 0; i < skipped; i++) this.expectations.creationObserved(rsKey);
          done(err);
        },
      );
      return;
    }
    if (diff > 0) {
      diff = Math.min(diff, this.burstReplicas);
      const related = this.getIndirectlyRelatedPods(rs);
      const victims = getPodsToDelete(filteredPods, related, diff, this.ctx.sim.now);
      const victimKeys = victims.map(key);
      this.expectations.expectDeletions(rsKey, victimKeys);
      this.trace("delete-pods", { rs: rsKey, count: diff, pods: victims.map((p) => p.metadata.name).join(",") });
      parallel(
        victims,
        (pod, d) =>
          this.podControl.deletePod(pod.metadata.namespace ?? "", pod.metadata.name!, rs, (err) => {
            if (err) {
              // The informer will not observe this deletion: lower the expectation ourselves.
              this.expectations.deletionObserved(rsKey, key(pod));
              if (!isNotFound(err)) return d(err);
            }
            d();
          }),
        (errs) => done(errs[0]),
      );
      return;
    }
    done();
  }

  /**
   * The pods of every ReplicaSet with the same controller as rs (the Deployment's other
   * ReplicaSets): used to rank pods by how crowded their node is.
   */
  private getIndirectlyRelatedPods(rs: KubeObject): KubeObject[] {
    const ref = getControllerOf(rs);
    if (!ref) return [];
    const ns = rs.metadata.namespace ?? "";
    const related = this.rsLister.namespace(ns).list().filter((r) => getControllerOf(r)?.uid === ref.uid);
    return related.flatMap((r) => this.podInformer.getIndexer().byIndex(POD_CONTROLLER_UID_INDEX, r.metadata.uid ?? ""));
  }

  /** updateReplicaSetStatus: PUT /status unless nothing changed; one GET + retry on failure. */
  private updateStatus(rs: KubeObject, status: ReplicaSetStatus, done: (err?: unknown, updated?: KubeObject) => void): void {
    if (!statusNeedsUpdate(rs, status)) return done(undefined, rs);
    // The generation this sync acted on, also on the retry: the fresh copy may carry a newer spec
    // that no sync has looked at yet.
    const observedGeneration = rs.metadata.generation;
    const attempt = (cur: KubeObject, retriesLeft: number) => {
      const next: KubeObject = { ...cur, status: { ...status, observedGeneration } };
      this.ctx.client.updateStatus(next, (err, updated) => {
        if (!err) {
          this.trace("status", { rs: key(cur), replicas: status.replicas, ready: status.readyReplicas, available: status.availableReplicas, observedGeneration });
          return done(undefined, updated);
        }
        if (retriesLeft <= 0) return done(err);
        this.ctx.client.get("replicasets", cur.metadata.name!, cur.metadata.namespace, (gerr, fresh) => {
          if (gerr) return done(gerr);
          attempt(fresh!, retriesLeft - 1);
        });
      });
    };
    attempt(rs, 1);
  }

  private trace(kind: string, fields: Record<string, unknown>): void {
    this.ctx.sim.trace.record(COMPONENT, kind, fields as any);
  }
}

/** The factory the controller manager calls: --controllers=replicaset. */
export const replicaSetController: ControllerFactory = (ctx) => new ReplicaSetController(ctx);

function key(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  return ka.length === kb.length && ka.every((k) => (a ?? {})[k] === (b ?? {})[k]);
}

