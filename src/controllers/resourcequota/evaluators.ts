// What a quota counts, and how much of it a namespace uses: the controller's side of the quota
// registry [k/k pkg/quota/v1/evaluator/core/registry.go, pkg/quota/v1/resources.go CalculateUsage].
//
// The arithmetic is the API server's own (usageOf in src/apiserver/server/quota.ts, which the
// ResourceQuota admission plugin charges with): the controller and the admission plugin must
// agree to the unit on what an object uses, or a quota would drift every time one of them writes.
// This file only answers "which API resources does a quota name like `requests.cpu` or
// `count/deployments.apps` count?" and sums the live objects of those resources.

import type { KubeObject } from "../../apiserver/registry/object";
import { RESOURCES } from "../../apiserver/registry/resources";
import type { ResourceInfo } from "../../apiserver/registry/resources";
import { amount, show, usageOf } from "../../apiserver/server/quota";

/**
 * Resources quota can count: namespaced, created and deleted through the API, listable and
 * watchable (GetQuotableResources). Events are ignored, as the real controller's
 * ignoredResources list says [k/k pkg/quota/v1/install/update_filter.go].
 */
export const QUOTABLE_RESOURCES: readonly ResourceInfo[] = RESOURCES.filter(
  (r) => r.namespaced && ["create", "delete", "list", "watch"].every((v) => r.verbs.includes(v)) && r.resource !== "events",
);

/** The quota names an object of this resource can use (an evaluator's MatchingResources). */
function namesOf(info: ResourceInfo): string[] {
  // A probe object with nothing in it: usageOf names every key it can charge (at zero or one).
  const probe: KubeObject = { apiVersion: info.version, kind: info.kind, metadata: {}, spec: { containers: [] }, status: {} } as KubeObject;
  return Object.keys(usageOf(info, probe));
}

const NAMES = new Map<ResourceInfo, Set<string>>(QUOTABLE_RESOURCES.map((info) => [info, new Set(namesOf(info))]));

/** The resources whose objects count toward any of these quota names. */
export function resourcesTracked(quotaNames: Iterable<string>): ResourceInfo[] {
  const wanted = [...quotaNames];
  return QUOTABLE_RESOURCES.filter((info) => wanted.some((k) => NAMES.get(info)!.has(k)));
}

/** The shared-informer name of a resource ("pods", "deployments.apps"). */
export function informerName(info: ResourceInfo): string {
  return info.group ? `${info.resource}.${info.group}` : info.resource;
}

/** The quota's limits by name (spec.hard, or status.hard). */
export type ResourceList = Record<string, unknown>;

/**
 * CalculateUsage: for every name in hard that some resource counts, the sum over the
 * namespace's live objects of those resources, at virtual time now. Names nobody counts (say
 * requests.storage: no PersistentVolumeClaim evaluator here) are left out, as the real function
 * leaves them. objectsOf lists a resource's objects of the namespace (from an informer cache).
 */
export function calculateUsage(namespace: string, hard: ResourceList, now: number, objectsOf: (info: ResourceInfo, namespace: string) => KubeObject[]): Record<string, number> {
  const used: Record<string, number> = {};
  for (const info of resourcesTracked(Object.keys(hard))) {
    const keys = Object.keys(hard).filter((k) => NAMES.get(info)!.has(k));
    for (const k of keys) used[k] = used[k] ?? 0;
    for (const obj of objectsOf(info, namespace)) {
      const u = usageOf(info, obj, now);
      for (const k of keys) used[k] += u[k] ?? 0;
    }
  }
  return used;
}

/** status.used as the API server writes it: "500m" for cpu, "1Gi" for memory, "3" for counts. */
export function formatUsed(used: Record<string, number>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(used).sort()) out[k] = show(k, used[k]);
  return out;
}

/** quota.Equals: the same names with the same quantities ("1" equals "1000m" for cpu). */
export function sameResourceList(a: ResourceList | undefined, b: ResourceList | undefined): boolean {
  if (!a || !b) return a === b;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => k in b && amount(k, a[k]) === amount(k, b[k]));
}
