// Helpers for the controller-manager, garbage-collector, namespace and ServiceAccount tests.
import { Cluster } from "../../src/cluster/cluster";
import type { KubeClient } from "../../src/client/kube-client";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { ControllerManager } from "../../src/controllers/manager";
import type { ControllerManagerOptions } from "../../src/controllers/manager";
import type { ControllerFactory } from "../../src/controllers/controller";

export function newCluster(seed: number): Cluster {
  return new Cluster({ seed });
}

/** A controller-manager process with its own network endpoint (admin credentials). */
export function newManager(c: Cluster, host: string, controllers: Record<string, ControllerFactory>, extra: Partial<ControllerManagerOptions> = {}): { kcm: ControllerManager; client: KubeClient } {
  const client = c.client(`kcm-${host}`, c.adminToken);
  const kcm = new ControllerManager(c.sim, { identity: host, client, controllers, ...extra });
  return { kcm, client };
}

/** The object, or undefined when the API server answers NotFound. */
export function tryGet(c: Cluster, kind: string, name: string, ns = "default"): KubeObject | undefined {
  try {
    return c.get(kind, name, ns) as KubeObject;
  } catch (e) {
    if ((e as { reason?: string }).reason === "NotFound") return undefined;
    throw e;
  }
}

export function ownerRef(owner: KubeObject, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, ...extra };
}

/** Creates an object through the admin client and returns what was stored. */
export function create(c: Cluster, obj: Record<string, unknown>): KubeObject {
  return c.wait<KubeObject>((cb) => c.admin.create(obj as unknown as KubeObject, cb));
}

export function configMap(name: string, ns = "default", meta: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns, ...meta }, data: { k: "v" } };
}

/** A ReplicaSet-like owner (an apps/v1 ReplicaSet with no controller running for it). */
export function replicaSet(name: string, ns = "default"): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: ns },
    spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
  };
}

/** An unscheduled pod (deleted at once, no kubelet needed) owned by the given owners. */
export function pod(name: string, owners: Record<string, unknown>[], ns = "default", meta: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns, labels: { app: "x" }, ownerReferences: owners, ...meta }, spec: { containers: [{ name: "c", image: "nginx" }] } };
}
