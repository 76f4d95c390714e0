// Pod helpers every component shares, as Kubernetes keeps them next to the API types
// [k/k pkg/api/v1/pod/util.go GetPodReadyCondition, IsPodReady].

/** Any pod-shaped object (a KubeObject, a cached copy, a test fixture). */
interface WithConditions {
  [field: string]: any;
}

/** The pod's Ready condition, if it has one. */
export function getPodReadyCondition(pod: WithConditions): { status: string; lastTransitionTime?: string } | undefined {
  return (pod.status?.conditions ?? []).find((c: { type?: string }) => c?.type === "Ready");
}

/** The pod's Ready condition is True. */
export function isPodReady(pod: WithConditions): boolean {
  return getPodReadyCondition(pod)?.status === "True";
}
