// The quota monitor [k/k pkg/controller/resourcequota/resource_quota_monitor.go]: one informer
// per resource that quota counts, whose only job is replenishment. The API server charges a
// quota when an object is created (admission), but nothing in the API server gives usage back;
// so the monitor watches for the events that release usage — a deletion, or an update that
// lowers what an object uses (a pod turning Succeeded or Failed) — and tells the controller to
// recount the quotas of that namespace. Creations are not watched: admission already charged them.
//
// Simplified: the real monitor discovers every quotable resource (and rediscovers every 30 s)
// and runs an informer for each; this one starts an informer for a resource the first time a
// quota names something that resource uses, so a cluster without quotas watches nothing more.

import type { KubeObject } from "../../apiserver/registry/object";
import type { ResourceInfo } from "../../apiserver/registry/resources";
import { usageOf } from "../../apiserver/server/quota";
import type { SharedIndexInformer } from "../../client/informer";
import { DeletedFinalStateUnknown } from "../../client/lister";
import type { ControllerContext } from "../controller";
import { informerName } from "./evaluators";

/** ReplenishmentFunc: something of this resource released usage in this namespace. */
export type ReplenishmentFunc = (info: ResourceInfo, namespace: string, why: "deleted" | "usage-changed", object: string) => void;

export class QuotaMonitor {
  private readonly monitors = new Map<ResourceInfo, SharedIndexInformer<KubeObject>>();
  private running = false;

  constructor(private readonly ctx: ControllerContext, private readonly replenish: ReplenishmentFunc) {}

  /** The informer of a resource, started (and given replenishment handlers) on first ask. */
  monitor(info: ResourceInfo): SharedIndexInformer<KubeObject> {
    let inf = this.monitors.get(info);
    if (inf) return inf;
    inf = this.ctx.informers.informerFor<KubeObject>(informerName(info));
    inf.addEventHandler({
      onUpdate: (old, cur) => {
        if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return; // resync
        // The real monitor filters per resource (pods: QuotaV1Pod(old) && !QuotaV1Pod(new));
        // "what it uses changed" covers that and asks nothing of other resources.
        if (!sameUsage(usageOf(info, old, this.ctx.sim.now), usageOf(info, cur, this.ctx.sim.now))) this.replenish(info, cur.metadata.namespace ?? "", "usage-changed", key(cur));
      },
      onDelete: (obj) => {
        const o = obj instanceof DeletedFinalStateUnknown ? (obj.obj as KubeObject) : obj;
        if (o) this.replenish(info, o.metadata.namespace ?? "", "deleted", key(o));
      },
    });
    this.monitors.set(info, inf);
    if (this.running && !inf.isStopped()) inf.run();
    return inf;
  }

  /** Runs the monitors asked for so far (and every later one as it is asked for). */
  start(): void {
    this.running = true;
    for (const inf of this.monitors.values()) if (!inf.isStopped()) inf.run();
  }

  stop(): void {
    this.running = false;
  }

  /** Whether the monitors of these resources have delivered their first list. */
  isSynced(infos: readonly ResourceInfo[]): boolean {
    return infos.every((info) => this.monitor(info).hasSynced());
  }

  /** The namespace's objects of a resource, from the monitor's cache. */
  list(info: ResourceInfo, namespace: string): KubeObject[] {
    return this.monitor(info).lister().namespace(namespace).list();
  }
}

function sameUsage(a: Record<string, number>, b: Record<string, number>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function key(o: KubeObject): string {
  return `${o.metadata.namespace}/${o.metadata.name}`;
}
