// PrioritySort: the default QueueSort plugin [k/k pkg/scheduler/framework/plugins/queuesort/priority_sort.go].
// The active queue pops the pod with the highest spec.priority first; among equal priorities
// the one that entered the queue earlier. The Priority admission plugin fills spec.priority
// from the pod's PriorityClass; a pod without one has priority 0.

import type { Handle, Plugin, PluginFactory, Pod, QueuedPodInfo, QueueSortPlugin } from "../framework/interface";

export const PRIORITY_SORT = "PrioritySort";

/** spec.priority, 0 when unset [k8s.io/component-helpers scheduling/corev1 PodPriority]. */
export function podPriority(pod: Pod): number {
  const p = (pod as any).spec?.priority;
  return typeof p === "number" ? p : 0;
}

export class PrioritySort implements QueueSortPlugin {
  readonly name = PRIORITY_SORT;

  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    const pa = podPriority(a.pod);
    const pb = podPriority(b.pod);
    return pa > pb || (pa === pb && a.timestamp < b.timestamp);
  }
}

export const newPrioritySort: PluginFactory = (_args: Record<string, unknown> | undefined, _handle: Handle): Plugin => new PrioritySort();
