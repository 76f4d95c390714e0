// What every controller of the controller manager is given, and what it must offer.
//
// A controller is client-go's one pattern [sample-controller]: event handlers on shared
// informers turn "something changed" into a key on a rate-limited work queue; workers take keys
// and reconcile — read the desired state from listers (the informer caches), compare it with
// the actual state, and write the difference through the API server. A controller never
// reads another component's memory and never touches etcd.

import type { Simulation } from "../sim/simulation";
import type { KubeClient } from "../client/kube-client";
import type { SharedInformerFactory } from "../client/informer-factory";
import { EventRecorder } from "../client/events";

export interface ControllerContext {
  readonly sim: Simulation;
  /** The controller manager's client (user system:kube-controller-manager). */
  readonly client: KubeClient;
  /** Shared informers: every controller asking for pods gets the same cache. */
  readonly informers: SharedInformerFactory;
  /** An event recorder reporting as component (e.g. "replicaset-controller"). */
  recorder(component: string): EventRecorder;
}

export interface Controller {
  /** As in --controllers: "replicaset", "deployment", "nodelifecycle", "endpoints", ... */
  readonly name: string;
  /** Starts the workers once the informers it registered have synced. */
  start(): void;
  /** Stops the workers (the shared informers are stopped by the controller manager). */
  stop(): void;
}

export type ControllerFactory = (ctx: ControllerContext) => Controller;

export function newControllerContext(sim: Simulation, client: KubeClient, informers: SharedInformerFactory): ControllerContext {
  return { sim, client, informers, recorder: (component) => new EventRecorder(sim, client, component) };
}

/**
 * Calls then() once every check passes (client-go's cache.WaitForCacheSync polls every 100 ms),
 * unless cancelled first. Returns the cancel function.
 */
export function waitForCacheSync(sim: Simulation, synced: (() => boolean)[], then: () => void): () => void {
  let cancelled = false;
  const poll = () => {
    if (cancelled) return;
    if (synced.every((s) => s())) return then();
    sim.after(100, poll, "wait for cache sync");
  };
  poll();
  return () => {
    cancelled = true;
  };
}
