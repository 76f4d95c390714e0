// RollingUpdate [k/k pkg/controller/deployment/rolling.go]: each sync takes the first step
// that applies, then reports status.
//   1. scale the new RS up, as far as replicas + maxSurge pods in total allow;
//   2. else scale old RSs down, as far as replicas - maxUnavailable available pods allow
//      (unhealthy old replicas first: removing them costs no availability);
//   3. else, when the rollout is complete, delete old RSs beyond revisionHistoryLimit.
// The ReplicaSet controller makes the pods; their readiness, seen in RS status, drives the
// next step. That is why a rollout is a conversation of many small syncs.

import type { KubeObject } from "../../apiserver/registry/object";
import type { Done } from "../util/async";
import type { DeploymentController } from "./deployment-controller";
import * as U from "./util";

export function rolloutRolling(dc: DeploymentController, d: KubeObject, rsList: KubeObject[], done: Done): void {
  dc.getAllReplicaSetsAndSyncRevision(d, rsList, true, (err, newRS, oldRSs) => {
    if (err) return done(err);
    if (!newRS) return done(new Error("no new replica set"));
    const allRSs = [...oldRSs, newRS];
    reconcileNewReplicaSet(dc, allRSs, newRS, d, (e1, scaledUp, updatedNew) => {
      if (e1) return done(e1);
      const all1 = [...oldRSs, updatedNew];
      if (scaledUp) return dc.syncRolloutStatus(all1, updatedNew, d, done);
      reconcileOldReplicaSets(dc, all1, U.activeReplicaSets(oldRSs), updatedNew, d, (e2, scaledDown, olds) => {
        if (e2) return done(e2);
        const all2 = [...mergeOld(oldRSs, olds), updatedNew];
        if (scaledDown) return dc.syncRolloutStatus(all2, updatedNew, d, done);
        const finish = () => dc.syncRolloutStatus(all2, updatedNew, d, done);
        if (U.deploymentComplete(d, d.status ?? {})) return dc.cleanupDeployment(oldRSs, d, (e3) => (e3 ? done(e3) : finish()));
        finish();
      });
    });
  });
}

/** Replace the old RSs that were rewritten by their updated versions. */
function mergeOld(oldRSs: KubeObject[], updated: KubeObject[]): KubeObject[] {
  const byUID = new Map(updated.map((rs) => [rs.metadata.uid, rs]));
  return oldRSs.map((rs) => byUID.get(rs.metadata.uid) ?? rs);
}

function reconcileNewReplicaSet(dc: DeploymentController, allRSs: KubeObject[], newRS: KubeObject, d: KubeObject, done: (err: unknown, scaled: boolean, rs: KubeObject) => void): void {
  const want = U.replicasOf(d);
  if (U.replicasOf(newRS) === want) return done(undefined, false, newRS);
  // Scale down: the Deployment shrank below what the new RS already has.
  if (U.replicasOf(newRS) > want) return dc.scaleReplicaSetAndRecordEvent(newRS, want, d, done);
  dc.scaleReplicaSetAndRecordEvent(newRS, U.newRSNewReplicas(d, allRSs, newRS), d, done);
}

function reconcileOldReplicaSets(dc: DeploymentController, allRSs: KubeObject[], oldRSs: KubeObject[], newRS: KubeObject, d: KubeObject, done: (err: unknown, scaled: boolean, olds: KubeObject[]) => void): void {
  const oldPods = U.sumSpecReplicas(oldRSs);
  if (oldPods === 0) return done(undefined, false, oldRSs);
  const allPods = U.sumSpecReplicas(allRSs);
  const minAvailable = U.replicasOf(d) - U.maxUnavailable(d);
  const newRSUnavailable = U.replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvailable - newRSUnavailable;
  dc.trace("reconcile-old", { deployment: `${d.metadata.namespace}/${d.metadata.name}`, allPods, minAvailable, newRSUnavailable, maxScaledDown });
  if (maxScaledDown <= 0) return done(undefined, false, oldRSs);
  cleanupUnhealthyReplicas(dc, oldRSs, d, maxScaledDown, (e1, olds, cleaned) => {
    if (e1) return done(e1, false, olds);
    scaleDownOldReplicaSetsForRollingUpdate(dc, [...olds, newRS], olds, d, (e2, scaledDown, olds2) => {
      if (e2) return done(e2, false, olds2);
      done(undefined, cleaned + scaledDown > 0, olds2);
    });
  });
}

/** Old replicas that are not available go first: scaling them away costs no availability. */
function cleanupUnhealthyReplicas(dc: DeploymentController, oldRSs: KubeObject[], d: KubeObject, maxCleanup: number, done: (err: unknown, olds: KubeObject[], total: number) => void): void {
  const olds = oldRSs.slice().sort(U.byCreationTimestamp);
  let total = 0;
  let i = 0;
  const next = (): void => {
    if (i >= olds.length || total >= maxCleanup) return done(undefined, olds, total);
    const idx = i++;
    const rs = olds[idx];
    const unhealthy = U.replicasOf(rs) - (rs.status?.availableReplicas ?? 0);
    if (U.replicasOf(rs) === 0 || unhealthy === 0) return next();
    const count = Math.min(maxCleanup - total, unhealthy);
    // More available than wanted: the RS's status is stale (it was just scaled down and its
    // controller has not reported yet). Kubernetes refuses to go on with this picture — scaling
    // old ReplicaSets down on a stale available count would drop below minAvailable — and
    // retries the sync later, when the status is fresh.
    if (count < 0) return done(new Error(`when cleaning up unhealthy replicas, got invalid request to scale down ${rs.metadata.namespace}/${rs.metadata.name} ${U.replicasOf(rs)} -> ${U.replicasOf(rs) - count}`), olds, total);
    dc.scaleReplicaSetAndRecordEvent(rs, U.replicasOf(rs) - count, d, (err, _scaled, updated) => {
      if (err) return done(err, olds, total);
      total += count;
      olds[idx] = updated;
      next();
    });
  };
  next();
}

/** Scale old RSs down (oldest first) while more than replicas - maxUnavailable pods are available. */
function scaleDownOldReplicaSetsForRollingUpdate(dc: DeploymentController, allRSs: KubeObject[], oldRSs: KubeObject[], d: KubeObject, done: (err: unknown, total: number, olds: KubeObject[]) => void): void {
  const minAvailable = U.replicasOf(d) - U.maxUnavailable(d);
  const available = U.sumStatus(allRSs, "availableReplicas");
  if (available <= minAvailable) return done(undefined, 0, oldRSs);
  const olds = oldRSs.slice().sort(U.byCreationTimestamp);
  const target = available - minAvailable;
  let total = 0;
  let i = 0;
  const next = (): void => {
    if (i >= olds.length || total >= target) return done(undefined, total, olds);
    const idx = i++;
    const rs = olds[idx];
    if (U.replicasOf(rs) === 0) return next();
    const count = Math.min(U.replicasOf(rs), target - total);
    dc.scaleReplicaSetAndRecordEvent(rs, U.replicasOf(rs) - count, d, (err, _scaled, updated) => {
      if (err) return done(err, total, olds);
      total += count;
      olds[idx] = updated;
      next();
    });
  };
  next();
}
