// EndpointSliceTracker [k8s.io/endpointslice/util/endpointslice_tracker.go]: what this
// controller last wrote to each slice, so that it can tell
//  - its own writes coming back through the informer (no need to sync again) from someone
//    else's change to a slice (sync: put it back as it should be), and
//  - a cache that has not caught up with its writes yet (a sync now would compute from old
//    slices: fail it as "stale" and let the back-off retry it).
//
// Simplification, named: Kubernetes tracks each slice's metadata.generation, which its API
// server bumps on every change to an EndpointSlice. Our API server bumps generation on spec
// changes only (and a slice has no spec), so we track resourceVersions instead — the etcd
// revision of the write, which orders writes of one object just as well.

import type { KubeObject } from "../../apiserver/registry/object";
import { LABEL_SERVICE_NAME } from "./reconciler";

const DELETION_EXPECTED = -1;

function rv(slice: KubeObject): number {
  return Number(slice.metadata.resourceVersion ?? 0);
}

function serviceKey(slice: KubeObject): string {
  return `${slice.metadata.namespace}/${slice.metadata.labels?.[LABEL_SERVICE_NAME] ?? ""}`;
}

export class EndpointSliceTracker {
  /** Service key → slice UID → the resourceVersion we wrote (or DELETION_EXPECTED). */
  private readonly byService = new Map<string, Map<string, number>>();
  private readonly serviceUIDs = new Map<string, string>();

  has(slice: KubeObject): boolean {
    return this.byService.get(serviceKey(slice))?.has(slice.metadata.uid!) ?? false;
  }

  /** True unless this is (or predates) our own last write of the slice. */
  shouldSync(slice: KubeObject): boolean {
    const g = this.byService.get(serviceKey(slice))?.get(slice.metadata.uid!);
    return g === undefined || rv(slice) > g;
  }

  /**
   * True if the cache is behind our writes for this Service: a slice older than what we
   * wrote, a slice we deleted still there, or a slice we wrote missing.
   */
  staleSlices(svc: KubeObject, slices: KubeObject[]): boolean {
    const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
    const knownUID = this.serviceUIDs.get(key);
    // A Service deleted and re-created under the same name: the old writes do not count.
    if (knownUID && svc.metadata.uid && knownUID !== svc.metadata.uid) this.byService.delete(key);
    this.serviceUIDs.set(key, svc.metadata.uid ?? "");
    const tracked = this.byService.get(key);
    if (!tracked) return false;
    const provided = new Set<string>();
    for (const s of slices) {
      provided.add(s.metadata.uid!);
      const g = tracked.get(s.metadata.uid!);
      if (g !== undefined && (g === DELETION_EXPECTED || g > rv(s))) return true;
    }
    for (const [uid, g] of tracked) if (g !== DELETION_EXPECTED && !provided.has(uid)) return true;
    return false;
  }

  update(slice: KubeObject): void {
    this.slicesOf(slice).set(slice.metadata.uid!, rv(slice));
  }

  expectDeletion(slice: KubeObject): void {
    this.slicesOf(slice).set(slice.metadata.uid!, DELETION_EXPECTED);
  }

  /** A slice was deleted: true if we expected it (our own delete). */
  handleDeletion(slice: KubeObject): boolean {
    const m = this.byService.get(serviceKey(slice));
    if (!m) return true;
    const g = m.get(slice.metadata.uid!);
    m.delete(slice.metadata.uid!);
    return g === undefined || g === DELETION_EXPECTED;
  }

  deleteService(namespace: string, name: string): void {
    this.byService.delete(`${namespace}/${name}`);
    this.serviceUIDs.delete(`${namespace}/${name}`);
  }

  private slicesOf(slice: KubeObject): Map<string, number> {
    const k = serviceKey(slice);
    let m = this.byService.get(k);
    if (!m) this.byService.set(k, (m = new Map()));
    return m;
  }
}
