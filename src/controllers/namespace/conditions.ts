// Namespace status conditions during deletion [k/k pkg/controller/namespace/deletion/status_condition_utils.go].
// `kubectl describe ns` of a namespace stuck in Terminating shows them: which resources remain,
// and which finalizers hold them.

import { timestamp } from "../../apiserver/registry/object";

export interface NamespaceCondition {
  type: string;
  status: "True" | "False";
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export const CONDITION_TYPES = [
  "NamespaceDeletionDiscoveryFailure",
  "NamespaceDeletionGroupVersionParsingFailure",
  "NamespaceDeletionContentFailure",
  "NamespaceContentRemaining",
  "NamespaceFinalizersRemaining",
] as const;

const OK_MESSAGES: Record<string, string> = {
  NamespaceDeletionDiscoveryFailure: "All resources successfully discovered",
  NamespaceDeletionGroupVersionParsingFailure: "All legacy kube types successfully parsed",
  NamespaceDeletionContentFailure: "All content successfully deleted, may be waiting on finalization",
  NamespaceContentRemaining: "All content successfully removed",
  NamespaceFinalizersRemaining: "All content-preserving finalizers finished",
};

const OK_REASONS: Record<string, string> = {
  NamespaceDeletionDiscoveryFailure: "ResourcesDiscovered",
  NamespaceDeletionGroupVersionParsingFailure: "ParsedGroupVersions",
  NamespaceDeletionContentFailure: "ContentDeleted",
  NamespaceContentRemaining: "ContentRemoved",
  NamespaceFinalizersRemaining: "ContentHasNoFinalizers",
};

/** What one pass over the namespace's content found. */
export interface ContentTotals {
  /** "pods." (resource.group) → how many remain. */
  remaining: Map<string, number>;
  /** finalizer → how many remaining objects carry it. */
  finalizers: Map<string, number>;
  /** Errors deleting content, one message per resource. */
  deleteErrors: string[];
}

/** The failing conditions of this pass; every other type gets its "ok" variant. */
export function newConditions(t: ContentTotals, now: number): NamespaceCondition[] {
  const at = timestamp(now);
  const out: NamespaceCondition[] = [];
  if (t.deleteErrors.length) {
    out.push({ type: "NamespaceDeletionContentFailure", status: "True", lastTransitionTime: at, reason: "ContentDeletionFailed", message: `Failed to delete all resource types, ${t.deleteErrors.length} remaining: ${t.deleteErrors.join(", ")}` });
  }
  const remaining = [...t.remaining].filter(([, n]) => n > 0).map(([r, n]) => `${r} has ${n} resource instances`).sort();
  if (remaining.length) {
    out.push({ type: "NamespaceContentRemaining", status: "True", lastTransitionTime: at, reason: "SomeResourcesRemain", message: `Some resources are remaining: ${remaining.join(", ")}` });
  }
  const fins = [...t.finalizers].filter(([, n]) => n > 0).map(([f, n]) => `${f} in ${n} resource instances`).sort();
  if (fins.length) {
    out.push({ type: "NamespaceFinalizersRemaining", status: "True", lastTransitionTime: at, reason: "SomeFinalizersRemain", message: `Some content in the namespace has finalizers remaining: ${fins.join(", ")}` });
  }
  for (const type of CONDITION_TYPES) {
    if (!out.some((c) => c.type === type)) out.push({ type, status: "False", lastTransitionTime: at, reason: OK_REASONS[type], message: OK_MESSAGES[type] });
  }
  return out;
}

/** updateConditions: merge into status.conditions; lastTransitionTime moves only when status flips. */
export function updateConditions(current: NamespaceCondition[], next: NamespaceCondition[]): { conditions: NamespaceCondition[]; changed: boolean } {
  const conditions = current.map((c) => ({ ...c }));
  let changed = false;
  for (const type of CONDITION_TYPES) {
    const nc = next.find((c) => c.type === type)!;
    const old = conditions.find((c) => c.type === type);
    if (!old) {
      conditions.push({ ...nc });
      changed = true;
    } else if (old.status !== nc.status || old.message !== nc.message || old.reason !== nc.reason) {
      if (old.status !== nc.status) old.lastTransitionTime = nc.lastTransitionTime;
      old.status = nc.status;
      old.reason = nc.reason;
      old.message = nc.message;
      changed = true;
    }
  }
  return { conditions, changed };
}
