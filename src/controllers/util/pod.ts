// What controllers read of a pod: is it active, ready, available, how often did it restart
// [k/k pkg/api/v1/pod/util.go IsPodReady/IsPodAvailable, pkg/controller/controller_utils.go IsPodActive].

import { parseTimestamp } from "../../apiserver/registry/object";
import { getPodReadyCondition, isPodReady } from "../../apiserver/registry/pod";
export { getPodReadyCondition, isPodReady };
import type { KubeObjectLike } from "../../client/list-watch";

type Pod = KubeObjectLike;

/** Not Succeeded, not Failed, and not being deleted: a pod that counts toward replicas. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && !pod.metadata.deletionTimestamp;
}

export function filterActivePods<T extends Pod>(pods: T[]): T[] {
  return pods.filter(isPodActive);
}

/** A pod being deleted (deletionTimestamp set) that has not reached a terminal phase. */
export function isPodTerminating(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.metadata.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed";
}


/**
 * Ready for at least minReadySeconds: ready, and either minReadySeconds is 0 or the Ready
 * condition turned True more than minReadySeconds before now (strictly: Go's Before).
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const c = getPodReadyCondition(pod)!;
  if (!c.lastTransitionTime) return false;
  return parseTimestamp(c.lastTransitionTime) + minReadySeconds * 1000 < nowMs;
}

/** When the pod became Ready (ms of virtual time), or undefined if it is not ready. */
export function podReadyTime(pod: Pod): number | undefined {
  if (!isPodReady(pod)) return undefined;
  const t = getPodReadyCondition(pod)!.lastTransitionTime;
  return t ? parseTimestamp(t) : undefined;
}

/** The highest restartCount among the pod's containers. */
export function maxContainerRestarts(pod: Pod): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) max = Math.max(max, c.restartCount ?? 0);
  return max;
}

export const PodDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";

/**
 * The pod-deletion-cost annotation as an int32 (default 0). A malformed value counts as 0, as
 * the controller ignores the error [k/k pkg/apis/core/helper GetDeletionCostFromPodAnnotations].
 */
export function getDeletionCost(pod: Pod): number {
  const v = (pod.metadata.annotations as Record<string, string> | undefined)?.[PodDeletionCostAnnotation];
  if (v === undefined) return 0;
  if (!/^[+-]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}
