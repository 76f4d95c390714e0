// Pods by spec.nodeName from the shared pod informer, through an index (as kube-controller-manager
// adds the "spec.nodeName" indexer to its pod informer for the node controllers).

import type { KubeObject } from "../../apiserver/registry/object";
import type { SharedIndexInformer } from "../../client/informer";

export const NODE_NAME_INDEX = "spec.nodeName";

export function ensureNodeNameIndex(pods: SharedIndexInformer<KubeObject>): void {
  if (pods.getIndexer().hasIndex(NODE_NAME_INDEX)) return;
  pods.addIndexers({ [NODE_NAME_INDEX]: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) });
}

export function podsOnNode(pods: SharedIndexInformer<KubeObject>, nodeName: string): KubeObject[] {
  return pods.getIndexer().byIndex(NODE_NAME_INDEX, nodeName);
}
