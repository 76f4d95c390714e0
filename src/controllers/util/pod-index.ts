// Pods by their controller's UID, through an index on the shared pod informer
// [k/k pkg/controller/controller_utils.go, AddPodControllerUIDIndexer / FilterPodsByOwner]: a
// ReplicaSet sync looks at its own pods and the namespace's orphans (candidates for adoption),
// not at every pod of the namespace — with ten thousand pods that is the difference between a
// sync per pod and a sync per ReplicaSet.

import type { KubeObject } from "../../apiserver/registry/object";
import type { SharedIndexInformer } from "../../client/informer";
import { getControllerOf } from "./controller-ref";

export const POD_CONTROLLER_UID_INDEX = "podControllerUID";

/** The index key of a namespace's pods without a controller. */
export function orphanPodIndexKeyForNamespace(namespace: string): string {
  return `${namespace}/`;
}

export function addPodControllerUIDIndexer(pods: SharedIndexInformer<KubeObject>): void {
  if (pods.getIndexer().hasIndex(POD_CONTROLLER_UID_INDEX)) return;
  pods.addIndexers({
    [POD_CONTROLLER_UID_INDEX]: (p) => {
      const ref = getControllerOf(p);
      return [ref ? ref.uid : orphanPodIndexKeyForNamespace(p.metadata.namespace ?? "")];
    },
  });
}

/** The pods controlled by owner, and (includeOrphans) the pods of its namespace with no controller. */
export function filterPodsByOwner(pods: SharedIndexInformer<KubeObject>, owner: KubeObject, includeOrphans: boolean): KubeObject[] {
  const ns = owner.metadata.namespace ?? "";
  const keys = [owner.metadata.uid ?? ""];
  if (includeOrphans) keys.push(orphanPodIndexKeyForNamespace(ns));
  const out: KubeObject[] = [];
  for (const k of keys) for (const p of pods.getIndexer().byIndex(POD_CONTROLLER_UID_INDEX, k)) if (p.metadata.namespace === ns) out.push(p);
  return out;
}
