// The Deployment controller [k/k pkg/controller/deployment/deployment_controller.go, sync.go,
// progress.go]: rolls a Deployment's pod template out through ReplicaSets.
//
// A Deployment owns ReplicaSets, one per template it has had ("<deploy>-<pod-template-hash>").
// Each sync: claim the ReplicaSets, then either
//   - the Deployment is paused, or its replicas changed (a "scaling event"): resize the
//     ReplicaSets proportionally and clean up (sync);
//   - else roll out by the strategy: RollingUpdate (rolling.ts) or Recreate (recreate.ts);
// and write status and conditions. The ReplicaSet controller does the pods.

import type { KubeObject } from "../../apiserver/registry/object";
import { clone, parseTimestamp } from "../../apiserver/registry/object";
import { DeletedFinalStateUnknown, labelSelectorMatcher, splitMetaNamespaceKey } from "../../client/lister";
import type { Lister } from "../../client/lister";
import type { SharedIndexInformer } from "../../client/informer";
import type { EventRecorder } from "../../client/events";
import { RateLimitingQueue, runWorkers } from "../../client/workqueue";
import type { Workers } from "../../client/workqueue";
import type { Controller, ControllerContext, ControllerFactory } from "../controller";
import { waitForCacheSync } from "../controller";
import { claimObjects, getControllerOf, isNotFound, newControllerRef, recheckDeletionTimestamp, semanticEqual } from "../util/controller-ref";
import { series } from "../util/async";
import { hasStatusCause, NamespaceTerminatingCause } from "../util/errors";
import { addPodControllerUIDIndexer, POD_CONTROLLER_UID_INDEX } from "../util/pod-index";
import type { Done } from "../util/async";
import * as U from "./util";
import { rolloutRolling } from "./rolling";
import { rolloutRecreate } from "./recreate";

export const COMPONENT = "deployment-controller";
const D_API_VERSION = "apps/v1";
const D_KIND = "Deployment";

/** Deployment keys are dropped after this many failed syncs in a row (k/k maxRetries). */
export const MaxRetries = 15;

export type RSCallback = (err: unknown, newRS: KubeObject | undefined, oldRSs: KubeObject[]) => void;

export class DeploymentController implements Controller {
  readonly name = "deployment";
  readonly queue: RateLimitingQueue<string>;
  readonly recorder: EventRecorder;
  private readonly dInformer: SharedIndexInformer<KubeObject>;
  private readonly rsInformer: SharedIndexInformer<KubeObject>;
  private readonly podInformer: SharedIndexInformer<KubeObject>;
  readonly dLister: Lister<KubeObject>;
  readonly rsLister: Lister<KubeObject>;
  readonly podLister: Lister<KubeObject>;
  private workers: Workers | undefined;
  private cancelSync: (() => void) | undefined;

  constructor(readonly ctx: ControllerContext, private readonly workerCount = 5) {
    this.queue = new RateLimitingQueue<string>(ctx.sim, undefined, { name: "deployment" });
    this.recorder = ctx.recorder(COMPONENT);
    this.dInformer = ctx.informers.informerFor<KubeObject>("deployments");
    this.rsInformer = ctx.informers.informerFor<KubeObject>("replicasets");
    this.podInformer = ctx.informers.informerFor<KubeObject>("pods");
    this.dLister = this.dInformer.lister();
    this.rsLister = this.rsInformer.lister();
    this.podLister = this.podInformer.lister();
    addPodControllerUIDIndexer(this.podInformer);

    this.dInformer.addEventHandler({
      onAdd: (d) => this.enqueue(d),
      onUpdate: (_old, cur) => this.enqueue(cur),
      onDelete: (obj) => this.enqueue(obj instanceof DeletedFinalStateUnknown ? (obj.obj as KubeObject) : obj),
    });
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.addReplicaSet(rs),
      onUpdate: (old, cur) => this.updateReplicaSet(old, cur),
      onDelete: (obj) => this.deleteReplicaSet(obj instanceof DeletedFinalStateUnknown ? (obj.obj as KubeObject) : obj),
    });
    this.podInformer.addEventHandler({
      onDelete: (obj) => this.deletePod(obj instanceof DeletedFinalStateUnknown ? (obj.obj as KubeObject) : obj),
    });
  }

  start(): void {
    this.trace("start", { workers: this.workerCount });
    this.cancelSync = waitForCacheSync(this.ctx.sim, [() => this.dInformer.hasSynced(), () => this.rsInformer.hasSynced(), () => this.podInformer.hasSynced()], () => {
      this.workers = runWorkers(this.queue, this.workerCount, (k, done) => this.syncDeployment(k, done), { maxRetries: MaxRetries });
    });
  }

  stop(): void {
    this.cancelSync?.();
    this.workers?.stop();
    this.queue.shutDown();
  }

  // ---- event handlers ----

  enqueue(d: KubeObject): void {
    this.queue.add(key(d));
  }

  private resolveControllerRef(namespace: string, ref: { kind: string; name: string; uid: string }): KubeObject | undefined {
    if (ref.kind !== D_KIND) return undefined;
    const d = this.dLister.namespace(namespace).get(ref.name);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  /** Deployments of the namespace whose selector matches the (orphan) ReplicaSet. */
  private deploymentsForReplicaSet(rs: KubeObject): KubeObject[] {
    return this.dLister.namespace(rs.metadata.namespace ?? "").list().filter((d) => {
      const sel = d.spec?.selector;
      if (!sel || semanticEqual(sel, {})) return false;
      try {
        return labelSelectorMatcher(sel)(rs.metadata.labels ?? {});
      } catch {
        return false;
      }
    });
  }

  private addReplicaSet(rs: KubeObject): void {
    if (rs.metadata.deletionTimestamp) return this.deleteReplicaSet(rs);
    const ref = getControllerOf(rs);
    if (ref) {
      const d = this.resolveControllerRef(rs.metadata.namespace ?? "", ref);
      if (d) this.enqueue(d);
      return;
    }
    for (const d of this.deploymentsForReplicaSet(rs)) this.enqueue(d);
  }

  private updateReplicaSet(old: KubeObject, cur: KubeObject): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = curRef?.uid !== oldRef?.uid;
    if (refChanged && oldRef) {
      const d = this.resolveControllerRef(old.metadata.namespace ?? "", oldRef);
      if (d) this.enqueue(d);
    }
    if (curRef) {
      const d = this.resolveControllerRef(cur.metadata.namespace ?? "", curRef);
      if (d) this.enqueue(d);
      return;
    }
    if (refChanged || !semanticEqual(old.metadata.labels, cur.metadata.labels)) for (const d of this.deploymentsForReplicaSet(cur)) this.enqueue(d);
  }

  private deleteReplicaSet(rs: KubeObject): void {
    const ref = getControllerOf(rs);
    if (!ref) return;
    const d = this.resolveControllerRef(rs.metadata.namespace ?? "", ref);
    if (d) this.enqueue(d);
  }

  /** Recreate waits for old pods to be gone: a pod deletion may be what it waits for. */
  private deletePod(pod: KubeObject): void {
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== "ReplicaSet") return;
    const rs = this.rsLister.namespace(pod.metadata.namespace ?? "").get(ref.name);
    if (!rs || rs.metadata.uid !== ref.uid) return;
    const dref = getControllerOf(rs);
    const d = dref && this.resolveControllerRef(rs.metadata.namespace ?? "", dref);
    if (d && d.spec?.strategy?.type === "Recreate") this.enqueue(d);
  }

  // ---- sync ----

  syncDeployment(dKey: string, done: Done): void {
    const { namespace, name } = splitMetaNamespaceKey(dKey);
    const cached = this.dLister.namespace(namespace).get(name);
    if (!cached) {
      this.trace("deleted", { deployment: dKey });
      return done();
    }
    // Work on a copy: the cache is shared and read-only.
    const d = clone(cached);
    if (semanticEqual(d.spec?.selector, {})) {
      this.recorder.event(d, "Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        d.status = { ...(d.status ?? {}), observedGeneration: d.metadata.generation };
        return this.updateStatus(d, done);
      }
      return done();
    }
    this.trace("sync", { deployment: dKey, generation: d.metadata.generation, replicas: U.replicasOf(d), paused: !!d.spec?.paused, strategy: d.spec?.strategy?.type });
    this.getReplicaSetsForDeployment(d, (err, rsList) => {
      if (err) return done(err);
      const podMap = this.getPodMapForDeployment(d, rsList);
      if (d.metadata.deletionTimestamp) return this.syncStatusOnly(d, rsList, done);
      this.checkPausedConditions(d, (perr) => {
        if (perr) return done(perr);
        if (d.spec?.paused === true) return this.sync(d, rsList, done);
        this.isScalingEvent(d, rsList, (serr, scaling) => {
          if (serr) return done(serr);
          if (scaling) return this.sync(d, rsList, done);
          if (d.spec?.strategy?.type === "Recreate") return rolloutRecreate(this, d, rsList, podMap, done);
          rolloutRolling(this, d, rsList, done);
        });
      });
    });
  }

  /** Claims ReplicaSets: adopts matching orphans, releases owned ones that stopped matching. */
  private getReplicaSetsForDeployment(d: KubeObject, done: (err: unknown, rsList: KubeObject[]) => void): void {
    const match = labelSelectorMatcher(d.spec.selector);
    const all = this.rsLister.namespace(d.metadata.namespace ?? "").list();
    claimObjects<KubeObject>(
      all,
      {
        owner: d,
        ownerApiVersion: D_API_VERSION,
        ownerKind: D_KIND,
        resource: "replicasets",
        client: this.ctx.client,
        match: (rs) => match(rs.metadata.labels ?? {}),
        canAdopt: (cb) => recheckDeletionTimestamp(this.ctx.client, "deployments", d, cb),
        onAdopt: (rs) => this.trace("adopt", { deployment: key(d), rs: rs.metadata.name }),
        onRelease: (rs) => this.trace("release", { deployment: key(d), rs: rs.metadata.name }),
      },
      (err, claimed) => done(err, claimed.map((rs) => clone(rs))),
    );
  }

  /** Pods of the Deployment grouped by the UID of the ReplicaSet that controls them. */
  private getPodMapForDeployment(d: KubeObject, rsList: KubeObject[]): Map<string, KubeObject[]> {
    const map = new Map<string, KubeObject[]>();
    for (const rs of rsList) map.set(rs.metadata.uid!, []);
    // The real controller lists the namespace's pods by the Deployment's selector and keeps those
    // whose controller is one of its ReplicaSets; reading each ReplicaSet's pods from the
    // controller-UID index gives the same map without visiting every pod of the namespace.
    const matches = labelSelectorMatcher(d.spec.selector);
    const ns = d.metadata.namespace ?? "";
    for (const rs of rsList) {
      const pods = map.get(rs.metadata.uid!)!;
      for (const pod of this.podInformer.getIndexer().byIndex(POD_CONTROLLER_UID_INDEX, rs.metadata.uid!)) {
        if (pod.metadata.namespace === ns && matches(pod.metadata.labels ?? {})) pods.push(pod);
      }
    }
    return map;
  }

  /** Paused / resumed shows as Progressing Unknown with reason DeploymentPaused / DeploymentResumed. */
  private checkPausedConditions(d: KubeObject, done: Done): void {
    if (!U.hasProgressDeadline(d)) return done();
    const cond = U.getCondition(d.status, "Progressing");
    if (cond && cond.reason === U.TimedOutReason) return done();
    const pausedCondExists = !!cond && cond.reason === U.PausedDeployReason;
    d.status = d.status ?? {};
    const now = this.ctx.sim.now;
    if (d.spec?.paused === true && !pausedCondExists) U.setCondition(d.status, U.newCondition("Progressing", "Unknown", U.PausedDeployReason, "Deployment is paused", now));
    else if (d.spec?.paused !== true && pausedCondExists) U.setCondition(d.status, U.newCondition("Progressing", "Unknown", U.ResumedDeployReason, "Deployment is resumed", now));
    else return done();
    this.updateStatus(d, done);
  }

  /** A scaling event: some active ReplicaSet was sized for another spec.replicas. */
  private isScalingEvent(d: KubeObject, rsList: KubeObject[], done: (err: unknown, scaling?: boolean) => void): void {
    this.getAllReplicaSetsAndSyncRevision(d, rsList, false, (err, newRS, oldRSs) => {
      if (err) return done(err);
      for (const rs of U.activeReplicaSets([...oldRSs, newRS])) {
        const desired = U.getDesiredReplicasAnnotation(rs);
        if (desired === undefined) continue;
        if (desired !== U.replicasOf(d)) return done(undefined, true);
      }
      done(undefined, false);
    });
  }

  /** sync: for paused Deployments and scaling events: resize, clean up (if paused), status. */
  sync(d: KubeObject, rsList: KubeObject[], done: Done): void {
    this.getAllReplicaSetsAndSyncRevision(d, rsList, false, (err, newRS, oldRSs) => {
      if (err) return done(err);
      this.scale(d, newRS, oldRSs, (serr) => {
        if (serr) return done(serr);
        const finish = () => this.syncDeploymentStatus([...oldRSs, newRS], newRS, d, done);
        if (d.spec?.paused === true) return this.cleanupDeployment(oldRSs, d, (cerr) => (cerr ? done(cerr) : finish()));
        finish();
      });
    });
  }

  private syncStatusOnly(d: KubeObject, rsList: KubeObject[], done: Done): void {
    this.getAllReplicaSetsAndSyncRevision(d, rsList, false, (err, newRS, oldRSs) => {
      if (err) return done(err);
      this.syncDeploymentStatus([...oldRSs, newRS], newRS, d, done);
    });
  }

  /** The new RS (created if asked and missing) with its revision synced, and the old ones. */
  getAllReplicaSetsAndSyncRevision(d: KubeObject, rsList: KubeObject[], createIfNotExisted: boolean, done: RSCallback): void {
    const oldRSs = U.findOldReplicaSets(d, rsList);
    this.getNewReplicaSet(d, rsList, oldRSs, createIfNotExisted, (err, newRS) => done(err, newRS, oldRSs));
  }

  private getNewReplicaSet(d: KubeObject, rsList: KubeObject[], oldRSs: KubeObject[], create: boolean, done: (err: unknown, rs?: KubeObject) => void): void {
    const existing = U.findNewReplicaSet(d, rsList);
    const newRevision = String(U.maxRevision(oldRSs) + 1);
    const now = this.ctx.sim.now;
    if (existing) {
      const rsCopy = clone(existing);
      const annotationsUpdated = U.setNewReplicaSetAnnotations(d, rsCopy, newRevision, true);
      const minReadyNeedsUpdate = (rsCopy.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
      if (annotationsUpdated || minReadyNeedsUpdate) {
        rsCopy.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
        return this.ctx.client.update(rsCopy, (err, updated) => done(err, updated));
      }
      // Keep the Deployment's revision annotation and its Progressing condition in step.
      let needsUpdate = this.setDeploymentRevision(d, rsCopy.metadata.annotations?.[U.RevisionAnnotation]);
      if (U.hasProgressDeadline(d) && !U.getCondition(d.status, "Progressing")) {
        d.status = d.status ?? {};
        U.setCondition(d.status, U.newCondition("Progressing", "True", U.FoundNewRSReason, `Found new replica set "${rsCopy.metadata.name}"`, now));
        needsUpdate = true;
      }
      if (!needsUpdate) return done(undefined, rsCopy);
      return this.updateStatus(d, (serr) => done(serr, rsCopy));
    }
    if (!create) return done(undefined, undefined);
    // A new ReplicaSet: the template plus pod-template-hash, in labels and selector.
    const template = clone(d.spec.template);
    const hash = U.computeHash(template, d.status?.collisionCount);
    template.metadata = template.metadata ?? {};
    template.metadata.labels = { ...(template.metadata.labels ?? {}), [U.DefaultDeploymentUniqueLabelKey]: hash };
    const selector = clone(d.spec.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [U.DefaultDeploymentUniqueLabelKey]: hash };
    const newRS: KubeObject = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        ownerReferences: [newControllerRef(d, D_API_VERSION, D_KIND)],
        labels: { ...template.metadata.labels },
      },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    const count = U.newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    newRS.spec.replicas = count;
    U.setNewReplicaSetAnnotations(d, newRS, newRevision, false);
    this.ctx.client.create(newRS, (err, created) => {
      if (err) {
        if ((err as { reason?: string }).reason === "AlreadyExists") return this.onAlreadyExists(d, newRS, done);
        // The namespace is terminating: every create will fail, nothing worth a condition or event.
        if (hasStatusCause(err, NamespaceTerminatingCause)) return done(err);
        const msg = `Failed to create new replica set "${newRS.metadata.name}": ${(err as Error).message}`;
        this.recorder.event(d, "Warning", U.FailedRSCreateReason, msg);
        if (U.hasProgressDeadline(d)) {
          d.status = d.status ?? {};
          U.setCondition(d.status, U.newCondition("Progressing", "False", U.FailedRSCreateReason, msg, now));
          return this.updateStatus(d, () => done(err));
        }
        return done(err);
      }
      this.trace("rs-created", { deployment: key(d), rs: created!.metadata.name, replicas: count, revision: newRevision });
      if (count > 0) this.recorder.event(d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${created!.metadata.name} from 0 to ${count}`);
      let needsUpdate = this.setDeploymentRevision(d, newRevision);
      if (U.hasProgressDeadline(d)) {
        d.status = d.status ?? {};
        U.setCondition(d.status, U.newCondition("Progressing", "True", U.NewReplicaSetReason, `Created new replica set "${created!.metadata.name}"`, now));
        needsUpdate = true;
      }
      if (!needsUpdate) return done(undefined, created);
      this.updateStatus(d, (serr) => done(serr, created));
    });
  }

  /** Our own RS (the cache was behind), or a hash collision: bump collisionCount and retry. */
  private onAlreadyExists(d: KubeObject, newRS: KubeObject, done: (err: unknown, rs?: KubeObject) => void): void {
    const rs = this.rsLister.namespace(d.metadata.namespace ?? "").get(newRS.metadata.name!);
    if (rs && getControllerOf(rs)?.uid === d.metadata.uid && U.equalIgnoreHash(d.spec.template, rs.spec?.template)) return done(undefined, clone(rs));
    d.status = d.status ?? {};
    d.status.collisionCount = (d.status.collisionCount ?? 0) + 1;
    this.trace("hash-collision", { deployment: key(d), rs: newRS.metadata.name, collisionCount: d.status.collisionCount });
    this.updateStatus(d, () => done(new Error(`replicasets.apps "${newRS.metadata.name}" already exists`)));
  }

  /**
   * SetDeploymentRevision: the Deployment's revision annotation mirrors its new RS. It is sent
   * with UpdateStatus: the Deployment status strategy takes annotations from the request and
   * does not bump generation (a main-resource write would: Deployments bump generation on
   * annotation changes).
   */
  private setDeploymentRevision(d: KubeObject, rev: string | undefined): boolean {
    if (rev === undefined || d.metadata.annotations?.[U.RevisionAnnotation] === rev) return false;
    d.metadata.annotations = { ...(d.metadata.annotations ?? {}), [U.RevisionAnnotation]: rev };
    return true;
  }

  /**
   * scale: a paused Deployment or a resize. One active RS (or none): it gets spec.replicas.
   * Saturated new RS: old ones go to 0. Otherwise (RollingUpdate) the difference is spread over
   * the active ReplicaSets in proportion to their size, leftovers to the largest.
   */
  private scale(d: KubeObject, newRS: KubeObject | undefined, oldRSs: KubeObject[], done: Done): void {
    const activeOrLatest = U.findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (U.replicasOf(activeOrLatest) === U.replicasOf(d)) return done();
      return this.scaleReplicaSetAndRecordEvent(activeOrLatest, U.replicasOf(d), d, (err) => done(err));
    }
    if (U.isSaturated(d, newRS)) {
      return series(U.activeReplicaSets(oldRSs), (old, next) => this.scaleReplicaSetAndRecordEvent(old, 0, d, (err) => next(err)), done);
    }
    if (!U.isRollingUpdate(d)) return done();
    const all = U.activeReplicaSets([...oldRSs, newRS]);
    const allowed = U.replicasOf(d) > 0 ? U.replicasOf(d) + U.maxSurge(d) : 0;
    const toAdd = allowed - U.sumSpecReplicas(all);
    let op = "";
    if (toAdd > 0) {
      // Larger first; same size: newer first when growing.
      all.sort((a, b) => U.replicasOf(b) - U.replicasOf(a) || U.byCreationTimestamp(b, a));
      op = "up";
    } else if (toAdd < 0) {
      // Larger first; same size: older first when shrinking.
      all.sort((a, b) => U.replicasOf(b) - U.replicasOf(a) || U.byCreationTimestamp(a, b));
      op = "down";
    }
    let added = 0;
    const sizes = new Map<string, number>();
    for (const rs of all) {
      if (toAdd !== 0) {
        const p = U.getProportion(rs, d, toAdd, added);
        sizes.set(rs.metadata.name!, U.replicasOf(rs) + p);
        added += p;
      } else sizes.set(rs.metadata.name!, U.replicasOf(rs));
    }
    if (all.length > 0 && toAdd !== 0) {
      const first = all[0].metadata.name!;
      sizes.set(first, Math.max(0, sizes.get(first)! + toAdd - added));
    }
    this.trace("proportional-scale", { deployment: key(d), toAdd, sizes: all.map((rs) => `${rs.metadata.name}=${sizes.get(rs.metadata.name!)}`).join(",") });
    series(all, (rs, next) => this.scaleReplicaSet(rs, sizes.get(rs.metadata.name!)!, d, op, (err) => next(err)), done);
  }

  /** scaleReplicaSetAndRecordEvent: no-op if already that size. */
  scaleReplicaSetAndRecordEvent(rs: KubeObject, newScale: number, d: KubeObject, done: (err: unknown, scaled: boolean, rs: KubeObject) => void): void {
    if (U.replicasOf(rs) === newScale) return done(undefined, false, rs);
    this.scaleReplicaSet(rs, newScale, d, U.replicasOf(rs) < newScale ? "up" : "down", done);
  }

  /**
   * Writes the RS's spec.replicas and its desired/max-replicas annotations (PUT with the cached
   * resourceVersion: a stale cache gets 409 and the sync is retried). Event ScalingReplicaSet
   * "Scaled up replica set X from A to B".
   */
  scaleReplicaSet(rs: KubeObject, newScale: number, d: KubeObject, op: string, done: (err: unknown, scaled: boolean, rs: KubeObject) => void): void {
    const sizeNeedsUpdate = U.replicasOf(rs) !== newScale;
    const desired = U.replicasOf(d);
    const max = desired + U.maxSurge(d);
    if (!sizeNeedsUpdate && !U.replicasAnnotationsNeedUpdate(rs, desired, max)) return done(undefined, false, rs);
    const oldScale = U.replicasOf(rs);
    const copy = clone(rs);
    copy.spec.replicas = newScale;
    U.setReplicasAnnotations(copy, desired, max);
    this.ctx.client.update(copy, (err, updated) => {
      if (err) return done(err, false, rs);
      if (sizeNeedsUpdate) {
        this.trace("scale", { deployment: key(d), rs: rs.metadata.name, from: oldScale, to: newScale });
        this.recorder.event(d, "Normal", "ScalingReplicaSet", `Scaled ${op} replica set ${rs.metadata.name} from ${oldScale} to ${newScale}`);
      }
      done(undefined, sizeNeedsUpdate, updated!);
    });
  }

  /** Deletes the oldest zero-sized old ReplicaSets beyond revisionHistoryLimit. */
  cleanupDeployment(oldRSs: KubeObject[], d: KubeObject, done: Done): void {
    const limit = d.spec?.revisionHistoryLimit;
    if (limit === undefined || limit === null) return done();
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return done();
    cleanable.sort(U.byRevision);
    const victims = cleanable
      .slice(0, diff)
      .filter((rs) => (rs.status?.replicas ?? 0) === 0 && U.replicasOf(rs) === 0 && (rs.metadata.generation ?? 0) <= (rs.status?.observedGeneration ?? 0));
    series(
      victims,
      (rs, next) =>
        this.ctx.client.delete("replicasets", rs.metadata.name!, rs.metadata.namespace, {}, (err) => {
          if (err && !isNotFound(err)) return next(err);
          this.trace("cleanup", { deployment: key(d), rs: rs.metadata.name, revision: U.revision(rs) });
          next();
        }),
      done,
    );
  }

  /** syncDeploymentStatus: write the calculated status if it changed. */
  syncDeploymentStatus(allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined, d: KubeObject, done: Done): void {
    const next = U.calculateStatus(allRSs, newRS, d, this.ctx.sim.now);
    if (semanticEqual(d.status, next)) return done();
    d.status = next;
    this.updateStatus(d, done);
  }

  /**
   * syncRolloutStatus (progress.go): status plus the Progressing condition: NewReplicaSetAvailable
   * when complete, ReplicaSetUpdated on any progress, ProgressDeadlineExceeded when none came
   * within progressDeadlineSeconds. A stuck rollout is re-checked when its deadline falls due.
   */
  syncRolloutStatus(allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined, d: KubeObject, done: Done): void {
    const now = this.ctx.sim.now;
    const s = U.calculateStatus(allRSs, newRS, d, now);
    if (!U.hasProgressDeadline(d)) U.removeCondition(s, "Progressing");
    const currentCond = U.getCondition(d.status, "Progressing");
    const isComplete = s.replicas === s.updatedReplicas && currentCond?.reason === U.NewRSAvailableReason;
    if (U.hasProgressDeadline(d) && !isComplete) {
      const rsName = newRS?.metadata.name;
      if (U.deploymentComplete(d, s)) {
        const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${d.metadata.name}" has successfully progressed.`;
        U.setCondition(s, U.newCondition("Progressing", "True", U.NewRSAvailableReason, msg, now));
      } else if (U.deploymentProgressing(d, s)) {
        const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata.name}" is progressing.`;
        const cond = U.newCondition("Progressing", "True", U.ReplicaSetUpdatedReason, msg, now);
        // Same reason again must still move lastUpdateTime: replace rather than set.
        if (currentCond) {
          if (currentCond.status === "True") cond.lastTransitionTime = currentCond.lastTransitionTime;
          U.removeCondition(s, "Progressing");
        }
        U.setCondition(s, cond);
      } else if (U.deploymentTimedOut(d, s, now)) {
        const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata.name}" has timed out progressing.`;
        U.setCondition(s, U.newCondition("Progressing", "False", U.TimedOutReason, msg, now));
        this.trace("progress-deadline-exceeded", { deployment: key(d) });
      }
    }
    const failure = this.getReplicaFailure(allRSs, newRS);
    if (failure) U.setCondition(s, failure);
    else U.removeCondition(s, "ReplicaFailure");
    if (semanticEqual(d.status, s)) {
      this.requeueStuckDeployment(d, s);
      return done();
    }
    d.status = s;
    this.updateStatus(d, done);
  }

  /** A ReplicaFailure condition of the new RS (else of any RS) surfaces on the Deployment. */
  private getReplicaFailure(allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined): U.DeploymentCondition | undefined {
    const from = (rs: KubeObject | undefined) => (rs?.status?.conditions ?? []).find((c: any) => c.type === "ReplicaFailure");
    const cond = from(newRS) ?? allRSs.map(from).find((c) => c);
    if (!cond) return undefined;
    return { type: "ReplicaFailure", status: cond.status, reason: cond.reason, message: cond.message, lastUpdateTime: cond.lastTransitionTime, lastTransitionTime: cond.lastTransitionTime };
  }

  /** Re-check a rollout that is neither complete nor timed out when its deadline falls due. */
  private requeueStuckDeployment(d: KubeObject, s: any): void {
    const cond = U.getCondition(s, "Progressing");
    if (!U.hasProgressDeadline(d) || !cond || U.deploymentComplete(d, s) || cond.reason === U.TimedOutReason) return;
    const due = parseTimestamp(cond.lastUpdateTime) + d.spec.progressDeadlineSeconds * 1000;
    const after = due - this.ctx.sim.now;
    if (after < 1000) this.queue.addRateLimited(key(d));
    else this.queue.addAfter(key(d), after + 1000);
  }

  /** UpdateStatus; the copy d keeps the new resourceVersion for the next write of this sync. */
  updateStatus(d: KubeObject, done: Done): void {
    this.ctx.client.updateStatus(d, (err, updated) => {
      if (err) return done(err);
      d.metadata.resourceVersion = updated!.metadata.resourceVersion;
      this.trace("status", {
        deployment: key(d),
        replicas: d.status?.replicas ?? 0,
        updated: d.status?.updatedReplicas ?? 0,
        ready: d.status?.readyReplicas ?? 0,
        available: d.status?.availableReplicas ?? 0,
        progressing: U.getCondition(d.status, "Progressing")?.reason,
      });
      done();
    });
  }

  trace(kind: string, fields: Record<string, unknown>): void {
    this.ctx.sim.trace.record(COMPONENT, kind, fields);
  }
}

/** The factory the controller manager calls: --controllers=deployment. */
export const deploymentController: ControllerFactory = (ctx) => new DeploymentController(ctx);

export function key(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}
