// The ReplicaSet's status, computed from the pods it owns [k/k pkg/controller/replicaset/
// replica_set_utils.go calculateStatus, updateReplicaSetStatus].

import type { KubeObject } from "../../apiserver/registry/object";
import { timestamp } from "../../apiserver/registry/object";
import { labelSelectorMatcher } from "../../client/lister";
import { isPodAvailable, isPodReady } from "../util/pod";
import { semanticEqual } from "../util/controller-ref";

export interface ReplicaSetCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaSetCondition[];
}

/**
 * replicas = pods claimed; fullyLabeledReplicas = those whose labels carry all the template's
 * labels (the selector may ask for fewer); readyReplicas; availableReplicas = ready for at least
 * minReadySeconds. A manageReplicas error becomes condition ReplicaFailure (FailedCreate or
 * FailedDelete); a clean sync removes it.
 */
export function calculateStatus(rs: KubeObject, filteredPods: KubeObject[], manageErr: unknown, nowMs: number): ReplicaSetStatus {
  const prev: ReplicaSetStatus = rs.status ?? { replicas: 0 };
  const templateMatch = labelSelectorMatcher({ matchLabels: rs.spec?.template?.metadata?.labels ?? {} });
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of filteredPods) {
    if (templateMatch(pod.metadata.labels ?? {})) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, rs.spec?.minReadySeconds ?? 0, nowMs)) available++;
    }
  }
  let conditions = (prev.conditions ?? []).slice();
  const failure = conditions.find((c) => c.type === "ReplicaFailure");
  if (manageErr && !failure) {
    const diff = filteredPods.length - (rs.spec?.replicas ?? 1);
    const reason = diff < 0 ? "FailedCreate" : diff > 0 ? "FailedDelete" : "";
    conditions.push({ type: "ReplicaFailure", status: "True", lastTransitionTime: timestamp(nowMs), reason, message: errorMessage(manageErr) });
  } else if (!manageErr && failure) {
    conditions = conditions.filter((c) => c.type !== "ReplicaFailure");
  }
  const status: ReplicaSetStatus = {
    replicas: filteredPods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: prev.observedGeneration,
  };
  if (conditions.length) status.conditions = conditions;
  return status;
}

/** Whether status differs from what is stored (the steady state writes nothing). */
export function statusNeedsUpdate(rs: KubeObject, next: ReplicaSetStatus): boolean {
  const cur: ReplicaSetStatus = rs.status ?? { replicas: 0 };
  return (
    (cur.replicas ?? 0) !== next.replicas ||
    (cur.fullyLabeledReplicas ?? 0) !== next.fullyLabeledReplicas ||
    (cur.readyReplicas ?? 0) !== next.readyReplicas ||
    (cur.availableReplicas ?? 0) !== next.availableReplicas ||
    (rs.metadata.generation ?? 0) !== (cur.observedGeneration ?? 0) ||
    !semanticEqual(cur.conditions, next.conditions)
  );
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
