// The pod garbage collector [k/k pkg/controller/podgc/gc_controller.go, 1.32]: removes Pod
// objects nobody else will ever remove.
//
// Every gcCheckPeriod (20 s, measured from the end of the previous pass) it lists pods and nodes
// from its informers and, in this order:
//   1. gcTerminated — more than --terminated-pod-gc-threshold (12500) Succeeded/Failed pods:
//      deletes the excess, evicted pods first, then oldest first;
//   2. gcTerminating — terminating pods on a node that is not Ready and carries the
//      node.kubernetes.io/out-of-service taint (an operator's "this node is gone"): force-deleted;
//   3. gcOrphaned — pods bound to a node that does not exist. A node missing from the informer
//      may just not have arrived yet, so the node name is quarantined for 40 s; after that the
//      node is fetched from the API server, and only if it is really NotFound are its pods
//      marked (DisruptionTarget, reason DeletionByPodGC) and force-deleted;
//   4. gcUnscheduledTerminating — pods being deleted that were never bound to a node: no
//      kubelet will ever finish them, so they are force-deleted.
// Every deletion is "markFailedAndDeletePod": a pod not yet terminal is first patched to phase
// Failed (its kubelet, if any, is not going to say so), then deleted with grace period 0.
//
// This is how the chapter-04 story ends: a dead node's pods stay Terminating (the API server
// waits for a kubelet that will not answer) until someone deletes the Node object; then, within
// a minute or so, PodGC force-deletes them.

import type { KubeObject } from "../../apiserver/registry/object";
import { parseTimestamp, timestamp } from "../../apiserver/registry/object";
import type { SharedIndexInformer } from "../../client/informer";
import { DelayingQueue } from "../../client/workqueue";
import type { Duration } from "../../sim/duration";
import { parseDuration } from "../../sim/duration";
import type { Timer } from "../../sim/simulation";
import type { Controller, ControllerContext, ControllerFactory } from "../controller";
import { waitForCacheSync } from "../controller";
import { parallel, series } from "../util/async";
import type { Done } from "../util/async";

export const COMPONENT = "pod-garbage-collector";
export const TAINT_NODE_OUT_OF_SERVICE = "node.kubernetes.io/out-of-service";

export interface PodGCControllerOptions {
  /** --terminated-pod-gc-threshold (default 12500; 0 or less: never delete terminated pods). */
  terminatedPodGCThreshold?: number;
  /** gcCheckPeriod (20 s). */
  gcCheckPeriod?: Duration;
  /** quarantineTime (40 s): how long a missing node may be missing before it counts as gone. */
  quarantineTime?: Duration;
}

export type GCReason = "terminated" | "terminating-out-of-service" | "orphaned" | "terminating-unscheduled";

export class PodGCController implements Controller {
  readonly name = "podgc";
  /** orphaned_pods_nodes: node names waiting out their quarantine. */
  readonly nodeQueue: DelayingQueue<string>;
  private readonly podInformer: SharedIndexInformer<KubeObject>;
  private readonly nodeInformer: SharedIndexInformer<KubeObject>;
  private readonly threshold: number;
  private readonly period: number;
  private readonly quarantine: number;
  private timer: Timer | undefined;
  private cancelSync: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly ctx: ControllerContext, options: PodGCControllerOptions = {}) {
    this.threshold = options.terminatedPodGCThreshold ?? 12500;
    this.period = parseDuration(options.gcCheckPeriod ?? "20s");
    this.quarantine = parseDuration(options.quarantineTime ?? "40s");
    this.nodeQueue = new DelayingQueue<string>(ctx.sim, { name: "orphaned_pods_nodes" });
    this.podInformer = ctx.informers.informerFor<KubeObject>("pods");
    this.nodeInformer = ctx.informers.informerFor<KubeObject>("nodes");
  }

  start(): void {
    this.stopped = false;
    this.trace("start", { terminatedPodGCThreshold: this.threshold, gcCheckPeriod: this.period, quarantineTime: this.quarantine });
    this.cancelSync = waitForCacheSync(this.ctx.sim, [() => this.podInformer.hasSynced(), () => this.nodeInformer.hasSynced()], () => {
      this.trace("caches-synced", {});
      this.loop();
    });
  }

  stop(): void {
    this.stopped = true;
    this.cancelSync?.();
    this.timer?.cancel();
    this.nodeQueue.shutDown();
  }

  /** wait.UntilWithContext(gc, gcCheckPeriod): run now, then gcCheckPeriod after each pass ends. */
  private loop(): void {
    if (this.stopped) return;
    this.gc(() => {
      if (this.stopped) return;
      this.timer = this.ctx.sim.after(this.period, () => this.loop(), "podgc gc");
    });
  }

  /** One pass over every pod and node in the caches. */
  gc(done: () => void): void {
    const pods = this.podInformer.lister().list();
    const nodes = this.nodeInformer.lister().list();
    const steps: ((next: () => void) => void)[] = [];
    if (this.threshold > 0) steps.push((next) => this.gcTerminated(pods, next));
    steps.push((next) => this.gcTerminating(pods, next));
    steps.push((next) => this.gcOrphaned(pods, nodes, next));
    steps.push((next) => this.gcUnscheduledTerminating(pods, next));
    series(steps, (step, d) => step(() => d()), () => done());
  }

  /** Deletes the terminated pods beyond the threshold: evicted first, then the oldest. */
  private gcTerminated(pods: KubeObject[], done: () => void): void {
    const terminated = pods.filter(isPodTerminated);
    const deleteCount = terminated.length - this.threshold;
    if (deleteCount <= 0) return done();
    this.trace("gc-terminated", { terminated: terminated.length, threshold: this.threshold, deleting: deleteCount });
    const victims = terminated.sort(byEvictionAndCreationTimestamp).slice(0, deleteCount);
    parallel(victims, (pod, d) => this.markFailedAndDeletePod(pod, "terminated", undefined, () => d()), () => done());
  }

  /** Force-deletes terminating pods on NotReady nodes an operator tainted out-of-service. */
  private gcTerminating(pods: KubeObject[], done: () => void): void {
    const victims = pods.filter((pod) => {
      if (!pod.metadata.deletionTimestamp) return false;
      const node = this.nodeInformer.lister().get(pod.spec?.nodeName ?? "");
      if (!node) return false; // the real one logs "Failed to get node" and goes on
      return !isNodeReady(node) && (node.spec?.taints ?? []).some((t: { key?: string }) => t.key === TAINT_NODE_OUT_OF_SERVICE);
    });
    if (!victims.length) return done();
    victims.sort(byEvictionAndCreationTimestamp);
    parallel(victims, (pod, d) => this.markFailedAndDeletePod(pod, "terminating-out-of-service", undefined, () => d()), () => done());
  }

  /** Deletes pods bound to nodes that are gone, after a quarantine and a fresh GET of the node. */
  private gcOrphaned(pods: KubeObject[], nodes: KubeObject[], done: () => void): void {
    const existing = new Set(nodes.map((n) => n.metadata.name!));
    // Newly missing nodes enter quarantine (a name already waiting keeps its earlier deadline).
    for (const pod of pods) {
      const nodeName: string = pod.spec?.nodeName ?? "";
      if (!nodeName || existing.has(nodeName)) continue;
      const waiting = this.nodeQueue.lenWaiting();
      this.nodeQueue.addAfter(nodeName, this.quarantine);
      if (this.nodeQueue.lenWaiting() > waiting) this.trace("quarantine", { node: nodeName, until: this.ctx.sim.now + this.quarantine });
    }
    this.discoverDeletedNodes(existing, (deleted) => {
      const orphans = pods.filter((pod) => deleted.has(pod.spec?.nodeName ?? ""));
      const condition = { type: "DisruptionTarget", status: "True", reason: "DeletionByPodGC", message: "PodGC: node no longer exists" };
      series(orphans, (pod, d) => this.markFailedAndDeletePod(pod, "orphaned", condition, () => d()), () => done());
    });
  }

  /** Node names whose quarantine is over and that the API server says do not exist. */
  private discoverDeletedNodes(existing: Set<string>, cb: (deleted: Set<string>) => void): void {
    const due: string[] = [];
    while (this.nodeQueue.len() > 0) {
      this.nodeQueue.get((item) => {
        if (item === undefined) return;
        if (!existing.has(item)) due.push(item);
        this.nodeQueue.done(item);
      });
    }
    const deleted = new Set<string>();
    parallel(
      due,
      (name, d) =>
        this.ctx.client.get("nodes", name, undefined, (err) => {
          if (err && (err as { reason?: string }).reason === "NotFound") {
            deleted.add(name);
            this.trace("node-gone", { node: name });
          } else if (err) {
            // Not known to be gone: the next pass quarantines it again if it is still missing.
            this.trace("node-check-failed", { node: name, reason: (err as { reason?: string }).reason });
          }
          d();
        }),
      () => cb(deleted),
    );
  }

  /** Force-deletes terminating pods that were never scheduled. */
  private gcUnscheduledTerminating(pods: KubeObject[], done: () => void): void {
    const victims = pods.filter((pod) => pod.metadata.deletionTimestamp && !pod.spec?.nodeName);
    series(victims, (pod, d) => this.markFailedAndDeletePod(pod, "terminating-unscheduled", undefined, () => d()), () => done());
  }

  /**
   * markFailedAndDeletePodWithCondition: a pod not yet terminal is patched to phase Failed
   * (with the condition, if any) so that it does not stay Running forever in the record of a
   * node that is gone; then it is deleted with grace period 0. Errors are traced, not retried:
   * the next pass finds the pod again.
   */
  private markFailedAndDeletePod(pod: KubeObject, reason: GCReason, condition: Record<string, string> | undefined, done: Done): void {
    const ns = pod.metadata.namespace ?? "";
    const name = pod.metadata.name!;
    const podKey = `${ns}/${name}`;
    const phase = pod.status?.phase;
    this.trace("deleting", { pod: podKey, reason, phase, node: pod.spec?.nodeName ?? "" });
    const del = () =>
      this.ctx.client.delete("pods", name, ns, { gracePeriodSeconds: 0 }, (err) => {
        if (err && (err as { reason?: string }).reason !== "NotFound") {
          this.trace("delete-failed", { pod: podKey, reason, error: (err as { reason?: string }).reason });
          return done();
        }
        this.trace("deleted", { pod: podKey, reason });
        done();
      });
    if (phase === "Succeeded" || phase === "Failed") return del();
    const status: Record<string, unknown> = { phase: "Failed" };
    if (condition) status.conditions = updatePodCondition(pod.status?.conditions ?? [], condition, this.ctx.sim.now);
    this.ctx.client.patch("pods", name, ns, "merge", { status }, (err) => {
      if (err) {
        this.trace("patch-failed", { pod: podKey, reason, error: (err as { reason?: string }).reason });
        return done();
      }
      del();
    }, "status");
  }

  private trace(kind: string, fields: Record<string, unknown>): void {
    this.ctx.sim.trace.record(COMPONENT, kind, fields);
  }
}

/** The factory the controller manager calls: --controllers=podgc. */
export const podGCController: ControllerFactory = (ctx) => new PodGCController(ctx);

/** A factory with options (e.g. a small --terminated-pod-gc-threshold for an experiment). */
export function podGCControllerWith(options: PodGCControllerOptions): ControllerFactory {
  return (ctx) => new PodGCController(ctx, options);
}

/** isPodTerminated: phase is neither Pending, Running nor Unknown. */
function isPodTerminated(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase !== undefined && phase !== "Pending" && phase !== "Running" && phase !== "Unknown";
}

/** eviction.PodIsEvicted: Failed with reason Evicted (the kubelet's node-pressure eviction). */
function podIsEvicted(pod: KubeObject): boolean {
  return pod.status?.phase === "Failed" && pod.status?.reason === "Evicted";
}

/** Evicted pods first, then by creationTimestamp, then by name. */
function byEvictionAndCreationTimestamp(a: KubeObject, b: KubeObject): number {
  const ea = podIsEvicted(a);
  const eb = podIsEvicted(b);
  if (ea !== eb) return ea ? -1 : 1;
  const ta = parseTimestamp(a.metadata.creationTimestamp ?? "");
  const tb = parseTimestamp(b.metadata.creationTimestamp ?? "");
  if (ta !== tb) return ta - tb;
  const na = a.metadata.name ?? "";
  const nb = b.metadata.name ?? "";
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** nodeutil.IsNodeReady: the Ready condition is True. */
function isNodeReady(node: KubeObject): boolean {
  return (node.status?.conditions ?? []).some((c: { type?: string; status?: string }) => c.type === "Ready" && c.status === "True");
}

/** apipod.UpdatePodCondition: replace the condition of that type; keep its transition time if the status did not change. */
function updatePodCondition(conditions: Record<string, unknown>[], cond: Record<string, string>, now: number): Record<string, unknown>[] {
  const old = conditions.find((c) => c.type === cond.type);
  const lastTransitionTime = old && old.status === cond.status ? old.lastTransitionTime : timestamp(now);
  const next = { ...cond, lastProbeTime: null, lastTransitionTime };
  return [...conditions.filter((c) => c.type !== cond.type), next];
}
