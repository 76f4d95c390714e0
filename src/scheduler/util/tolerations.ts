// Taints and tolerations [k8s.io/api core/v1 toleration.go ToleratesTaint,
// k8s.io/component-helpers scheduling/corev1 FindMatchingUntoleratedTaint].

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/**
 * Does one toleration tolerate one taint? Effect: empty matches all effects. Key: empty only
 * together with Exists, matching every key. Operator Exists ignores the value; Equal (the
 * default when the operator is empty) needs the same value.
 */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false; // (API validation allows an empty key only with Exists)
  switch (t.operator ?? "") {
    case "Exists":
      return true;
    case "":
    case "Equal":
      return (t.value ?? "") === (taint.value ?? "");
    default:
      return false; // Gt/Lt are a later alpha feature (see reference §0); unknown operators tolerate nothing
  }
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
