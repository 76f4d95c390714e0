// Recreate [k/k pkg/controller/deployment/recreate.go]: all old pods go before any new pod
// starts (for apps that cannot run two versions side by side). Downtime is the price.
//   1. scale every old RS to 0;
//   2. wait until no old pod is left (terminating ones included);
//   3. create the new RS if needed and scale it to spec.replicas.

import type { KubeObject } from "../../apiserver/registry/object";
import { series } from "../util/async";
import type { Done } from "../util/async";
import type { DeploymentController } from "./deployment-controller";
import * as U from "./util";

export function rolloutRecreate(dc: DeploymentController, d: KubeObject, rsList: KubeObject[], podMap: Map<string, KubeObject[]>, done: Done): void {
  dc.getAllReplicaSetsAndSyncRevision(d, rsList, false, (err, newRS, oldRSs) => {
    if (err) return done(err);
    let scaledDown = false;
    series(
      U.activeReplicaSets(oldRSs),
      (rs, next) =>
        dc.scaleReplicaSetAndRecordEvent(rs, 0, d, (e, scaled) => {
          if (scaled) scaledDown = true;
          next(e);
        }),
      (e1) => {
        if (e1) return done(e1);
        if (scaledDown) return dc.syncRolloutStatus([...oldRSs, newRS], newRS, d, done);
        if (oldPodsRunning(newRS, oldRSs, podMap)) {
          dc.trace("recreate-waiting", { deployment: `${d.metadata.namespace}/${d.metadata.name}` });
          return dc.syncRolloutStatus([...oldRSs, newRS], newRS, d, done);
        }
        const scaleUp = (rs: KubeObject, olds: KubeObject[]) =>
          dc.scaleReplicaSetAndRecordEvent(rs, U.replicasOf(d), d, (e2, _s, updated) => {
            if (e2) return done(e2);
            const finish = () => dc.syncRolloutStatus([...olds, updated], updated, d, done);
            if (U.deploymentComplete(d, d.status ?? {})) return dc.cleanupDeployment(olds, d, (e3) => (e3 ? done(e3) : finish()));
            finish();
          });
        if (newRS) return scaleUp(newRS, oldRSs);
        dc.getAllReplicaSetsAndSyncRevision(d, rsList, true, (e4, created, olds) => {
          if (e4) return done(e4);
          scaleUp(created!, olds);
        });
      },
    );
  });
}

/** Any old RS still reporting pods, or any non-terminal pod owned by an old RS. */
function oldPodsRunning(newRS: KubeObject | undefined, oldRSs: KubeObject[], podMap: Map<string, KubeObject[]>): boolean {
  if (U.sumStatus(oldRSs, "replicas") > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata.uid === uid) continue;
    for (const p of pods) {
      const phase = p.status?.phase;
      if (phase === "Failed" || phase === "Succeeded") continue;
      return true;
    }
  }
  return false;
}
