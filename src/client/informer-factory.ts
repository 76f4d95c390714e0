// client-go's SharedInformerFactory [informers/factory.go]: one informer per resource, shared by
// every controller of a process. Two controllers that both watch pods share one list + watch
// and one cache; that is why a controller manager with thirty controllers does not open thirty
// pod watches against the API server.

import type { Simulation } from "../sim/simulation";
import type { Duration } from "../sim/duration";
import { KubeClient, resolveResource } from "./kube-client";
import { listWatchFromClient } from "./list-watch";
import type { KubeObjectLike } from "./list-watch";
import { SharedIndexInformer } from "./informer";
import type { Lister } from "./lister";

export interface SharedInformerFactoryOptions {
  /** Default resync period of the informers (client-go's controller manager uses 12h-24h; 0 = none). */
  resyncPeriod?: Duration;
  /** Only this namespace (default: all). */
  namespace?: string;
}

export class SharedInformerFactory {
  private readonly informers = new Map<string, SharedIndexInformer<any>>();
  private stopped = false;

  constructor(private readonly sim: Simulation, readonly client: KubeClient, private readonly options: SharedInformerFactoryOptions = {}) {}

  /** The shared informer of a resource ("pods", "deployments", "Pod", ...), created on first ask. */
  informerFor<T extends KubeObjectLike = any>(resource: string): SharedIndexInformer<T> {
    const info = resolveResource(resource);
    const key = `${info.group}/${info.resource}`;
    let inf = this.informers.get(key);
    if (!inf) {
      const ns = info.namespaced ? this.options.namespace : undefined;
      inf = new SharedIndexInformer<T>(this.sim, listWatchFromClient(this.client, info, ns), {
        name: `${this.client.name}/${info.resource}`,
        resyncPeriod: this.options.resyncPeriod ?? 0,
      });
      this.informers.set(key, inf);
    }
    return inf as SharedIndexInformer<T>;
  }

  listerFor<T extends KubeObjectLike = any>(resource: string): Lister<T> {
    return this.informerFor<T>(resource).lister();
  }

  /** Starts every informer asked for so far (later ones: call start again, as client-go does). */
  start(): void {
    if (this.stopped) throw new Error("informer factory stopped");
    for (const inf of this.informers.values()) inf.run();
  }

  /** True once every informer asked for so far has delivered its first list. */
  hasSynced(): boolean {
    for (const inf of this.informers.values()) if (!inf.hasSynced()) return false;
    return true;
  }

  /** Stops every informer (a stopped factory cannot start again). */
  shutdown(): void {
    this.stopped = true;
    for (const inf of this.informers.values()) inf.stop();
  }
}
