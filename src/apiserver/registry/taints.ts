// Taints and tolerations: the rules every component that places or evicts pods shares — the
// scheduler's TaintToleration plugin, the taint eviction controller, the node lifecycle
// controller and the stand-in binder. One copy, as Kubernetes keeps them with the API types
// [k8s.io/api core/v1/toleration.go ToleratesTaint, k/k pkg/apis/core/v1/helper/helpers.go
// GetMatchingTolerations, k8s.io/component-helpers scheduling/corev1 FindMatchingUntoleratedTaint,
// pkg/util/taints/taints.go].

export type TaintEffect = "NoSchedule" | "PreferNoSchedule" | "NoExecute";

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect | string;
  /** RFC3339; only NoExecute taints carry it (the taint-eviction controller does not use it). */
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal" | string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

// The taints the node lifecycle controller manages [k/k pkg/controller/nodelifecycle, well_known_taints.go].
export const TaintNodeNotReady = "node.kubernetes.io/not-ready";
export const TaintNodeUnreachable = "node.kubernetes.io/unreachable";
export const TaintNodeUnschedulable = "node.kubernetes.io/unschedulable";
export const TaintNodeMemoryPressure = "node.kubernetes.io/memory-pressure";
export const TaintNodeDiskPressure = "node.kubernetes.io/disk-pressure";
export const TaintNodePIDPressure = "node.kubernetes.io/pid-pressure";
export const TaintNodeNetworkUnavailable = "node.kubernetes.io/network-unavailable";

/**
 * Does one toleration tolerate one taint? An empty effect matches every effect, an empty key
 * (with operator Exists) every key; operator "" means Equal, which compares values.
 */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? "") {
    case "":
    case "Equal":
      return (t.value ?? "") === (taint.value ?? "");
    case "Exists":
      return true;
    default:
      return false; // Gt/Lt are a later alpha feature; unknown operators tolerate nothing
  }
}

/**
 * Whether every taint is tolerated, and for each taint the first toleration that does
 * (the ones whose tolerationSeconds count). Real: v1helper.GetMatchingTolerations.
 */
export function matchingTolerations(taints: readonly Taint[], tolerations: readonly Toleration[]): { allTolerated: boolean; used: Toleration[] } {
  if (taints.length === 0) return { allTolerated: true, used: [] };
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((tol) => toleratesTaint(tol, taint));
    if (!t) return { allTolerated: false, used: [] };
    used.push(t);
  }
  return { allTolerated: true, used };
}

/** Same key and effect: how Kubernetes identifies a taint on a node (MatchTaint). */
export function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

export function taintExists(taints: readonly Taint[] | undefined, t: Taint): boolean {
  return (taints ?? []).some((x) => sameTaint(x, t));
}

export function formatTaint(t: Taint): string {
  return `${t.key}${t.value ? "=" + t.value : ""}:${t.effect}`;
}

export function tolerationsTolerateTaint(tolerations: Toleration[] | undefined, taint: Taint): boolean {
  if (!tolerations) return false;
  for (let i = 0; i < tolerations.length; i++) if (toleratesTaint(tolerations[i], taint)) return true;
  return false;
}

/** Taints with effect NoSchedule or NoExecute: the ones that keep pods off a node (helper.DoNotScheduleTaintsFilterFunc). */
export function isDoNotScheduleTaint(t: Taint): boolean {
  return t.effect === "NoSchedule" || t.effect === "NoExecute";
}

/** The first taint passing `filter` that no toleration tolerates, or undefined. */
export function findUntoleratedTaint(taints: Taint[] | undefined, tolerations: Toleration[] | undefined, filter: (t: Taint) => boolean): Taint | undefined {
  if (!taints) return undefined;
  for (let i = 0; i < taints.length; i++) {
    const taint = taints[i];
    if (!filter(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}
