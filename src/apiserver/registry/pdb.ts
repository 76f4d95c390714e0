// PodDisruptionBudget rules every component that disrupts pods shares: the API server's eviction
// subresource, the disruption controller and the scheduler's DefaultPreemption. One copy, kept
// with the API types as Kubernetes keeps them [k8s.io/api policy/v1/types.go,
// k8s.io/component-helpers apps/poddisruptionbudget/helpers.go, apimachinery intstr].

import { selectorFromLabelSelector } from "./selectors";
import type { LabelSelectorObject } from "./selectors";

/** status.conditions[type=DisruptionAllowed] and its reasons [policy/v1 types.go]. */
export const DISRUPTION_ALLOWED_CONDITION = "DisruptionAllowed";
export const SUFFICIENT_PODS_REASON = "SufficientPods";
export const INSUFFICIENT_PODS_REASON = "InsufficientPods";
export const SYNC_FAILED_REASON = "SyncFailed";

/** spec.unhealthyPodEvictionPolicy values; unset behaves as IfHealthyBudget. */
export const IF_HEALTHY_BUDGET = "IfHealthyBudget";
export const ALWAYS_ALLOW = "AlwaysAllow";

/** StatusCause type of a refused eviction [policy/v1 DisruptionBudgetCause]. */
export const DISRUPTION_BUDGET_CAUSE = "DisruptionBudget";

interface ObjLike {
  metadata: { name?: string; namespace?: string; labels?: Record<string, string>; generation?: number };
  spec?: any;
  status?: any;
}

/**
 * Does this PDB cover this pod? Same namespace, a selector that parses, is not empty and matches
 * the pod's labels. "If a PDB with a nil or empty selector creeps in, it should match nothing,
 * not everything" [k/k pkg/registry/core/pod/storage/eviction.go getPodDisruptionBudgets].
 */
export function pdbMatchesPod(pdb: ObjLike, pod: ObjLike): boolean {
  if ((pdb.metadata.namespace ?? "") !== (pod.metadata.namespace ?? "")) return false;
  const ls = pdb.spec?.selector as LabelSelectorObject | undefined;
  if (!ls) return false;
  const s = selectorFromLabelSelector(ls);
  if (s.ok !== true || s.selector.empty) return false;
  return s.selector.matches(pod.metadata.labels ?? {});
}

/** An IntOrString that is a percent ("25%"): its number, else undefined. */
export function percentOf(v: unknown): number | undefined {
  if (typeof v !== "string") return undefined;
  const m = /^([0-9]+)%$/.exec(v);
  return m ? Number(m[1]) : undefined;
}

/** A metav1.Condition list with one condition set, as apimeta.SetStatusCondition does. */
export function setStatusCondition(conditions: any[], c: { type: string; status: string; reason: string; message?: string; observedGeneration?: number }, now: string): any[] {
  const out = conditions.map((x) => ({ ...x }));
  const i = out.findIndex((x) => x.type === c.type);
  if (i < 0) {
    out.push({ type: c.type, status: c.status, observedGeneration: c.observedGeneration, lastTransitionTime: now, reason: c.reason, message: c.message ?? "" });
    return out;
  }
  const cur = out[i];
  // The transition time moves only when the status does.
  if (cur.status !== c.status) cur.lastTransitionTime = now;
  cur.status = c.status;
  cur.reason = c.reason;
  cur.message = c.message ?? "";
  cur.observedGeneration = c.observedGeneration;
  return out;
}

/** pdbhelper.UpdateDisruptionAllowedCondition: SufficientPods when disruptions are allowed. */
export function updateDisruptionAllowedCondition(status: any, now: string): void {
  const allowed = (status.disruptionsAllowed ?? 0) > 0;
  status.conditions = setStatusCondition(
    status.conditions ?? [],
    { type: DISRUPTION_ALLOWED_CONDITION, status: allowed ? "True" : "False", reason: allowed ? SUFFICIENT_PODS_REASON : INSUFFICIENT_PODS_REASON, observedGeneration: status.observedGeneration ?? 0 },
    now,
  );
}

/** pdbhelper.ConditionsAreUpToDate. */
export function conditionsAreUpToDate(pdb: ObjLike): boolean {
  const st = pdb.status ?? {};
  const cond = (st.conditions ?? []).find((c: any) => c.type === DISRUPTION_ALLOWED_CONDITION);
  if (!cond) return false;
  if ((st.observedGeneration ?? 0) !== (pdb.metadata.generation ?? 0)) return false;
  if ((st.disruptionsAllowed ?? 0) > 0) return cond.status === "True" && cond.reason === SUFFICIENT_PODS_REASON;
  return cond.status === "False" && cond.reason === INSUFFICIENT_PODS_REASON;
}


