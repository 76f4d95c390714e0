// The node lifecycle controller (kube-controller-manager's "nodelifecycle"), as in 1.32:
//  - every --node-monitor-period (5 s) it checks each node's heartbeats — the kubelet's Lease in
//    kube-node-lease and the Ready condition's lastHeartbeatTime — and when neither moved for
//    --node-monitor-grace-period (50 s since 1.32; 60 s for a node that never posted a status)
//    it sets the node's conditions to Unknown ("Kubelet stopped posting node status."), marks
//    the node's pods not Ready and records NodeNotReady;
//  - it mirrors conditions into NoSchedule taints (not-ready, unreachable, *-pressure,
//    unschedulable) at once, for the scheduler;
//  - it adds the NoExecute taint node.kubernetes.io/unreachable (Ready=Unknown) or not-ready
//    (Ready=False) through a per-zone rate-limited queue (--node-eviction-rate 0.1/s), slower
//    or not at all when a zone is largely down (PartialDisruption: --secondary-node-eviction-rate
//    0.01/s above --large-cluster-size-threshold 50 nodes, else 0) and not at all when every zone
//    is fully down (the problem is then more likely the control plane than the nodes);
//  - it removes the NoExecute taints once the node is Ready again.
// It evicts nothing itself: the taint-eviction controller (./taint-eviction-controller.ts) deletes
// pods that do not tolerate the NoExecute taints.
// [k/k pkg/controller/nodelifecycle/node_lifecycle_controller.go]

import type { Controller, ControllerContext, ControllerFactory } from "../controller";
import { waitForCacheSync } from "../controller";
import type { Timer } from "../../sim/simulation";
import { Duration, parseDuration } from "../../sim/duration";
import type { KubeObject } from "../../apiserver/registry/object";
import { parseTimestamp, timestamp } from "../../apiserver/registry/object";
import type { EventRecorder } from "../../client/events";
import type { SharedIndexInformer } from "../../client/informer";
import { RateLimitingQueue, runWorkers, Workers } from "../../client/workqueue";
import { RateLimitedTimedQueue } from "./rate-limited-queue";
import { swapNodeTaints } from "./node-taints";
import {
  Taint,
  TaintNodeDiskPressure,
  TaintNodeMemoryPressure,
  TaintNodeNetworkUnavailable,
  TaintNodeNotReady,
  TaintNodePIDPressure,
  TaintNodeUnreachable,
  TaintNodeUnschedulable,
  taintExists,
} from "./taints";
import { podsOnNode, ensureNodeNameIndex } from "./pods-by-node";

export const NLC_COMPONENT = "node-lifecycle-controller";
const NODE_LEASE_NAMESPACE = "kube-node-lease";
/** How often the NoExecute tainting pass runs [scheduler.NodeEvictionPeriod]. */
const NODE_EVICTION_PERIOD = 100;

export interface NodeLifecycleOptions {
  nodeMonitorPeriod?: Duration;
  nodeMonitorGracePeriod?: Duration;
  nodeStartupGracePeriod?: Duration;
  nodeEvictionRate?: number;
  secondaryNodeEvictionRate?: number;
  unhealthyZoneThreshold?: number;
  largeClusterSizeThreshold?: number;
}

export const UnreachableNoExecute: Taint = { key: TaintNodeUnreachable, effect: "NoExecute" };
export const NotReadyNoExecute: Taint = { key: TaintNodeNotReady, effect: "NoExecute" };

export type ZoneState = "Initial" | "Normal" | "PartialDisruption" | "FullDisruption";

interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

/** What the controller remembers per node: the last status and lease it saw, and when it saw a heartbeat. */
interface NodeHealth {
  status: any;
  probeTimestamp: number;
  readyTransitionTimestamp: number;
  leaseRenewTime?: string;
}

/** region + ":\0:" + zone from the topology labels; "" when neither is set [nodetopology.GetZoneKey]. */
export function zoneKey(node: KubeObject): string {
  const l = node.metadata.labels ?? {};
  const zone = l["topology.kubernetes.io/zone"] ?? l["failure-domain.beta.kubernetes.io/zone"] ?? "";
  const region = l["topology.kubernetes.io/region"] ?? l["failure-domain.beta.kubernetes.io/region"] ?? "";
  if (!zone && !region) return "";
  return `${region}:\u0000:${zone}`;
}

function readyCondition(status: any): Condition | undefined {
  return (status?.conditions ?? []).find((c: Condition) => c.type === "Ready");
}

export function newNodeLifecycleController(options: NodeLifecycleOptions = {}): ControllerFactory {
  return (ctx) => new NodeLifecycleController(ctx, options);
}

/** The factory with the 1.32 defaults. */
export const nodeLifecycleController: ControllerFactory = newNodeLifecycleController();

export class NodeLifecycleController implements Controller {
  readonly name = "nodelifecycle";
  readonly monitorPeriod: number;
  readonly gracePeriod: number;
  readonly startupGracePeriod: number;
  readonly evictionRate: number;
  readonly secondaryEvictionRate: number;
  readonly unhealthyZoneThreshold: number;
  readonly largeClusterThreshold: number;

  private readonly nodes: SharedIndexInformer<KubeObject>;
  private readonly leases: SharedIndexInformer<KubeObject>;
  private readonly pods: SharedIndexInformer<KubeObject>;
  private readonly recorder: EventRecorder;
  private readonly nodeUpdateQueue: RateLimitingQueue<string>;
  private readonly health = new Map<string, NodeHealth>();
  private readonly known = new Set<string>();
  /** Nodes whose pods could not all be marked not ready: retried at the next pass. */
  private readonly nodesToRetry = new Set<string>();
  readonly zoneStates = new Map<string, ZoneState>();
  readonly zoneTainters = new Map<string, RateLimitedTimedQueue>();
  private timers: Timer[] = [];
  private workers: Workers | undefined;
  private cancelSync: (() => void) | undefined;

  constructor(private readonly ctx: ControllerContext, options: NodeLifecycleOptions) {
    this.monitorPeriod = parseDuration(options.nodeMonitorPeriod ?? "5s");
    this.gracePeriod = parseDuration(options.nodeMonitorGracePeriod ?? "50s");
    this.startupGracePeriod = parseDuration(options.nodeStartupGracePeriod ?? "60s");
    this.evictionRate = options.nodeEvictionRate ?? 0.1;
    this.secondaryEvictionRate = options.secondaryNodeEvictionRate ?? 0.01;
    this.unhealthyZoneThreshold = options.unhealthyZoneThreshold ?? 0.55;
    this.largeClusterThreshold = options.largeClusterSizeThreshold ?? 50;
    this.nodes = ctx.informers.informerFor<KubeObject>("nodes");
    this.leases = ctx.informers.informerFor<KubeObject>("leases");
    this.pods = ctx.informers.informerFor<KubeObject>("pods");
    ensureNodeNameIndex(this.pods);
    this.recorder = ctx.recorder("node-controller");
    this.nodeUpdateQueue = new RateLimitingQueue<string>(ctx.sim, undefined, { name: "node_lifecycle_controller" });
    // Every node change may change which NoSchedule taints mirror its conditions.
    this.nodes.addEventHandler({
      onAdd: (n) => this.nodeUpdateQueue.add(n.metadata.name!),
      onUpdate: (_o, n) => this.nodeUpdateQueue.add(n.metadata.name!),
    });
  }

  start(): void {
    this.cancelSync = waitForCacheSync(this.ctx.sim, [() => this.nodes.hasSynced(), () => this.leases.hasSynced(), () => this.pods.hasSynced()], () => {
      this.record("started", { gracePeriod: this.gracePeriod / 1000, monitorPeriod: this.monitorPeriod / 1000 });
      this.workers = runWorkers(this.nodeUpdateQueue, 1, (name, done) => this.doNoScheduleTaintingPass(name, done));
      // wait.Until runs at once, then every period.
      this.monitorNodeHealth();
      this.timers.push(this.ctx.sim.every(this.monitorPeriod, () => this.monitorNodeHealth(), "nlc monitor node health"));
      this.timers.push(this.ctx.sim.every(NODE_EVICTION_PERIOD, () => this.doNoExecuteTaintingPass(), "nlc no-execute tainting"));
    });
  }

  stop(): void {
    this.cancelSync?.();
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.workers?.stop();
    this.nodeUpdateQueue.shutDown();
  }

  /** A zone's disruption state ("" is the zone of nodes without topology labels). */
  zoneState(zone = ""): ZoneState | undefined {
    return this.zoneStates.get(zone);
  }

  // ---- NoSchedule taints: conditions mirrored at once ----

  private doNoScheduleTaintingPass(name: string, done: (err?: unknown) => void): void {
    const node = this.nodes.lister().get(name);
    if (!node) return done();
    const want: Taint[] = [];
    for (const c of (node.status?.conditions ?? []) as Condition[]) {
      const key = noScheduleTaintFor(c);
      if (key) want.push({ key, effect: "NoSchedule" });
    }
    if (node.spec?.unschedulable) want.push({ key: TaintNodeUnschedulable, effect: "NoSchedule" });
    const have: Taint[] = (node.spec?.taints ?? []).filter((t: Taint) => t.effect === "NoSchedule" && MANAGED_NO_SCHEDULE_KEYS.includes(t.key));
    const toAdd = want.filter((t) => !taintExists(have, t));
    const toRemove = have.filter((t) => !taintExists(want, t));
    if (toAdd.length === 0 && toRemove.length === 0) return done();
    swapNodeTaints(this.ctx.sim, this.ctx.client, name, toAdd, toRemove, (ok, changed) => {
      if (!ok) return done(new Error(`failed to swap taints of node ${name}`));
      if (changed) this.record("no-schedule-taints", { node: name, added: toAdd.map((t) => t.key), removed: toRemove.map((t) => t.key) });
      done();
    });
  }

  // ---- the monitor pass ----

  private monitorNodeHealth(): void {
    const nodes = this.nodes.lister().list().slice().sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    const names = new Set(nodes.map((n) => n.metadata.name!));
    for (const n of nodes) {
      const name = n.metadata.name!;
      if (this.known.has(name)) continue;
      this.known.add(name);
      this.nodeEvent(n, "RegisteredNode", `Node ${name} event: Registered Node ${name} in Controller`);
      this.addZoneTainter(n);
      this.markNodeAsReachable(n);
    }
    for (const name of [...this.known]) {
      if (names.has(name)) continue;
      this.known.delete(name);
      this.health.delete(name);
      this.nodeEvent({ apiVersion: "v1", kind: "Node", metadata: { name } }, "RemovingNode", `Node ${name} event: Removing Node ${name} from Controller`);
    }

    const zoneConditions = new Map<string, (Condition | undefined)[]>();
    for (const cached of nodes) {
      const node: KubeObject = JSON.parse(JSON.stringify(cached));
      const { observed, current } = this.tryUpdateNodeHealth(node);
      const zone = zoneKey(node);
      if (!zoneConditions.has(zone)) zoneConditions.set(zone, []);
      zoneConditions.get(zone)!.push(current);
      if (!current) continue;
      this.processTaintBaseEviction(cached, observed);
      const name = node.metadata.name!;
      if (current.status !== "True" && observed.status === "True") {
        this.nodeEvent(node, "NodeNotReady", `Node ${name} status is now: NodeNotReady`);
        this.markPodsNotReady(name);
      } else if (this.nodesToRetry.has(name) && observed.status !== "True") {
        this.markPodsNotReady(name);
      }
    }
    this.handleDisruption(zoneConditions, nodes);
  }

  /**
   * Has the node shown a heartbeat within the grace period? A heartbeat is a Ready condition with
   * a new lastHeartbeatTime, or a lease with a newer renewTime; the controller notes when *it*
   * saw it (probeTimestamp), so clocks on nodes do not matter. Returns the Ready condition before
   * (observed) and after (current) this check.
   */
  private tryUpdateNodeHealth(node: KubeObject): { observed: Condition; current: Condition | undefined } {
    const now = this.ctx.sim.now;
    const name = node.metadata.name!;
    const created = parseTimestamp(node.metadata.creationTimestamp ?? timestamp(0));
    let health = this.health.get(name);
    let current = readyCondition(node.status);
    let observed: Condition;
    let grace: number;
    if (!current) {
      // Never posted a status: judge from the creation time, with the longer startup grace.
      observed = { type: "Ready", status: "Unknown", lastHeartbeatTime: node.metadata.creationTimestamp, lastTransitionTime: node.metadata.creationTimestamp };
      grace = this.startupGracePeriod;
      if (health) health.status = node.status;
      else health = { status: node.status, probeTimestamp: created, readyTransitionTimestamp: created };
    } else {
      observed = { ...current };
      grace = this.gracePeriod;
    }
    const saved = health ? readyCondition(health.status) : undefined;
    if (!health) {
      health = { status: node.status, probeTimestamp: now, readyTransitionTimestamp: now };
    } else if (!saved && current) {
      health = { status: node.status, probeTimestamp: now, readyTransitionTimestamp: now, leaseRenewTime: health.leaseRenewTime };
    } else if (saved && !current) {
      health = { status: node.status, probeTimestamp: now, readyTransitionTimestamp: now, leaseRenewTime: health.leaseRenewTime };
    } else if (saved && current && saved.lastHeartbeatTime !== current.lastHeartbeatTime) {
      const transition = saved.lastTransitionTime !== current.lastTransitionTime ? now : health.readyTransitionTimestamp;
      health = { status: node.status, probeTimestamp: now, readyTransitionTimestamp: transition, leaseRenewTime: health.leaseRenewTime };
    }
    // A renewed lease is a heartbeat too (and the cheap one: the status posts every 5 min only).
    const lease = this.leases.lister().namespace(NODE_LEASE_NAMESPACE).get(name);
    const renew: string | undefined = lease?.spec?.renewTime;
    if (renew && (health.leaseRenewTime === undefined || health.leaseRenewTime < renew)) {
      health.leaseRenewTime = renew;
      health.probeTimestamp = now;
    }
    this.health.set(name, health);

    if (now > health.probeTimestamp + grace) {
      const nowTs = timestamp(now);
      const conditions: Condition[] = node.status?.conditions ?? [];
      for (const type of ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"]) {
        const c = conditions.find((x) => x.type === type);
        if (!c) {
          conditions.push({ type, status: "Unknown", reason: "NodeStatusNeverUpdated", message: "Kubelet never posted node status.", lastHeartbeatTime: node.metadata.creationTimestamp, lastTransitionTime: nowTs });
        } else if (c.status !== "Unknown") {
          c.status = "Unknown";
          c.reason = "NodeStatusUnknown";
          c.message = "Kubelet stopped posting node status.";
          c.lastTransitionTime = nowTs;
        }
      }
      node.status = { ...(node.status ?? {}), conditions };
      current = readyCondition(node.status);
      if (JSON.stringify(current) !== JSON.stringify(observed)) {
        const sinceProbe = (now - health.probeTimestamp) / 1000;
        this.record("node-unknown", { node: name, sinceHeartbeat: sinceProbe });
        this.ctx.client.updateStatus(node, (err) => {
          if (err) {
            // Forget what we saw so that the next pass tries the update again.
            this.record("update-status-failed", { node: name, reason: err.reason });
            this.health.delete(name);
          }
        });
        this.health.set(name, { status: node.status, probeTimestamp: health.probeTimestamp, readyTransitionTimestamp: now, leaseRenewTime: health.leaseRenewTime });
      }
    }
    return { observed, current };
  }

  // ---- NoExecute taints, through the per-zone rate limiter ----

  private processTaintBaseEviction(node: KubeObject, observed: Condition): void {
    const taints: Taint[] = node.spec?.taints ?? [];
    const name = node.metadata.name!;
    switch (observed.status) {
      case "False":
        // Already unreachable: swap the taint at once (no new rate-limited decision).
        if (taintExists(taints, UnreachableNoExecute)) this.swapNoExecute(name, NotReadyNoExecute, UnreachableNoExecute);
        else if (this.markNodeForTainting(node, "False")) this.record("queued-for-taint", { node: name, taint: TaintNodeNotReady });
        break;
      case "Unknown":
        if (taintExists(taints, NotReadyNoExecute)) this.swapNoExecute(name, UnreachableNoExecute, NotReadyNoExecute);
        else if (this.markNodeForTainting(node, "Unknown")) this.record("queued-for-taint", { node: name, taint: TaintNodeUnreachable });
        break;
      case "True":
        this.markNodeAsReachable(node);
        break;
    }
  }

  private markNodeForTainting(node: KubeObject, status: "False" | "Unknown"): boolean {
    const tainter = this.tainter(node);
    const taints: Taint[] = node.spec?.taints ?? [];
    // Someone removed our taint while the node stayed down: allow it to be queued again.
    if (status === "False" && !taintExists(taints, NotReadyNoExecute)) tainter.remove(node.metadata.name!);
    if (status === "Unknown" && !taintExists(taints, UnreachableNoExecute)) tainter.remove(node.metadata.name!);
    return tainter.add(node.metadata.name!, node.metadata.uid ?? "");
  }

  /** Ready again (or a disruption makes us distrust what we see): no NoExecute taints, nothing queued. */
  private markNodeAsReachable(node: KubeObject): void {
    const name = node.metadata.name!;
    const taints: Taint[] = node.spec?.taints ?? [];
    const remove = [UnreachableNoExecute, NotReadyNoExecute].filter((t) => taintExists(taints, t));
    if (remove.length) {
      swapNodeTaints(this.ctx.sim, this.ctx.client, name, [], remove, (ok, changed) => {
        if (ok && changed) this.record("no-execute-taint-removed", { node: name, taints: remove.map((t) => t.key) });
      });
    }
    this.tainter(node).remove(name);
  }

  private swapNoExecute(name: string, add: Taint, remove: Taint, onDone: (ok: boolean) => void = () => {}): void {
    swapNodeTaints(this.ctx.sim, this.ctx.client, name, [add], [remove], (ok, changed) => {
      if (ok && changed) this.record("no-execute-taint", { node: name, taint: add.key });
      onDone(ok);
    });
  }

  private doNoExecuteTaintingPass(): void {
    for (const zone of [...this.zoneTainters.keys()].sort()) {
      const tainter = this.zoneTainters.get(zone)!;
      if (tainter.length === 0) continue;
      tainter.try((v) => {
        const node = this.nodes.lister().get(v.value);
        if (!node) return [true, 0];
        const ready = readyCondition(node.status);
        if (!ready) return [false, 50];
        // Unreachable and not-ready are exclusive, like the Ready condition they mirror.
        let add: Taint;
        let opposite: Taint;
        if (ready.status === "False") [add, opposite] = [NotReadyNoExecute, UnreachableNoExecute];
        else if (ready.status === "Unknown") [add, opposite] = [UnreachableNoExecute, NotReadyNoExecute];
        else return [true, 0]; // ready again meanwhile
        this.swapNoExecute(v.value, add, opposite, (ok) => {
          // Failed: let the next monitor pass queue it again.
          if (!ok) tainter.remove(v.value);
        });
        return [true, 0];
      });
    }
  }

  private tainter(node: KubeObject): RateLimitedTimedQueue {
    return this.addZoneTainter(node);
  }

  private addZoneTainter(node: KubeObject): RateLimitedTimedQueue {
    const zone = zoneKey(node);
    let q = this.zoneTainters.get(zone);
    if (!q) {
      q = new RateLimitedTimedQueue(this.evictionRate, () => this.ctx.sim.now);
      this.zoneTainters.set(zone, q);
      this.zoneStates.set(zone, "Initial");
    }
    return q;
  }

  // ---- zones and disruption ----

  /** Normal, PartialDisruption (> 2 not ready and ≥ threshold of the zone), or FullDisruption (none ready). */
  computeZoneState(conditions: (Condition | undefined)[]): ZoneState {
    let ready = 0;
    let notReady = 0;
    for (const c of conditions) if (c && c.status === "True") ready++;
    else notReady++;
    if (ready === 0 && notReady > 0) return "FullDisruption";
    if (notReady > 2 && notReady / (notReady + ready) >= this.unhealthyZoneThreshold) return "PartialDisruption";
    return "Normal";
  }

  private handleDisruption(zoneConditions: Map<string, (Condition | undefined)[]>, nodes: KubeObject[]): void {
    const newStates = new Map<string, ZoneState>();
    let allAreFullyDisrupted = true;
    for (const [zone, conds] of zoneConditions) {
      const s = this.computeZoneState(conds);
      if (s !== "FullDisruption") allAreFullyDisrupted = false;
      newStates.set(zone, s);
      if (!this.zoneStates.has(zone)) this.zoneStates.set(zone, "Initial");
    }
    let allWasFullyDisrupted = true;
    for (const [zone, s] of [...this.zoneStates]) {
      if (!zoneConditions.has(zone)) {
        this.zoneStates.delete(zone);
        continue;
      }
      if (s !== "FullDisruption") {
        allWasFullyDisrupted = false;
        break;
      }
    }
    if (allAreFullyDisrupted && allWasFullyDisrupted) return;
    if (allAreFullyDisrupted) {
      // Every node unreachable at once: more likely our own network or the control plane is
      // broken than every node. Stop tainting, and take back the NoExecute taints.
      this.record("disruption-mode", { entering: true });
      for (const n of nodes) this.markNodeAsReachable(n);
      for (const zone of this.zoneStates.keys()) {
        this.zoneTainters.get(zone)?.swapLimiter(0);
        this.setZoneState(zone, "FullDisruption");
      }
      return;
    }
    if (allWasFullyDisrupted) {
      // Leaving: every node gets a fresh grace period before being judged again.
      this.record("disruption-mode", { entering: false });
      const now = this.ctx.sim.now;
      for (const n of nodes) {
        const h = this.health.get(n.metadata.name!);
        if (h) {
          h.probeTimestamp = now;
          h.readyTransitionTimestamp = now;
        }
      }
      for (const zone of this.zoneStates.keys()) this.setLimiterInZone(zone, zoneConditions.get(zone)?.length ?? 0, newStates.get(zone)!);
      return;
    }
    for (const [zone, s] of [...this.zoneStates]) {
      const next = newStates.get(zone)!;
      if (s === next) continue;
      this.setLimiterInZone(zone, zoneConditions.get(zone)?.length ?? 0, next);
    }
  }

  private setLimiterInZone(zone: string, zoneSize: number, state: ZoneState): void {
    const tainter = this.zoneTainters.get(zone);
    let qps = this.evictionRate;
    // PartialDisruption: slow down in large zones, stop in small ones [ReducedQPSFunc];
    // a fully disrupted zone while others are fine is really down: normal rate [HealthyQPSFunc].
    if (state === "PartialDisruption") qps = zoneSize > this.largeClusterThreshold ? this.secondaryEvictionRate : 0;
    tainter?.swapLimiter(qps);
    this.setZoneState(zone, state);
  }

  private setZoneState(zone: string, state: ZoneState): void {
    const before = this.zoneStates.get(zone);
    this.zoneStates.set(zone, state);
    if (before !== state) this.record("zone-state", { zone: zone.replace("\u0000", ""), from: before, to: state, qps: this.zoneTainters.get(zone)?.qps });
  }

  // ---- pods ----

  /** Ready=False on every pod of the node, so Services stop sending it traffic [MarkPodsNotReady]. */
  private markPodsNotReady(nodeName: string): void {
    this.nodesToRetry.delete(nodeName);
    const now = timestamp(this.ctx.sim.now);
    for (const pod of podsOnNode(this.pods, nodeName)) {
      const conds: Condition[] = pod.status?.conditions ?? [];
      const i = conds.findIndex((c) => c.type === "Ready");
      if (i < 0 || conds[i].status === "False") continue;
      const next: KubeObject = JSON.parse(JSON.stringify(pod));
      next.status.conditions[i] = { ...conds[i], status: "False", lastTransitionTime: now };
      this.ctx.client.updateStatus(next, (err) => {
        if (err && err.reason !== "NotFound") {
          this.nodesToRetry.add(nodeName);
          return;
        }
        if (err) return;
        this.record("pod-not-ready", { node: nodeName, pod: `${pod.metadata.namespace}/${pod.metadata.name}` });
        this.recorder.event(next, "Warning", "NodeNotReady", "Node is not ready");
      });
    }
  }

  private nodeEvent(node: KubeObject, reason: string, message: string): void {
    const ref = { apiVersion: "v1", kind: "Node", metadata: { name: node.metadata.name, uid: node.metadata.uid, namespace: "" } };
    this.recorder.event(ref as KubeObject, "Normal", reason, message);
  }

  private record(kind: string, fields: Record<string, unknown>): void {
    this.ctx.sim.trace.record(NLC_COMPONENT, kind, fields);
  }
}

const MANAGED_NO_SCHEDULE_KEYS = [TaintNodeNotReady, TaintNodeUnreachable, TaintNodeMemoryPressure, TaintNodeDiskPressure, TaintNodeNetworkUnavailable, TaintNodePIDPressure, TaintNodeUnschedulable];

/** The NoSchedule taint a condition asks for [nodeConditionToTaintKeyStatusMap]. */
function noScheduleTaintFor(c: Condition): string | undefined {
  switch (c.type) {
    case "Ready":
      return c.status === "False" ? TaintNodeNotReady : c.status === "Unknown" ? TaintNodeUnreachable : undefined;
    case "MemoryPressure":
      return c.status === "True" ? TaintNodeMemoryPressure : undefined;
    case "DiskPressure":
      return c.status === "True" ? TaintNodeDiskPressure : undefined;
    case "NetworkUnavailable":
      return c.status === "True" ? TaintNodeNetworkUnavailable : undefined;
    case "PIDPressure":
      return c.status === "True" ? TaintNodePIDPressure : undefined;
    default:
      return undefined;
  }
}
