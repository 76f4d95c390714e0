// Emptying a terminating namespace [k/k pkg/controller/namespace/deletion/namespaced_resources_deleter.go].
//
// `kubectl delete namespace shop` only marks the namespace: deletionTimestamp, phase
// Terminating, and the "kubernetes" entry in spec.finalizers keeps it in etcd. The namespace
// controller then deletes every namespaced object in it, resource by resource (deletecollection
// where the resource supports it), waits until nothing is left, and finally removes its
// finalizer through PUT /api/v1/namespaces/<name>/finalize; with no finalizer left the API
// server removes the namespace.
//
// Objects with finalizers, and pods on nodes (graceful deletion), do not vanish at once: a pass
// that finds content left answers with an estimate of how long it will take, and the
// controller looks again after estimate/2 + 1 seconds.

import type { Simulation } from "../../sim/simulation";
import type { KubeApiError, KubeClient } from "../../client/kube-client";
import type { KubeList, KubeObject } from "../../apiserver/registry/object";
import { RESOURCES } from "../../apiserver/registry/resources";
import type { ResourceInfo } from "../../apiserver/registry/resources";
import { newConditions, updateConditions } from "./conditions";
import type { ContentTotals, NamespaceCondition } from "./conditions";

export const FINALIZER_KUBERNETES = "kubernetes";
/** finalizerEstimateSeconds: objects with finalizers are given 15 s before the next look. */
export const FINALIZER_ESTIMATE_SECONDS = 15;

/** Content is left; look again after estimate/2 + 1 seconds. */
export class ResourcesRemainingError extends Error {
  constructor(readonly estimate: number) {
    super(`some content remains in the namespace, estimate ${estimate} seconds before it is removed`);
  }
}

/**
 * The namespaced resources a namespace can hold and the controller can delete: discovery's
 * ServerPreferredNamespacedResources filtered by the "delete" verb (here: the API server's catalog).
 */
export function deletableNamespacedResources(): ResourceInfo[] {
  return RESOURCES.filter((r) => r.namespaced && r.verbs.includes("delete") && r.verbs.includes("list"));
}

type Cb<T = void> = (err?: unknown, result?: T) => void;

export class NamespacedResourcesDeleter {
  constructor(private readonly sim: Simulation, private readonly client: KubeClient, private readonly resources: () => ResourceInfo[] = deletableNamespacedResources) {}

  /** Delete: nothing if not deleting or already finalized; else empty it, then finalize. */
  delete(name: string, cb: Cb): void {
    this.client.get("namespaces", name, undefined, (err, ns) => {
      if (err && err.reason === "NotFound") return cb();
      if (err || !ns) return cb(err);
      if (!ns.metadata.deletionTimestamp) return cb();
      this.updateNamespaceStatus(ns, (serr, cur) => {
        if (serr && (serr as KubeApiError).reason === "NotFound") return cb();
        if (serr || !cur) return cb(serr);
        if (!(cur.spec?.finalizers ?? []).includes(FINALIZER_KUBERNETES)) return cb(); // finalized
        this.deleteAllContent(cur, (derr, estimate) => {
          if (derr) return cb(derr);
          if ((estimate ?? 0) > 0) return cb(new ResourcesRemainingError(estimate!));
          this.finalize(cur, cb);
        });
      });
    });
  }

  /** The API server sets phase Terminating on delete; make sure (updateNamespaceStatusFunc). */
  private updateNamespaceStatus(ns: KubeObject, cb: Cb<KubeObject>): void {
    if (ns.status?.phase === "Terminating") return cb(undefined, ns);
    this.client.updateStatus({ ...ns, status: { ...(ns.status ?? {}), phase: "Terminating" } }, cb);
  }

  /** One pass over every resource; the largest estimate of what is still on its way out. */
  private deleteAllContent(ns: KubeObject, cb: Cb<number>): void {
    const name = ns.metadata.name!;
    const totals: ContentTotals = { remaining: new Map(), finalizers: new Map(), deleteErrors: [] };
    const resources = this.resources();
    let estimate = 0;
    let i = 0;
    const next = (): void => {
      if (i === resources.length) return finish();
      const info = resources[i++];
      this.deleteAllContentFor(info, name, (err, meta) => {
        if (err) totals.deleteErrors.push(`${info.resource}.${info.group}: ${(err as Error).message}`);
        if (meta) {
          estimate = Math.max(estimate, meta.estimate);
          if (meta.remaining > 0) {
            totals.remaining.set(`${info.resource}.${info.group}`, meta.remaining);
            for (const [f, n] of meta.finalizers) totals.finalizers.set(f, (totals.finalizers.get(f) ?? 0) + n);
          }
        }
        next();
      });
    };
    const finish = () => {
      const { conditions, changed } = updateConditions((ns.status?.conditions as NamespaceCondition[] | undefined) ?? [], newConditions(totals, this.sim.now));
      const remaining = [...totals.remaining.values()].reduce((a, b) => a + b, 0);
      this.record("content", { namespace: name, remaining, estimate, errors: totals.deleteErrors.length });
      const answer = () => cb(totals.deleteErrors.length ? new Error(totals.deleteErrors.join("; ")) : undefined, estimate);
      if (!changed) return answer();
      // A failed status write is only logged, as in Kubernetes: the next pass writes it again.
      this.client.updateStatus({ ...ns, status: { ...(ns.status ?? {}), conditions } }, () => answer());
    };
    next();
  }

  /** deleteAllContentForGroupVersionResource: estimate, delete (collection or each), list what is left. */
  private deleteAllContentFor(info: ResourceInfo, ns: string, cb: Cb<{ estimate: number; remaining: number; finalizers: Map<string, number> }>): void {
    this.estimateGracefulTermination(info, ns, (estimate) => {
      this.deleteContent(info, ns, (derr) => {
        if (derr) return cb(derr, { estimate, remaining: 0, finalizers: new Map() });
        this.client.list(info, ns, {}, (lerr, list) => {
          if (lerr || !list) return cb(lerr, { estimate, remaining: 0, finalizers: new Map() });
          if (list.items.length === 0) return cb(undefined, { estimate: 0, remaining: 0, finalizers: new Map() });
          const finalizers = new Map<string, number>();
          for (const item of list.items) for (const f of item.metadata.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
          const meta = { estimate, remaining: list.items.length, finalizers };
          if (estimate !== 0) return cb(undefined, meta);
          // Finalizers are a normal reason to wait; give their controllers 15 s.
          if (finalizers.size > 0) return cb(undefined, { ...meta, estimate: FINALIZER_ESTIMATE_SECONDS });
          cb(new Error(`unexpected items still remain in namespace: ${ns} for gvr: ${info.group}/${info.version}, Resource=${info.resource}`), meta);
        });
      });
    });
  }

  /** Only pods terminate gracefully: the longest terminationGracePeriodSeconds of the live ones. */
  private estimateGracefulTermination(info: ResourceInfo, ns: string, cb: (estimate: number) => void): void {
    if (!(info.group === "" && info.resource === "pods")) return cb(0);
    this.client.list(info, ns, {}, (err, list) => {
      if (err || !list) return cb(0);
      let estimate = 0;
      for (const pod of list.items) {
        const phase = pod.status?.phase;
        if (phase === "Succeeded" || phase === "Failed") continue;
        const grace = pod.spec?.terminationGracePeriodSeconds;
        if (typeof grace === "number" && grace > estimate) estimate = grace;
      }
      cb(estimate);
    });
  }

  /** DELETE the collection (propagationPolicy Background), or list and delete each object. */
  private deleteContent(info: ResourceInfo, ns: string, cb: Cb): void {
    const opts = JSON.stringify({ kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" });
    if (info.verbs.includes("deletecollection")) {
      return this.client.request("DELETE", this.client.path(info, ns), {}, opts, (err) => cb(err && (err as KubeApiError).reason !== "NotFound" ? err : undefined));
    }
    this.client.list(info, ns, {}, (err, list?: KubeList) => {
      if (err || !list) return cb(err);
      let left = list.items.length;
      let failed: unknown;
      if (left === 0) return cb();
      for (const item of list.items) {
        this.client.delete(info, item.metadata.name!, ns, { propagationPolicy: "Background" }, (derr) => {
          if (derr && derr.reason !== "NotFound") failed = derr;
          if (--left === 0) cb(failed);
        });
      }
    });
  }

  /** PUT .../finalize with spec.finalizers minus "kubernetes" (retried once on a conflict). */
  private finalize(ns: KubeObject, cb: Cb, retried = false): void {
    const finalizers = [...new Set((ns.spec?.finalizers ?? []) as string[])].filter((f) => f !== FINALIZER_KUBERNETES).sort();
    const body = { ...ns, spec: { ...(ns.spec ?? {}), finalizers } };
    const name = ns.metadata.name!;
    this.client.request("PUT", this.client.path("namespaces", undefined, name, "finalize"), {}, JSON.stringify(body), (err) => {
      if (err && (err as KubeApiError).reason === "NotFound") return cb();
      if (err && (err as KubeApiError).code === 409 && !retried) {
        return this.client.get("namespaces", name, undefined, (gerr, cur) => (gerr || !cur ? cb(gerr) : this.finalize(cur, cb, true)));
      }
      if (!err) this.record("finalized", { namespace: name, finalizers: finalizers.join(",") });
      cb(err);
    });
  }

  private record(kind: string, fields: Record<string, unknown>): void {
    this.sim.trace.record("namespace-controller", kind, fields);
  }
}
