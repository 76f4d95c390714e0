// `kubectl rollout undo` [kubectl@1.32 pkg/polymorphichelpers/rollback.go DeploymentRollbacker].
// Since apps/v1 there is no rollback API: kubectl finds the ReplicaSet of the wanted revision
// and patches the Deployment's template (and annotations) back to that RS's. The controller then
// sees an ordinary template change; because the template equals an existing RS's, that RS
// becomes the new one again and takes the next revision number (its old number moves to
// deployment.kubernetes.io/revision-history).

import type { KubeObject } from "../../apiserver/registry/object";
import type { KubeCallback, KubeClient } from "../../client/kube-client";
import { getControllerOf } from "../util/controller-ref";
import { annotationsToSkip, DefaultDeploymentUniqueLabelKey, equalIgnoreHash, revision } from "./util";

export interface RollbackPatch {
  /** JSON patch (RFC 6902), as kubectl sends it. */
  type: "json";
  patch: { op: "replace" | "add"; path: string; value: unknown }[];
}

export type RollbackResult = { skipped: string } | RollbackPatch;

/**
 * The patch `kubectl rollout undo deployment/x [--to-revision=N]` sends, from the Deployment and
 * its ReplicaSets. toRevision 0 = the previous revision. Throws kubectl's errors.
 */
export function rollbackTo(deployment: KubeObject, replicaSets: KubeObject[], toRevision = 0): RollbackResult {
  if (toRevision < 0) throw new Error(`unable to find specified revision ${toRevision} in history`);
  const owned = replicaSets.filter((rs) => getControllerOf(rs)?.uid === deployment.metadata.uid);
  const rs = findRevision(deployment, owned, toRevision);
  if (deployment.spec?.paused === true) throw new Error("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again");
  if (equalIgnoreHash(rs.spec?.template, deployment.spec?.template)) return { skipped: `skipped rollback (current template already matches revision ${toRevision})` };
  const template = JSON.parse(JSON.stringify(rs.spec.template));
  if (template.metadata?.labels) delete template.metadata.labels[DefaultDeploymentUniqueLabelKey];
  // The Deployment keeps its own bookkeeping annotations and takes the RS's others.
  const annotations: Record<string, string> = {};
  const dAnn = (deployment.metadata.annotations ?? {}) as Record<string, string>;
  for (const k of annotationsToSkip) if (dAnn[k] !== undefined) annotations[k] = dAnn[k];
  for (const [k, v] of Object.entries((rs.metadata.annotations ?? {}) as Record<string, string>)) if (!annotationsToSkip.has(k)) annotations[k] = v;
  return {
    type: "json",
    patch: [
      { op: "replace", path: "/spec/template", value: template },
      // kubectl always says "replace": on a real cluster the controller has set the revision
      // annotation. "add" does the same where the member exists, and also where it does not.
      { op: deployment.metadata.annotations ? "replace" : "add", path: "/metadata/annotations", value: annotations },
    ],
  };
}

function findRevision(d: KubeObject, rsList: KubeObject[], toRevision: number): KubeObject {
  let maxRev = -1;
  let prevRev = -1;
  let latest: KubeObject | undefined;
  let previous: KubeObject | undefined;
  for (const rs of rsList) {
    const v = revision(rs);
    if (isNaN(v)) continue;
    if (toRevision === 0) {
      if (!latest || v > maxRev) {
        previous = latest;
        prevRev = maxRev;
        latest = rs;
        maxRev = v;
      } else if (!previous || v > prevRev) {
        previous = rs;
        prevRev = v;
      }
    } else if (v === toRevision) return rs;
  }
  if (toRevision > 0) throw new Error(`unable to find specified revision ${toRevision} in history`);
  if (!previous) throw new Error(`no rollout history found for deployment "${d.metadata.name}"`);
  return previous;
}

/**
 * The whole `kubectl rollout undo`: GET the Deployment, list its ReplicaSets, PATCH. Answers
 * "deployment.apps/x rolled back" or the skip message, as kubectl prints them.
 */
export function rolloutUndo(client: KubeClient, namespace: string, name: string, toRevision: number, cb: KubeCallback<string>): void {
  client.get("deployments", name, namespace, (err, d) => {
    if (err) return cb(err);
    client.list("replicasets", namespace, {}, (lerr, list) => {
      if (lerr) return cb(lerr);
      let result: RollbackResult;
      try {
        result = rollbackTo(d!, list!.items, toRevision);
      } catch (e) {
        return cb(e as any);
      }
      if ("skipped" in result) return cb(undefined, `deployment.apps/${name} ${result.skipped}`);
      client.patch("deployments", name, namespace, "json", result.patch, (perr) => {
        if (perr) return cb(new Error(`failed restoring revision ${toRevision}: ${perr.message}`) as any);
        cb(undefined, `deployment.apps/${name} rolled back`);
      });
    });
  });
}
