// The disruption controller's arithmetic, as pure functions [k/k pkg/controller/disruption/
// disruption.go getExpectedPodCount, countHealthyPods, buildDisruptedPodMap, updatePdbStatus]:
//
//   maxUnavailable (int or %)  expectedPods  = Σ scale of the pods' controllers
//                              desiredHealthy = expectedPods − maxUnavailable (a % rounds up)
//   minAvailable: int          expectedPods  = number of selected pods
//                              desiredHealthy = minAvailable
//   minAvailable: %            expectedPods  = Σ scale of the pods' controllers
//                              desiredHealthy = minAvailable% of expectedPods, rounded up
//
//   currentHealthy     = Ready pods, not being deleted, not just evicted (status.disruptedPods)
//   disruptionsAllowed = max(0, currentHealthy − desiredHealthy), and 0 while expectedPods is 0
//
// Rounding up both ways is the safe side: a larger desiredHealthy and a larger maxUnavailable.

import { parseTimestamp } from "../../apiserver/registry/object";
import { isPodReady } from "../../apiserver/registry/pod";
import { getScaledValueFromIntOrPercent } from "../../apiserver/registry/intstr";
import type { KubeObjectLike } from "../../client/list-watch";

/**
 * How long an eviction's entry in status.disruptedPods keeps its pod out of currentHealthy
 * while the pod's deletion is awaited [disruption.go DeletionTimeout].
 */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

export interface ExpectedCount {
  expectedCount: number;
  desiredHealthy: number;
  /** Selected pods without a controller: they cannot be counted in a percentage. */
  unmanagedPods: string[];
}

/**
 * Σ scale over the distinct controllers of the pods; scaleOf(pod) gives a pod's controller UID
 * and scale, or undefined when it has no controllerRef. It throws when the controller cannot be
 * found ("found no controllers for pod"), which fails the sync.
 */
export type ScaleOf = (pod: KubeObjectLike) => { uid: string; scale: number } | undefined;

export function expectedScale(pods: KubeObjectLike[], scaleOf: ScaleOf): { expectedCount: number; unmanagedPods: string[] } {
  const scales = new Map<string, number>();
  const unmanagedPods: string[] = [];
  for (const pod of pods) {
    const s = scaleOf(pod);
    if (!s) {
      unmanagedPods.push(pod.metadata.name!);
      continue;
    }
    scales.set(s.uid, s.scale);
  }
  let expectedCount = 0;
  for (const n of scales.values()) expectedCount += n;
  return { expectedCount, unmanagedPods };
}

/** getExpectedPodCount: what the budget expects and how many of those must stay healthy. */
export function expectedPodCount(spec: { minAvailable?: number | string; maxUnavailable?: number | string }, pods: KubeObjectLike[], scaleOf: ScaleOf): ExpectedCount {
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    const { expectedCount, unmanagedPods } = expectedScale(pods, scaleOf);
    const maxUnavailable = getScaledValueFromIntOrPercent(spec.maxUnavailable, expectedCount, true);
    return { expectedCount, desiredHealthy: Math.max(0, expectedCount - maxUnavailable), unmanagedPods };
  }
  if (typeof spec.minAvailable === "number") return { expectedCount: pods.length, desiredHealthy: spec.minAvailable, unmanagedPods: [] };
  if (typeof spec.minAvailable === "string") {
    const { expectedCount, unmanagedPods } = expectedScale(pods, scaleOf);
    return { expectedCount, desiredHealthy: getScaledValueFromIntOrPercent(spec.minAvailable, expectedCount, true), unmanagedPods };
  }
  // Neither bound: the budget expects nothing and allows nothing.
  return { expectedCount: 0, desiredHealthy: 0, unmanagedPods: [] };
}

/**
 * buildDisruptedPodMap: the entries of status.disruptedPods still worth keeping (their pod
 * exists, is not yet being deleted, and the entry is younger than DeletionTimeout); the expired
 * ones are reported, and recheckAt is when the next entry expires.
 */
export function disruptedPodMap(pods: KubeObjectLike[], disrupted: Record<string, string> | undefined, now: number): { kept: Record<string, string>; expired: string[]; recheckAt?: number } {
  const kept: Record<string, string> = {};
  const expired: string[] = [];
  let recheckAt: number | undefined;
  if (!disrupted) return { kept, expired };
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disrupted[pod.metadata.name!];
    if (at === undefined) continue;
    const expectedDeletion = parseTimestamp(at) + DELETION_TIMEOUT_MS;
    if (expectedDeletion < now) expired.push(pod.metadata.name!);
    else {
      if (recheckAt === undefined || expectedDeletion < recheckAt) recheckAt = expectedDeletion;
      kept[pod.metadata.name!] = at;
    }
  }
  return { kept, expired, recheckAt };
}

/** countHealthyPods: Ready, not being deleted, not recently evicted. */
export function countHealthyPods(pods: KubeObjectLike[], disrupted: Record<string, string>, now: number): number {
  let n = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disrupted[pod.metadata.name!];
    if (at !== undefined && parseTimestamp(at) + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) n++;
  }
  return n;
}

/** updatePdbStatus's rule: no disruptions while nothing is expected (a PDB whose pods are not there yet). */
export function disruptionsAllowed(currentHealthy: number, desiredHealthy: number, expectedCount: number): number {
  const d = currentHealthy - desiredHealthy;
  return expectedCount <= 0 || d <= 0 ? 0 : d;
}
