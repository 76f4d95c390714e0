// The ServiceAccount controller [k/k pkg/controller/serviceaccount/serviceaccounts_controller.go]:
// every active namespace has a ServiceAccount named "default". Pods that name no account run as
// it, and the ServiceAccount admission plugin refuses a pod whose account does not exist, so a
// new namespace is unusable until this controller has done its work (a short, real race).
//
// Keyed by namespace: a namespace added or updated, or a ServiceAccount deleted, queues its
// namespace; the sync creates what is missing. A terminating namespace gets nothing: the API
// server would refuse it, and the namespace controller is emptying it.

import { RateLimitingQueue, runWorkers } from "../../client/workqueue";
import type { Workers } from "../../client/workqueue";
import { DefaultControllerRateLimiter } from "../../client/rate-limiter";
import { DeletedFinalStateUnknown } from "../../client/lister";
import type { KubeObjectLike } from "../../client/list-watch";
import type { KubeObject } from "../../apiserver/registry/object";
import type { Controller, ControllerContext } from "../controller";
import { waitForCacheSync } from "../controller";
import { hasStatusCause, NamespaceTerminatingCause } from "../util/errors";

/** The accounts every namespace gets (ServiceAccountsControllerOptions.ServiceAccounts). */
export const DEFAULT_SERVICE_ACCOUNTS = ["default"];

export interface ServiceAccountsControllerOptions {
  serviceAccounts?: string[];
  /** Workers (kube-controller-manager runs one). */
  workers?: number;
}

export function serviceAccountControllerWith(options: ServiceAccountsControllerOptions = {}): (ctx: ControllerContext) => Controller {
  return (ctx) => {
    const { sim, client } = ctx;
    const names = options.serviceAccounts ?? DEFAULT_SERVICE_ACCOUNTS;
    const queue = new RateLimitingQueue<string>(sim, DefaultControllerRateLimiter<string>(sim), { name: "serviceaccount" });
    const nsInformer = ctx.informers.informerFor("namespaces");
    const saInformer = ctx.informers.informerFor("serviceaccounts");
    const namespaces = nsInformer.lister();
    const accounts = saInformer.lister();
    const record = (kind: string, fields: Record<string, unknown>) => sim.trace.record("serviceaccount-controller", kind, fields);

    nsInformer.addEventHandler({
      onAdd: (ns) => queue.add(ns.metadata.name!),
      onUpdate: (_old, ns) => queue.add(ns.metadata.name!),
    });
    saInformer.addEventHandler({
      onDelete: (obj) => {
        const sa = (obj instanceof DeletedFinalStateUnknown ? obj.obj : obj) as KubeObjectLike;
        if (names.includes(sa.metadata.name!)) queue.add(sa.metadata.namespace!);
      },
    });

    /** syncNamespace: create the missing accounts of an active namespace. */
    const sync = (key: string, done: (err?: unknown) => void) => {
      const ns = namespaces.get(key);
      if (!ns) return done(); // deleted meanwhile
      if (ns.status?.phase !== "Active" || ns.metadata.deletionTimestamp) return done();
      const missing = names.filter((n) => !accounts.namespace(key).get(n));
      if (missing.length === 0) return done();
      let left = missing.length;
      let failed: unknown;
      for (const name of missing) {
        const sa = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: key } } as KubeObject;
        client.create(sa, (err) => {
          // AlreadyExists: the cache lagged. NamespaceTerminating: the namespace is going away.
          // Anything else (an exceeded quota, say) fails the sync: it is retried with back-off.
          if (err && err.reason !== "AlreadyExists" && !hasStatusCause(err, NamespaceTerminatingCause)) failed = err;
          if (!err) record("created", { namespace: key, serviceAccount: name });
          if (--left === 0) done(failed);
        });
      }
    };

    let workers: Workers | undefined;
    let cancel: (() => void) | undefined;
    return {
      name: "serviceaccount",
      start: () => {
        cancel = waitForCacheSync(sim, [() => nsInformer.hasSynced(), () => saInformer.hasSynced()], () => {
          workers = runWorkers(queue, options.workers ?? 1, sync);
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

/** The "serviceaccount" controller: every active namespace gets a "default" ServiceAccount. */
export const serviceAccountController = serviceAccountControllerWith();
