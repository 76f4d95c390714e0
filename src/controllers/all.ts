// The controllers kube-controller-manager runs, by their --controllers names, in the order it
// starts them [k/k cmd/kube-controller-manager/app/controller_descriptor.go,
// NewControllerDescriptors]. A Cluster or `kubelab serve` passes this to a ControllerManager.

import type { ControllerFactory } from "./controller";
import { serviceAccountController } from "./serviceaccount/serviceaccounts-controller";
import { namespaceController } from "./namespace/namespace-controller";
import { garbageCollector } from "./garbagecollector/garbagecollector";
import { replicaSetController } from "./replicaset/replicaset-controller";
import { deploymentController } from "./deployment/deployment-controller";
import { endpointsController } from "./endpoints/endpoints-controller";
import { endpointSliceController } from "./endpointslice/endpointslice-controller";
import { nodeLifecycleController } from "./nodelifecycle/node-lifecycle-controller";
import { taintEvictionController } from "./nodelifecycle/taint-eviction-controller";
import { resourceQuotaController } from "./resourcequota/resource-quota-controller";
import { podGCController } from "./podgc/gc-controller";
import { disruptionController } from "./disruption/disruption-controller";

export const KUBE_CONTROLLERS: Readonly<Record<string, ControllerFactory>> = {
  serviceaccount: serviceAccountController,
  namespace: namespaceController,
  garbagecollector: garbageCollector,
  replicaset: replicaSetController,
  deployment: deploymentController,
  endpoint: endpointsController,
  endpointslice: endpointSliceController,
  nodelifecycle: nodeLifecycleController,
  "taint-eviction-controller": taintEvictionController,
  resourcequota: resourceQuotaController,
  podgc: podGCController,
  disruption: disruptionController,
};

/** The factories for a list of names (unknown names are an error, as the real flag is). */
export function controllersNamed(names: readonly string[]): Record<string, ControllerFactory> {
  const out: Record<string, ControllerFactory> = {};
  for (const n of names) {
    const f = KUBE_CONTROLLERS[n];
    if (!f) throw new Error(`"${n}" is not in the list of known controllers (${Object.keys(KUBE_CONTROLLERS).join(", ")})`);
    out[n] = f;
  }
  return out;
}
