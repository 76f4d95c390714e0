// The namespace controller [k/k pkg/controller/namespace/namespace_controller.go]: for each
// namespace with a deletionTimestamp, run the deleter (./deleter.ts) until the namespace is
// empty and finalized. Content still on its way out is looked at again after estimate/2 + 1 s;
// other failures back off (5 ms doubling, capped at 60 s: nsControllerRateLimiter).

import { RateLimitingQueue, runWorkers } from "../../client/workqueue";
import type { Workers } from "../../client/workqueue";
import { BucketRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter } from "../../client/rate-limiter";
import type { KubeObjectLike } from "../../client/list-watch";
import type { Controller, ControllerContext } from "../controller";
import { waitForCacheSync } from "../controller";
import { NamespacedResourcesDeleter, ResourcesRemainingError } from "./deleter";

export interface NamespaceControllerOptions {
  /** --concurrent-namespace-syncs (default 10). */
  workers?: number;
  /** --namespace-sync-period (default 5m): how often every namespace is looked at again. */
  resyncPeriod?: string;
}

export function namespaceControllerWith(options: NamespaceControllerOptions = {}): (ctx: ControllerContext) => Controller {
  return (ctx) => {
    const { sim, client } = ctx;
    const limiter = new MaxOfRateLimiter<string>(new ItemExponentialFailureRateLimiter<string>(5, 60_000), new BucketRateLimiter<string>(sim, 10, 100));
    const queue = new RateLimitingQueue<string>(sim, limiter, { name: "namespace" });
    const informer = ctx.informers.informerFor("namespaces");
    const lister = informer.lister();
    const deleter = new NamespacedResourcesDeleter(sim, client);
    const enqueue = (ns: KubeObjectLike) => {
      if (ns.metadata.deletionTimestamp) queue.add(ns.metadata.name!);
    };
    informer.addEventHandlerWithResyncPeriod({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n) }, options.resyncPeriod ?? "5m");

    const sync = (key: string, done: (err?: unknown) => void) => {
      if (!lister.get(key)) return done();
      const started = sim.now;
      deleter.delete(key, (err) => {
        if (err instanceof ResourcesRemainingError) {
          const wait = (err.estimate / 2 + 1) * 1000;
          sim.trace.record("namespace-controller", "content-remaining", { namespace: key, estimate: err.estimate, requeueAfter: wait });
          queue.addAfter(key, wait);
          queue.forget(key);
          return done();
        }
        if (err) sim.trace.record("namespace-controller", "error", { namespace: key, error: (err as Error).message });
        else sim.trace.record("namespace-controller", "synced", { namespace: key, took: sim.now - started });
        done(err);
      });
    };

    let workers: Workers | undefined;
    let cancel: (() => void) | undefined;
    return {
      name: "namespace",
      start: () => {
        cancel = waitForCacheSync(sim, [() => informer.hasSynced()], () => {
          workers = runWorkers(queue, options.workers ?? 10, sync);
        });
      },
      stop: () => {
        cancel?.();
        workers?.stop();
        queue.shutDown();
      },
    };
  };
}

/** The "namespace" controller. */
export const namespaceController = namespaceControllerWith();
