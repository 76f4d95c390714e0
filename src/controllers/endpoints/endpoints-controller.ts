// The Endpoints controller [k/k pkg/controller/endpoint/endpoints_controller.go]: for every
// Service with a selector, an Endpoints object of the same name listing the IPs and ports of
// the pods the selector matches — ready pods under `addresses`, the others under
// `notReadyAddresses`. It is the older of the two ways a Service's backends are published
// (EndpointSlices are the other, and what kube-proxy reads since 1.19); it is still run by
// default in 1.32 for the clients that read Endpoints.
//
// The shape is client-go's: Service, Pod and Endpoints informers; handlers turn events into
// Service keys on a rate-limited queue; workers sync one Service at a time from the caches.
//
//   Service added/updated/deleted ──▶ key
//   Pod added/deleted             ──▶ keys of the Services selecting it
//   Pod updated                   ──▶ keys of the Services it left or joined, or whose endpoint changed
//   Endpoints deleted             ──▶ key (someone deleted ours: recreate it)

import type { KubeObject } from "../../apiserver/registry/object";
import { clone, deepEqual } from "../../apiserver/registry/object";
import { KubeApiError } from "../../client/kube-client";
import { deletionHandlingMetaNamespaceKeyFunc, DeletedFinalStateUnknown, splitMetaNamespaceKey } from "../../client/lister";
import { DefaultControllerRateLimiter } from "../../client/rate-limiter";
import { RateLimitingQueue, runWorkers, Workers } from "../../client/workqueue";
import type { Controller, ControllerContext, ControllerFactory } from "../controller";
import { waitForCacheSync } from "../controller";
import { hasStatusCause, NamespaceTerminatingCause } from "../util/errors";
import {
  ANNOTATION_TRIGGER_TIME,
  findPort,
  isPodReady,
  isServiceIPSet,
  LABEL_HEADLESS,
  podFromDeleteAction,
  podIPv4,
  podServiceMemberships,
  serviceSelector,
  servicesToUpdateOnPodChange,
  shouldPodBeInEndpoints,
  shouldSetHostname,
  TriggerTimeTracker,
} from "../endpointslice/util";
import type { ServicePort } from "../endpointslice/util";
import { EndpointAddress, EndpointPort, EndpointSubset, repackSubsets } from "./repack";

const COMPONENT = "endpoints-controller";

/** A Service is dropped from the queue after this many failed syncs. */
export const MAX_RETRIES = 15;
/** At most this many addresses in one Endpoints object; beyond, it is truncated. */
export const MAX_CAPACITY = 1000;
/** v1.EndpointsOverCapacity, set to "truncated" when addresses were dropped. */
export const ANNOTATION_OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity";
/** Endpoints carrying this annotation are leader-election locks, not a Service's: never cleaned up. */
const LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader";

export interface EndpointsControllerOptions {
  /** --concurrent-endpoint-syncs (default 5). */
  workers?: number;
  /** --endpoint-updates-batch-period: delay of syncs triggered by pod changes (default 0). */
  batchPeriodMs?: number;
}

export function newEndpointsController(ctx: ControllerContext, options: EndpointsControllerOptions = {}): Controller {
  const { sim, client } = ctx;
  const workerCount = options.workers ?? 5;
  const batch = options.batchPeriodMs ?? 0;
  const recorder = ctx.recorder("endpoint-controller");
  const services = ctx.informers.informerFor<KubeObject>("services");
  const pods = ctx.informers.informerFor<KubeObject>("pods");
  const endpoints = ctx.informers.informerFor<KubeObject>("endpoints");
  const serviceLister = services.lister();
  const podLister = pods.lister();
  const endpointsLister = endpoints.lister();
  const queue = new RateLimitingQueue<string>(sim, DefaultControllerRateLimiter<string>(sim), { name: "endpoint" });
  const triggerTimes = new TriggerTimeTracker();
  // staleEndpointsTracker: the resourceVersion we last updated *from*. Seeing it again in the
  // cache means the informer has not caught up with our own write yet: retry later rather
  // than compute from an outdated object (and fail with a conflict).
  const staleFrom = new Map<string, string>();
  const trace = (kind: string, fields: Record<string, unknown>) => sim.trace.record(COMPONENT, kind, fields);

  const enqueue = (key: string) => queue.add(key);
  const enqueuePodServices = (keys: Set<string>) => {
    for (const k of keys) batch > 0 ? queue.addAfter(k, batch) : queue.add(k);
  };
  const keyOf = (obj: KubeObject | DeletedFinalStateUnknown<KubeObject>) => deletionHandlingMetaNamespaceKeyFunc(obj);

  services.addEventHandler({
    onAdd: (svc) => enqueue(keyOf(svc)),
    onUpdate: (_old, svc) => enqueue(keyOf(svc)),
    onDelete: (svc) => enqueue(keyOf(svc)),
  });
  pods.addEventHandler({
    onAdd: (pod) => enqueuePodServices(podServiceMemberships(serviceLister, pod)),
    onUpdate: (oldPod, pod) => enqueuePodServices(servicesToUpdateOnPodChange(serviceLister, oldPod, pod)),
    onDelete: (obj) => {
      const pod = podFromDeleteAction(obj);
      if (pod) enqueuePodServices(podServiceMemberships(serviceLister, pod));
    },
  });
  endpoints.addEventHandler({ onDelete: (ep) => enqueue(keyOf(ep)) });

  // ---- one sync ----

  function syncService(key: string, done: (err?: unknown) => void): void {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const svc = serviceLister.namespace(namespace).get(name);
    if (!svc) {
      // The Service is gone: delete its Endpoints. (Had we been down when it was deleted,
      // checkLeftoverEndpoints at start-up catches it.)
      triggerTimes.deleteService(namespace, name);
      staleFrom.delete(key);
      if (!endpointsLister.namespace(namespace).get(name)) return done();
      client.delete("endpoints", name, namespace, {}, (err) => {
        if (err && err.reason !== "NotFound") return done(err);
        trace("delete", { service: key, outcome: err ? "NotFound" : "deleted" });
        done();
      });
      return;
    }
    // ExternalName Services and Services without a selector receive no endpoints from us;
    // Endpoints a user created for a selector-less Service are theirs to manage.
    if (svc.spec?.type === "ExternalName") return done();
    const selector = serviceSelector(svc);
    if (!selector) return done();

    const selected = podLister.namespace(namespace).list({ matchLabels: selector });
    // Called even when the sync turns out a no-op, so the tracker's state stays current.
    const triggerTime = triggerTimes.compute(svc, selected);
    const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
    const svcPorts: ServicePort[] = svc.spec?.ports ?? [];
    let subsets: EndpointSubset[] = [];
    let ready = 0;
    let notReady = 0;
    for (const pod of selected) {
      if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
      const ip = podIPv4(pod);
      if (!ip) continue; // no address of the Service's IP family (IPv4 only here)
      const addr: EndpointAddress = {
        ip,
        nodeName: pod.spec?.nodeName ?? "",
        targetRef: { kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name!, uid: pod.metadata.uid },
      };
      if (shouldSetHostname(pod, svc)) addr.hostname = pod.spec.hostname;
      const isReady = publishNotReady || isPodReady(pod);
      const add = (ports: EndpointPort[]) => {
        subsets.push(isReady ? { addresses: [addr], ports } : { notReadyAddresses: [addr], ports });
        isReady ? ready++ : notReady++;
      };
      if (svcPorts.length === 0) {
        // A headless Service may have no ports: its endpoints are just addresses (for DNS).
        if (svc.spec?.clusterIP === "None") add([]);
        continue;
      }
      for (const sp of svcPorts) {
        const port = findPort(pod, sp);
        if (port === undefined) continue; // this pod has no such named port: no endpoint for it
        const epp: EndpointPort = { port, protocol: sp.protocol ?? "TCP" };
        if (sp.name) epp.name = sp.name;
        if (sp.appProtocol) epp.appProtocol = sp.appProtocol;
        add([epp]);
      }
    }
    subsets = repackSubsets(subsets);

    const current = endpointsLister.namespace(namespace).get(name);
    if (current && staleFrom.get(key) === current.metadata.resourceVersion) {
      trace("stale", { service: key, resourceVersion: current.metadata.resourceVersion });
      return done(new Error(`endpoints informer cache is out of date, resource version ${current.metadata.resourceVersion} already processed for endpoints ${key}`));
    }
    const svcLabels = svc.metadata.labels ?? {};
    if (current) {
      const currentLabels = { ...(current.metadata.labels ?? {}) };
      delete currentLabels[LABEL_HEADLESS];
      if (
        deepEqual(current.subsets ?? [], subsets) &&
        deepEqual(currentLabels, svcLabels) &&
        capacityAnnotationSetCorrectly(current.metadata.annotations, current.subsets ?? [])
      ) {
        trace("unchanged", { service: key, ready, notReady });
        return done();
      }
    }

    const next: KubeObject = current ? clone(current) : { apiVersion: "v1", kind: "Endpoints", metadata: { name, namespace } };
    const annotations: Record<string, string> = { ...(next.metadata.annotations ?? {}) };
    if (triggerTime) annotations[ANNOTATION_TRIGGER_TIME] = triggerTime;
    else delete annotations[ANNOTATION_TRIGGER_TIME];
    if (truncateEndpoints(subsets)) annotations[ANNOTATION_OVER_CAPACITY] = "truncated";
    else delete annotations[ANNOTATION_OVER_CAPACITY];
    const labels: Record<string, string> = { ...svcLabels };
    if (!isServiceIPSet(svc)) labels[LABEL_HEADLESS] = "";
    else delete labels[LABEL_HEADLESS];
    setOrDelete(next.metadata, "labels", labels);
    setOrDelete(next.metadata, "annotations", annotations);
    if (subsets.length) next.subsets = subsets;
    else delete next.subsets;

    const verb = current ? "update" : "create";
    const write = (cb: (err?: KubeApiError, obj?: KubeObject) => void) => (current ? client.update(next, cb) : client.create(next, cb));
    write((err, written) => {
      if (err) {
        // A namespace being deleted refuses creates: nothing to retry.
        if (!current && err.reason === "Forbidden" && hasStatusCause(err, NamespaceTerminatingCause)) return done();
        if (current) recorder.event(next, "Warning", "FailedToUpdateEndpoint", `Failed to update endpoint ${namespace}/${name}: ${err.message}`);
        else recorder.event(next, "Warning", "FailedToCreateEndpoint", `Failed to create endpoint for service ${namespace}/${name}: ${err.message}`);
        trace(`${verb}-error`, { service: key, code: err.code, reason: err.reason, message: err.message });
        return done(err);
      }
      if (current && written && written.metadata.resourceVersion !== current.metadata.resourceVersion) staleFrom.set(key, current.metadata.resourceVersion!);
      trace(verb, { service: key, ready, notReady, subsets: subsets.length, resourceVersion: written?.metadata.resourceVersion });
      done();
    });
  }

  // ---- lifecycle ----

  let workers: Workers | undefined;
  let cancelWait: (() => void) | undefined;
  return {
    name: "endpoint",
    start() {
      if (workers || cancelWait) return;
      trace("start", { workers: workerCount });
      cancelWait = waitForCacheSync(sim, [services.hasSynced.bind(services), pods.hasSynced.bind(pods), endpoints.hasSynced.bind(endpoints)], () => {
        cancelWait = undefined;
        trace("caches-synced", {});
        workers = runWorkers(queue, workerCount, syncService, { maxRetries: MAX_RETRIES });
        checkLeftoverEndpoints();
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

  // Endpoints whose Service went while we were not running: queue them all once; the sync of
  // a key without a Service deletes its Endpoints.
  function checkLeftoverEndpoints(): void {
    for (const ep of endpointsLister.list()) {
      if (ep.metadata.annotations?.[LEADER_ANNOTATION] !== undefined) continue;
      queue.add(keyOf(ep));
    }
  }
}

/** The factory the controller manager calls (--controllers name "endpoint"). */
export const endpointsController: ControllerFactory = (ctx) => newEndpointsController(ctx);

function setOrDelete(meta: Record<string, any>, field: string, m: Record<string, string>): void {
  if (Object.keys(m).length) meta[field] = m;
  else delete meta[field];
}

function countAddresses(subsets: EndpointSubset[]): number {
  return subsets.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
}

/** Over capacity the annotation must be (re)computed; under it, it must be absent. */
function capacityAnnotationSetCorrectly(annotations: Record<string, string> | undefined, subsets: EndpointSubset[]): boolean {
  if (countAddresses(subsets) > MAX_CAPACITY) return false;
  return annotations?.[ANNOTATION_OVER_CAPACITY] === undefined;
}

/**
 * truncateEndpoints: keep at most MAX_CAPACITY addresses, ready ones first. If the ready ones
 * alone exceed the cap, every not-ready address goes and the ready ones are cut; otherwise
 * only not-ready addresses are cut. Each subset keeps a share proportional to its size
 * (rounded up, so the last subsets may get less). Returns whether anything was cut.
 */
export function truncateEndpoints(subsets: EndpointSubset[]): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const s of subsets) {
    totalReady += s.addresses?.length ?? 0;
    totalNotReady += s.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= MAX_CAPACITY) return false;
  const truncateReady = totalReady > MAX_CAPACITY;
  const max = truncateReady ? MAX_CAPACITY : MAX_CAPACITY - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  for (const s of subsets) {
    const inSubset = (truncateReady ? s.addresses?.length : s.notReadyAddresses?.length) ?? 0;
    const toBeAdded = Math.min(Math.ceil((inSubset / numTotal) * max), canBeAdded);
    if (truncateReady) {
      if (s.addresses) s.addresses = s.addresses.slice(0, toBeAdded);
      delete s.notReadyAddresses;
      canBeAdded -= s.addresses?.length ?? 0;
    } else {
      if (s.notReadyAddresses) s.notReadyAddresses = s.notReadyAddresses.slice(0, toBeAdded);
      canBeAdded -= s.notReadyAddresses?.length ?? 0;
    }
    if (s.notReadyAddresses && s.notReadyAddresses.length === 0) delete s.notReadyAddresses;
    if (s.addresses && s.addresses.length === 0) delete s.addresses;
  }
  return true;
}
