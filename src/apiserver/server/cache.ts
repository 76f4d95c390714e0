// A watch-fed, in-memory copy of one resource, for the server's own lookups (RBAC rules,
// namespaces for NamespaceLifecycle, ServiceAccounts, Service IPs). The real server keeps such
// caches with informers; they lag etcd by one watch delivery, which is why NamespaceLifecycle
// falls back to a live read on a miss.

import type { KubeObject } from "../registry/object";
import type { ResourceInfo } from "../registry/resources";
import type { ObjectStore } from "../storage/store";

export class ObjectCache {
  private readonly objects = new Map<string, KubeObject>();
  /** The revision the cache has seen up to (0 before the initial list arrived). */
  revision = 0;
  synced = false;
  private handle: { stop(): void } | undefined;

  constructor(private readonly store: ObjectStore, readonly info: ResourceInfo) {}

  start(): void {
    this.handle = this.store.watch(this.info, undefined, { resourceVersion: "" }, {
      event: (type, obj, rev) => {
        const k = key(obj.metadata.namespace, obj.metadata.name!);
        if (type === "DELETED") this.objects.delete(k);
        else this.objects.set(k, obj);
        this.revision = Math.max(this.revision, rev);
      },
      progress: (rev) => {
        this.revision = Math.max(this.revision, rev);
        this.synced = true;
      },
      // A compacted watch: list again from scratch (what an informer does after a 410).
      error: () => {
        this.objects.clear();
        this.synced = false;
        this.start();
      },
    });
  }

  stop(): void {
    this.handle?.stop();
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(key(namespace, name));
  }

  /** Writes the server just made, applied before the watch delivers them (read-your-writes). */
  observe(obj: KubeObject, deleted = false): void {
    const k = key(obj.metadata.namespace, obj.metadata.name!);
    if (deleted) this.objects.delete(k);
    else this.objects.set(k, obj);
  }

  list(namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of this.objects.values()) if (namespace === undefined || o.metadata.namespace === namespace) out.push(o);
    return out;
  }
}

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ""}/${name}`;
}
