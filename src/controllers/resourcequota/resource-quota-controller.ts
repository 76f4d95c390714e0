// The ResourceQuota controller [k/k pkg/controller/resourcequota/resource_quota_controller.go]:
// keeps every quota's status true to what its namespace really uses.
//
// The API server's ResourceQuota admission plugin charges status.used when an object is created
// (a compare-and-swap on the quota), and refuses the create once hard would be exceeded. It never
// gives anything back. This controller does: it recounts a quota from the live objects (the
// informer caches) and writes status {hard, used} when it differs.
//
//   quota added, or spec.hard changed ──▶ priority queue ("missing usage") ─┐
//   object deleted / pod turned terminal ──▶ replenishQuota(namespace) ─────┼▶ syncResourceQuota(key)
//   every --resource-quota-sync-period (5m) ──▶ enqueueAll ──▶ primary queue ┘
//
// Both queues have --concurrent-resource-quota-syncs (5) workers. A status write carries the
// quota's resourceVersion: if admission charged the quota meanwhile, the write conflicts and the
// key is retried with back-off, recounting from the newer state.
//
// Simplified: no quota scopes (Terminating, BestEffort, PriorityClass ...) or scopeSelector —
// the admission plugin has none either; a quota counts every object of its namespace.

import type { KubeObject } from "../../apiserver/registry/object";
import { DeletedFinalStateUnknown, splitMetaNamespaceKey } from "../../client/lister";
import type { SharedIndexInformer } from "../../client/informer";
import type { Duration } from "../../sim/duration";
import { parseDuration } from "../../sim/duration";
import type { Timer } from "../../sim/simulation";
import { RateLimitingQueue, runWorkers } from "../../client/workqueue";
import type { Workers } from "../../client/workqueue";
import type { ResourceInfo } from "../../apiserver/registry/resources";
import type { Controller, ControllerContext, ControllerFactory } from "../controller";
import { waitForCacheSync } from "../controller";
import type { Done } from "../util/async";
import { calculateUsage, formatUsed, resourcesTracked, sameResourceList } from "./evaluators";
import type { ResourceList } from "./evaluators";
import { QuotaMonitor } from "./quota-monitor";

export const COMPONENT = "resourcequota-controller";

export interface ResourceQuotaControllerOptions {
  /** --concurrent-resource-quota-syncs (default 5), per queue. */
  workers?: number;
  /** --resource-quota-sync-period (default 5m): how often every quota is recounted anyway. */
  resyncPeriod?: Duration;
}

export class ResourceQuotaController implements Controller {
  readonly name = "resourcequota";
  /** resourcequota_primary: recounts (replenishment, periodic resync). */
  readonly queue: RateLimitingQueue<string>;
  /** resourcequota_priority: quotas whose status does not yet reflect their spec. */
  readonly missingUsageQueue: RateLimitingQueue<string>;
  readonly monitor: QuotaMonitor;
  private readonly rqInformer: SharedIndexInformer<KubeObject>;
  private readonly workerCount: number;
  private readonly resyncPeriod: number;
  private workers: Workers[] = [];
  private resyncTimer: Timer | undefined;
  private cancelSync: (() => void) | undefined;

  constructor(private readonly ctx: ControllerContext, options: ResourceQuotaControllerOptions = {}) {
    this.workerCount = options.workers ?? 5;
    this.resyncPeriod = parseDuration(options.resyncPeriod ?? "5m");
    this.queue = new RateLimitingQueue<string>(ctx.sim, undefined, { name: "resourcequota_primary" });
    this.missingUsageQueue = new RateLimitingQueue<string>(ctx.sim, undefined, { name: "resourcequota_priority" });
    this.monitor = new QuotaMonitor(ctx, (info, ns, why, object) => this.replenishQuota(info, ns, why, object));
    this.rqInformer = ctx.informers.informerFor<KubeObject>("resourcequotas");
    this.rqInformer.addEventHandler({
      onAdd: (q) => this.addQuota(q),
      onUpdate: (old, cur) => {
        // Only spec changes matter: status changes are this controller's (or admission's) own
        // writes, and recounting on each would cost a namespace-wide count per charge.
        if (sameResourceList(old.spec?.hard ?? {}, cur.spec?.hard ?? {})) return;
        this.trace("spec-changed", { quota: key(cur) });
        this.addQuota(cur);
      },
      onDelete: (obj) => {
        const q = obj instanceof DeletedFinalStateUnknown ? (obj.obj as KubeObject) : obj;
        if (q) this.queue.add(key(q));
      },
    });
  }

  start(): void {
    this.trace("start", { workers: this.workerCount, resyncPeriod: this.resyncPeriod });
    this.monitor.start();
    this.cancelSync = waitForCacheSync(this.ctx.sim, [() => this.rqInformer.hasSynced(), () => this.monitor.isSynced(this.trackedNow())], () => {
      this.trace("caches-synced", {});
      for (const q of [this.queue, this.missingUsageQueue]) {
        this.workers.push(runWorkers(q, this.workerCount, (k, done) => this.syncResourceQuotaFromKey(q, k, done)));
      }
      this.enqueueAll();
      this.resyncTimer = this.ctx.sim.every(this.resyncPeriod, () => this.enqueueAll(), "resourcequota full resync");
    });
  }

  stop(): void {
    this.cancelSync?.();
    this.resyncTimer?.cancel();
    for (const w of this.workers) w.stop();
    this.workers = [];
    this.queue.shutDown();
    this.missingUsageQueue.shutDown();
    this.monitor.stop();
  }

  // ---- event handlers ----

  /** A quota whose status does not capture its spec yet goes to the priority queue. */
  private addQuota(q: KubeObject): void {
    const hard: ResourceList = q.spec?.hard ?? {};
    for (const info of resourcesTracked(Object.keys(hard))) this.monitor.monitor(info);
    const statusHard: ResourceList | undefined = q.status?.hard;
    const used: ResourceList = q.status?.used ?? {};
    const missing = !statusHard || !sameResourceList(hard, statusHard) || Object.keys(statusHard).some((k) => !(k in used) && resourcesTracked([k]).length > 0);
    (missing ? this.missingUsageQueue : this.queue).add(key(q));
  }

  /** enqueueAll: the periodic full recount (the only thing that catches a missed event). */
  private enqueueAll(): void {
    const all = this.rqInformer.lister().list();
    this.trace("resync", { quotas: all.length });
    for (const q of all) this.queue.add(key(q));
  }

  /** replenishQuota: recount the namespace's quotas that track something this resource uses. */
  private replenishQuota(info: ResourceInfo, namespace: string, why: string, object: string): void {
    const quotas = this.rqInformer.lister().namespace(namespace).list();
    const hit = quotas.filter((q) => resourcesTracked(Object.keys(q.status?.hard ?? {})).includes(info));
    if (!hit.length) return;
    this.trace("replenish", { resource: info.resource, namespace, why, object, quotas: hit.map((q) => q.metadata.name).join(",") });
    for (const q of hit) this.queue.add(key(q));
  }

  // ---- sync ----

  private syncResourceQuotaFromKey(queue: RateLimitingQueue<string>, quotaKey: string, done: Done): void {
    const { namespace, name } = splitMetaNamespaceKey(quotaKey);
    const quota = this.rqInformer.lister().namespace(namespace).get(name);
    if (!quota) {
      this.trace("deleted", { quota: quotaKey });
      return done();
    }
    const tracked = resourcesTracked(Object.keys(quota.spec?.hard ?? {}));
    if (!this.monitor.isSynced(tracked)) {
      // A monitor started for this quota has not listed yet: look again shortly.
      queue.addAfter(quotaKey, 100);
      return done();
    }
    this.syncResourceQuota(quota, done);
  }

  /** syncResourceQuota: recount, then write status {hard: spec.hard, used} only if it changed. */
  syncResourceQuota(quota: KubeObject, done: Done): void {
    const hard: ResourceList = quota.spec?.hard ?? {};
    const statusHard: ResourceList | undefined = quota.status?.hard;
    const statusUsed: ResourceList | undefined = quota.status?.used;
    const ns = quota.metadata.namespace ?? "";
    const counted = formatUsed(calculateUsage(ns, hard, this.ctx.sim.now, (info, n) => this.monitor.list(info, n)));
    // Start from the past observation (names nobody counts keep their value), mask to hard.
    const used: Record<string, unknown> = {};
    for (const k of Object.keys(hard).sort()) {
      if (k in counted) used[k] = counted[k];
      else if (statusUsed && k in statusUsed) used[k] = statusUsed[k];
    }
    const dirty = !statusHard || !statusUsed || !sameResourceList(hard, statusHard) || !sameResourceList(used, statusUsed);
    this.trace("sync", { quota: key(quota), dirty, used: summary(used) });
    if (!dirty) return done();
    const next: KubeObject = { ...quota, status: { hard: { ...hard }, used } };
    this.ctx.client.updateStatus(next, (err) => {
      if (err) {
        this.trace("status-conflict", { quota: key(quota), reason: (err as { reason?: string }).reason });
        return done(err);
      }
      this.trace("status-updated", { quota: key(quota), used: summary(used), was: summary(statusUsed ?? {}) });
      done();
    });
  }

  /** The resources the quotas known now track (for the first cache sync). */
  private trackedNow(): ResourceInfo[] {
    const names = new Set<string>();
    for (const q of this.rqInformer.lister().list()) for (const k of Object.keys(q.spec?.hard ?? {})) names.add(k);
    return resourcesTracked(names);
  }

  private trace(kind: string, fields: Record<string, unknown>): void {
    this.ctx.sim.trace.record(COMPONENT, kind, fields);
  }
}

/** The factory the controller manager calls: --controllers=resourcequota. */
export const resourceQuotaController: ControllerFactory = (ctx) => new ResourceQuotaController(ctx);

function key(obj: KubeObject): string {
  return `${obj.metadata.namespace}/${obj.metadata.name}`;
}

function summary(list: Record<string, unknown>): string {
  return Object.keys(list)
    .sort()
    .map((k) => `${k}=${list[k]}`)
    .join(",");
}
