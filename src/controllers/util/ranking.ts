// Which pods a ReplicaSet deletes first when it has too many: client-go's ActivePodsWithRanks
// ordering and the ReplicaSet controller's getPodsToDelete
// [k/k pkg/controller/controller_utils.go ActivePodsWithRanks.Less,
//  pkg/controller/replicaset/replica_set.go getPodsToDelete, getPodsRankedByRelatedPodsOnSameNode].
//
// Pods earlier in the order are deleted first. The order prefers to delete pods that matter
// least: not yet scheduled, not yet running, not ready, cheap by their own declaration,
// doubled-up on a node, young, crash-looping, new.

import { parseTimestamp } from "../../apiserver/registry/object";
import type { KubeObjectLike } from "../../client/list-watch";
import { getDeletionCost, isPodActive, isPodReady, maxContainerRestarts, podReadyTime } from "./pod";

type Pod = KubeObjectLike;

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function phaseOrdinal(pod: Pod): number {
  // An unknown or empty phase maps to 0 as a missing Go map key does.
  return PHASE_ORDINAL[pod.status?.phase ?? ""] ?? 0;
}

/**
 * LogarithmicScaleDown (GA in 1.31): two times compare by floor(log2(age in ns)), so pods of a
 * similar age fall in one bucket and are then ordered by UID, a pseudo-random choice. Without it,
 * a scale-down always takes the newest pods and a scale up / scale down cycle keeps killing the
 * same "slot". Returns < 0 when t1 is in a younger bucket than t2.
 */
export function logarithmicRankDiff(t1Ms: number, t2Ms: number, nowMs: number): number {
  const rank = (t: number) => {
    const ns = (nowMs - t) * 1e6;
    return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
  };
  return rank(t1Ms) - rank(t2Ms);
}

/** Go's afterOrZero: true if t1 is zero (unset) or after t2. */
function afterOrZero(t1: number | undefined, t2: number | undefined): boolean {
  if (t1 === undefined || t2 === undefined) return t1 === undefined;
  return t1 > t2;
}

function creationMs(pod: Pod): number | undefined {
  const ts = pod.metadata.creationTimestamp as string | undefined;
  return ts ? parseTimestamp(ts) : undefined;
}

/**
 * ActivePodsWithRanks.Less: true if a should be deleted before b. rank = number of related
 * active pods on the pod's node; nowMs = the reference time for logarithmic comparisons
 * (undefined: plain comparisons).
 */
export function podDeletionLess(a: Pod, rankA: number, b: Pod, rankB: number, nowMs?: number): boolean {
  const na = a.spec?.nodeName ?? "";
  const nb = b.spec?.nodeName ?? "";
  // 1. Unassigned < assigned.
  if (na !== nb && (na === "" || nb === "")) return na === "";
  // 2. Pending < Unknown < Running.
  if (phaseOrdinal(a) !== phaseOrdinal(b)) return phaseOrdinal(a) < phaseOrdinal(b);
  // 3. Not ready < ready.
  if (isPodReady(a) !== isPodReady(b)) return !isPodReady(a);
  // 4. Lower pod-deletion-cost < higher (PodDeletionCost, GA since 1.22's beta default-on).
  const ca = getDeletionCost(a);
  const cb = getDeletionCost(b);
  if (ca !== cb) return ca < cb;
  // 5. Doubled up < not doubled up: more related pods on the same node goes first.
  if (rankA !== rankB) return rankA > rankB;
  // 6. Both ready: ready for a shorter time first (logarithmic buckets, ties by UID).
  if (isPodReady(a) && isPodReady(b)) {
    const ra = podReadyTime(a);
    const rb = podReadyTime(b);
    if (ra !== rb) {
      if (nowMs === undefined || ra === undefined || rb === undefined) return afterOrZero(ra, rb);
      const d = logarithmicRankDiff(ra, rb, nowMs);
      if (d === 0) return (a.metadata.uid ?? "") < (b.metadata.uid ?? "");
      return d < 0;
    }
  }
  // 7. More container restarts first.
  if (maxContainerRestarts(a) !== maxContainerRestarts(b)) return maxContainerRestarts(a) > maxContainerRestarts(b);
  // 8. Newer (or unset) creation time first (logarithmic buckets, ties by UID).
  const ta = creationMs(a);
  const tb = creationMs(b);
  if (ta !== tb) {
    if (nowMs === undefined || ta === undefined || tb === undefined) return afterOrZero(ta, tb);
    const d = logarithmicRankDiff(ta, tb, nowMs);
    if (d === 0) return (a.metadata.uid ?? "") < (b.metadata.uid ?? "");
    return d < 0;
  }
  return false;
}

/**
 * The rank of each pod: how many active pods of relatedPods (the pods of every ReplicaSet with
 * the same owner, e.g. all ReplicaSets of one Deployment) run on the same node.
 */
export function rankByRelatedPodsOnSameNode(podsToRank: Pod[], relatedPods: Pod[]): number[] {
  const onNode = new Map<string, number>();
  for (const p of relatedPods) {
    if (!isPodActive(p)) continue;
    const n = p.spec?.nodeName ?? "";
    onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  return podsToRank.map((p) => onNode.get(p.spec?.nodeName ?? "") ?? 0);
}

/** The pods sorted in deletion order (a stable sort: equal pods keep their order). */
export function sortPodsForDeletion<T extends Pod>(pods: T[], relatedPods: Pod[], nowMs?: number): T[] {
  const ranks = rankByRelatedPodsOnSameNode(pods, relatedPods);
  const idx = pods.map((_, i) => i);
  idx.sort((i, j) => (podDeletionLess(pods[i], ranks[i], pods[j], ranks[j], nowMs) ? -1 : podDeletionLess(pods[j], ranks[j], pods[i], ranks[i], nowMs) ? 1 : 0));
  return idx.map((i) => pods[i]);
}

/** getPodsToDelete: the first diff pods of the deletion order (no sort if all of them go). */
export function getPodsToDelete<T extends Pod>(filteredPods: T[], relatedPods: Pod[], diff: number, nowMs?: number): T[] {
  if (diff >= filteredPods.length) return filteredPods.slice();
  return sortPodsForDeletion(filteredPods, relatedPods, nowMs).slice(0, diff);
}
