// The EndpointSlice controller [k/k pkg/controller/endpointslice/endpointslice_controller.go]:
// for every Service with a selector, EndpointSlices (discovery.k8s.io/v1) listing its pods'
// addresses, at most 100 per slice, with per-endpoint conditions (ready, serving,
// terminating), node and zone. This is what kube-proxy and CoreDNS read: a change to one pod
// rewrites one slice of ≤ 100 endpoints, not one object listing every backend.
//
//   Service added/updated/deleted ──▶ key
//   Pod added/updated/deleted     ──▶ keys of the Services concerned (as the Endpoints controller)
//   EndpointSlice changed by someone else, or deleted unexpectedly ──▶ key, after 1 s
//
// The reconciler (reconciler.ts) decides; syncService reads the caches, asks it, and performs
// the writes: creates, then updates, then deletes (finalize). Deleting a Service deletes its
// slices through their ownerReference: that is the garbage collector's job, not ours.

import type { KubeObject } from "../../apiserver/registry/object";
import { KubeApiError } from "../../client/kube-client";
import { deletionHandlingMetaNamespaceKeyFunc, DeletedFinalStateUnknown, splitMetaNamespaceKey } from "../../client/lister";
import { BucketRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter } from "../../client/rate-limiter";
import { RateLimitingQueue, runWorkers, Workers } from "../../client/workqueue";
import type { Controller, ControllerContext, ControllerFactory } from "../controller";
import { waitForCacheSync } from "../controller";
import { hasStatusCause, NamespaceTerminatingCause } from "../util/errors";
import { CONTROLLER_NAME, DEFAULT_MAX_ENDPOINTS_PER_SLICE, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, reconcile } from "./reconciler";
import { EndpointSliceTracker } from "./tracker";
import { ANNOTATION_TRIGGER_TIME, podFromDeleteAction, podServiceMemberships, serviceSelector, servicesToUpdateOnPodChange, TriggerTimeTracker } from "./util";

const COMPONENT = "endpointslice-controller";

/** A Service is dropped from the queue after this many failed syncs. */
export const MAX_RETRIES = 15;
/** endpointSliceChangeMinSyncDelay: a slice event waits this long, batching slice changes. */
export const SLICE_CHANGE_MIN_SYNC_DELAY_MS = 1000;

export interface EndpointSliceControllerOptions {
  /** --concurrent-service-endpoint-syncs (default 5). */
  workers?: number;
  /** --max-endpoints-per-slice (default 100). */
  maxEndpointsPerSlice?: number;
  /** --endpointslice-updates-batch-period (default 0). */
  batchPeriodMs?: number;
}

export function newEndpointSliceController(ctx: ControllerContext, options: EndpointSliceControllerOptions = {}): Controller {
  const { sim, client } = ctx;
  const workerCount = options.workers ?? 5;
  const maxEndpointsPerSlice = options.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
  const batch = options.batchPeriodMs ?? 0;
  const recorder = ctx.recorder("endpoint-slice-controller");
  const services = ctx.informers.informerFor<KubeObject>("services");
  const pods = ctx.informers.informerFor<KubeObject>("pods");
  const nodes = ctx.informers.informerFor<KubeObject>("nodes");
  const slices = ctx.informers.informerFor<KubeObject>("endpointslices");
  const serviceLister = services.lister();
  const podLister = pods.lister();
  const nodeLister = nodes.lister();
  const sliceLister = slices.lister();
  // Like DefaultControllerRateLimiter but with a 1 s base back-off instead of 5 ms: a sync
  // can rewrite many slices, and retrying it fast would hammer the API server.
  const queue = new RateLimitingQueue<string>(
    sim,
    new MaxOfRateLimiter<string>(new ItemExponentialFailureRateLimiter<string>(1000, 1000_000), new BucketRateLimiter<string>(sim, 10, 100)),
    { name: "endpoint_slice" },
  );
  const tracker = new EndpointSliceTracker();
  const triggerTimes = new TriggerTimeTracker();
  const trace = (kind: string, fields: Record<string, unknown>) => sim.trace.record(COMPONENT, kind, fields);

  const managedByUs = (s: KubeObject) => s.metadata.labels?.[LABEL_MANAGED_BY] === CONTROLLER_NAME;
  const enqueuePodServices = (keys: Set<string>) => {
    for (const k of keys) batch > 0 ? queue.addAfter(k, batch) : queue.add(k);
  };
  const enqueueForSlice = (s: KubeObject) => {
    const svcName = s.metadata.labels?.[LABEL_SERVICE_NAME];
    if (!svcName) return;
    queue.addAfter(`${s.metadata.namespace}/${svcName}`, Math.max(SLICE_CHANGE_MIN_SYNC_DELAY_MS, batch));
  };
  const keyOf = (obj: KubeObject | DeletedFinalStateUnknown<KubeObject>) => deletionHandlingMetaNamespaceKeyFunc(obj);

  services.addEventHandler({
    onAdd: (svc) => queue.add(keyOf(svc)),
    onUpdate: (_old, svc) => queue.add(keyOf(svc)),
    onDelete: (svc) => queue.add(keyOf(svc)),
  });
  pods.addEventHandler({
    onAdd: (pod) => enqueuePodServices(podServiceMemberships(serviceLister, pod)),
    onUpdate: (oldPod, pod) => enqueuePodServices(servicesToUpdateOnPodChange(serviceLister, oldPod, pod)),
    onDelete: (obj) => {
      const pod = podFromDeleteAction(obj);
      if (pod) enqueuePodServices(podServiceMemberships(serviceLister, pod));
    },
  });
  // Nodes: read for zones only (topology hints, which also watch nodes, are not modelled).
  slices.addEventHandler({
    onAdd: (s) => {
      if (managedByUs(s) && tracker.shouldSync(s)) enqueueForSlice(s);
    },
    onUpdate: (old, s) => {
      // Users may relabel a slice to another Service: both Services need a look.
      if (old.metadata.labels?.[LABEL_SERVICE_NAME] !== s.metadata.labels?.[LABEL_SERVICE_NAME]) {
        enqueueForSlice(s);
        enqueueForSlice(old);
        return;
      }
      if (managedByUs(old) !== managedByUs(s) || (managedByUs(s) && tracker.shouldSync(s))) enqueueForSlice(s);
    },
    onDelete: (obj) => {
      const s = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
      // Deleted by someone else while we still want it: recreate.
      if (s && managedByUs(s) && tracker.has(s) && !tracker.handleDeletion(s)) enqueueForSlice(s);
    },
  });

  // ---- one sync ----

  function syncService(key: string, done: (err?: unknown) => void): void {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const svc = serviceLister.namespace(namespace).get(name);
    if (!svc) {
      // Its slices go with it through their ownerReference (the garbage collector's work).
      triggerTimes.deleteService(namespace, name);
      tracker.deleteService(namespace, name);
      return done();
    }
    if (svc.spec?.type === "ExternalName") return done();
    const selector = serviceSelector(svc);
    if (!selector) return done(); // slices of a selector-less Service are the user's (or the mirroring controller's)

    const selected = podLister.namespace(namespace).list({ matchLabels: selector });
    const existing = sliceLister
      .namespace(namespace)
      .list({ matchLabels: { [LABEL_SERVICE_NAME]: name, [LABEL_MANAGED_BY]: CONTROLLER_NAME } })
      // Slices being deleted are ignored, else the controller could wait on them forever.
      .filter((s) => !s.metadata.deletionTimestamp);
    if (tracker.staleSlices(svc, existing)) {
      trace("stale", { service: key });
      return done(new Error("EndpointSlice informer cache is out of date"));
    }
    const triggerTime = triggerTimes.compute(svc, selected);
    const pods = [...selected].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
    const plan = reconcile({ service: svc, pods, existingSlices: existing, nodes: nodeLister, maxEndpointsPerSlice });
    const errors: string[] = [];
    for (const p of plan.skippedPods) {
      trace("skip-pod", { service: key, pod: p, reason: "node not found" });
      errors.push(`skipping Pod ${p.split("/")[1]} for Service ${key}: Node not found`);
    }
    trace("sync", {
      service: key,
      pods: selected.length,
      slices: existing.length,
      create: plan.toCreate.length,
      update: plan.toUpdate.length,
      delete: plan.toDelete.length,
      added: plan.added,
      removed: plan.removed,
    });
    finalize(svc, plan.toCreate, plan.toUpdate, plan.toDelete, triggerTime, (err) => {
      if (err) errors.push(err);
      if (errors.length === 0) return done();
      const msg = errors.join("; ");
      recorder.event(svc, "Warning", "FailedToUpdateEndpointSlices", `Error updating Endpoint Slices for Service ${key}: ${msg}`);
      done(new Error(msg));
    });
  }

  /** Creates (unless the Service is being deleted), then updates, then deletes, one at a time; stops at the first error. */
  function finalize(svc: KubeObject, toCreate: KubeObject[], toUpdate: KubeObject[], toDelete: KubeObject[], triggerTime: string | undefined, cb: (err?: string) => void): void {
    const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
    type Step = { verb: "create" | "update" | "delete"; slice: KubeObject };
    // Creating slices for a Service being deleted would race the garbage collector.
    const creates = svc.metadata.deletionTimestamp ? [] : toCreate;
    const steps: Step[] = [
      ...creates.map((slice) => ({ verb: "create" as const, slice })),
      ...toUpdate.map((slice) => ({ verb: "update" as const, slice })),
      ...toDelete.map((slice) => ({ verb: "delete" as const, slice })),
    ];
    const next = (i: number): void => {
      if (i >= steps.length) return cb();
      const { verb, slice } = steps[i];
      if (verb !== "delete") setTriggerTime(slice, triggerTime);
      const answer = (err?: KubeApiError, written?: KubeObject) => {
        if (err) {
          if (verb === "delete" && err.reason === "NotFound") return next(i + 1);
          // A namespace being deleted refuses creates: drop it, nothing to retry.
          if (verb === "create" && hasStatusCause(err, NamespaceTerminatingCause)) return cb();
          trace(`${verb}-error`, { service: key, slice: slice.metadata.name ?? slice.metadata.generateName, code: err.code, reason: err.reason, message: err.message });
          return cb(`failed to ${verb} ${verb === "create" ? "" : slice.metadata.name + " "}EndpointSlice for Service ${key}: ${err.message}`);
        }
        if (verb === "delete") tracker.expectDeletion(slice);
        else if (written) tracker.update(written);
        trace(verb, { service: key, slice: written?.metadata.name ?? slice.metadata.name, endpoints: (slice.endpoints ?? []).length, resourceVersion: written?.metadata.resourceVersion });
        next(i + 1);
      };
      if (verb === "create") client.create(slice, answer);
      else if (verb === "update") client.update(slice, answer);
      else client.delete("endpointslices", slice.metadata.name!, svc.metadata.namespace, {}, answer);
    };
    next(0);
  }

  // ---- lifecycle ----

  let workers: Workers | undefined;
  let cancelWait: (() => void) | undefined;
  return {
    name: "endpointslice",
    start() {
      if (workers || cancelWait) return;
      trace("start", { workers: workerCount, maxEndpointsPerSlice });
      const synced = [services, pods, nodes, slices].map((i) => () => i.hasSynced());
      cancelWait = waitForCacheSync(sim, synced, () => {
        cancelWait = undefined;
        trace("caches-synced", {});
        workers = runWorkers(queue, workerCount, syncService, { maxRetries: MAX_RETRIES });
      });
    },
    stop() {
      cancelWait?.();
      cancelWait = undefined;
      workers?.stop();
      workers = undefined;
      queue.shutDown();
      trace("stop", {});
    },
  };
}

/** The factory the controller manager calls (--controllers name "endpointslice"). */
export const endpointSliceController: ControllerFactory = (ctx) => newEndpointSliceController(ctx);

/** addTriggerTimeAnnotation: set it, or remove it when there is no new trigger. */
function setTriggerTime(slice: KubeObject, triggerTime: string | undefined): void {
  const a: Record<string, string> = { ...(slice.metadata.annotations ?? {}) };
  if (triggerTime) a[ANNOTATION_TRIGGER_TIME] = triggerTime;
  else delete a[ANNOTATION_TRIGGER_TIME];
  if (Object.keys(a).length) slice.metadata.annotations = a;
  else delete slice.metadata.annotations;
}
