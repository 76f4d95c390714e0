// The scheduling queue [k/k pkg/scheduler/backend/queue/scheduling_queue.go]: three pools.
//
//   activeQ        pods to try now, a heap ordered by the QueueSort plugin (priority, then age);
//   backoffQ       pods that failed and wait out a back-off: 1 s, doubling per attempt, at most
//                  10 s; flushed to activeQ every second;
//   unschedulable  pods some plugin rejected; they wait for a cluster event that plugin said
//                  could help (a node added, a pod deleted...), or at most 5 minutes (checked
//                  every 30 s), then go to backoffQ (still backing off) or activeQ.
//
// Pods held by a PreEnqueue plugin (SchedulingGates) are parked as "gated" and enter activeQ
// only when an update makes PreEnqueue pass. The queue also remembers which pod is nominated
// to which node (preemption), so Filter can count them.
//
// Simplification: Kubernetes tracks events that arrive while a pod is being scheduled
// ("in-flight" pods) so none is missed; here a scheduling cycle runs at one instant of virtual
// time, so no event can arrive during it.

import type { Simulation, Timer } from "../../sim/simulation";
import type { Pod, QueuedPodInfo } from "../framework/interface";
import { podKey } from "../framework/node-info";
import type { Status } from "../framework/status";
import { ClusterEvent, matchClusterEvent, UnschedulableTimeout } from "../framework/cluster-event";
import type { PodNominator } from "../framework/runtime";
import { KeyedHeap } from "./heap";

export const DEFAULT_POD_INITIAL_BACKOFF_MS = 1000;
export const DEFAULT_POD_MAX_BACKOFF_MS = 10_000;
export const DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION_MS = 5 * 60 * 1000;
const BACKOFF_FLUSH_PERIOD_MS = 1000;
const UNSCHEDULABLE_FLUSH_PERIOD_MS = 30_000;

export interface SchedulingQueueOptions {
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  podMaxInUnschedulablePodsDurationMs?: number;
  /** Trace component (default "kube-scheduler"). */
  component?: string;
  /** Record every move between pools (default true). */
  trace?: boolean;
}

/** What the queue asks of the profiles' frameworks. */
export interface QueueFrameworks {
  /** QueueSort less (the same for every profile, as Kubernetes requires). */
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
  /** The pod's profile's PreEnqueue verdict. */
  preEnqueue(pod: Pod): Status;
  /** The events a plugin registered for. */
  eventsOf(plugin: string): ClusterEvent[];
}

export type QueuePool = "activeQ" | "backoffQ" | "unschedulable" | "gated";

export class SchedulingQueue implements PodNominator {
  private readonly activeQ: KeyedHeap<QueuedPodInfo>;
  private readonly backoffQ: KeyedHeap<QueuedPodInfo>;
  private readonly unschedulablePods = new Map<string, QueuedPodInfo>();
  private readonly gatedPods = new Map<string, QueuedPodInfo>();
  /** Nominated pods per node, and each pod's node. */
  private readonly nominatedPods = new Map<string, Pod[]>();
  private readonly nominatedPodToNode = new Map<string, string>();
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxInUnschedulable: number;
  private readonly component: string;
  private readonly traceOn: boolean;
  private timers: Timer[] = [];
  private closed = false;
  /** Called whenever activeQ gains a pod (the scheduler schedules its next cycle). */
  onActive: () => void = () => {};

  constructor(private readonly sim: Simulation, private readonly fw: QueueFrameworks, options: SchedulingQueueOptions = {}) {
    this.initialBackoff = options.podInitialBackoffMs ?? DEFAULT_POD_INITIAL_BACKOFF_MS;
    this.maxBackoff = options.podMaxBackoffMs ?? DEFAULT_POD_MAX_BACKOFF_MS;
    this.maxInUnschedulable = options.podMaxInUnschedulablePodsDurationMs ?? DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION_MS;
    this.component = options.component ?? "kube-scheduler";
    this.traceOn = options.trace ?? true;
    const key = (p: QueuedPodInfo) => podKey(p.pod);
    this.activeQ = new KeyedHeap(key, (a, b) => this.fw.less(a, b));
    this.backoffQ = new KeyedHeap(key, (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
  }

  /** Starts the periodic flushes (every 1 s: back-off; every 30 s: the unschedulable leftovers). */
  run(): void {
    this.timers.push(this.sim.every(BACKOFF_FLUSH_PERIOD_MS, () => this.flushBackoffQCompleted(), "scheduler: flush backoffQ"));
    this.timers.push(this.sim.every(UNSCHEDULABLE_FLUSH_PERIOD_MS, () => this.flushUnschedulablePodsLeftover(), "scheduler: flush unschedulable pods"));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) t.cancel();
    this.timers = [];
  }

  private record(pod: Pod, to: QueuePool | "popped" | "deleted", event?: string): void {
    if (this.traceOn) this.sim.trace.record(this.component, "queue", event ? { pod: podKey(pod), to, event } : { pod: podKey(pod), to });
  }

  // ---- back-off ----
  /** 1 s · 2^(attempts−1), at most 10 s [calculateBackoffDuration]. */
  backoffDuration(attempts: number): number {
    let d = this.initialBackoff;
    for (let i = 1; i < attempts; i++) {
      if (d > this.maxBackoff - d) return this.maxBackoff;
      d += d;
    }
    return Math.min(d, this.maxBackoff);
  }

  backoffExpiry(p: QueuedPodInfo): number {
    return p.timestamp + this.backoffDuration(p.attempts);
  }

  isPodBackingoff(p: QueuedPodInfo): boolean {
    return this.backoffExpiry(p) > this.sim.now;
  }

  // ---- informer events for unscheduled pods ----
  private newInfo(pod: Pod): QueuedPodInfo {
    const now = this.sim.now;
    return { pod, timestamp: now, attempts: 0, initialAttemptTimestamp: now, unschedulablePlugins: new Set() };
  }

  /** Moves a pod into activeQ unless PreEnqueue holds it; true if it went to activeQ. */
  private moveToActiveQ(p: QueuedPodInfo, event: string): boolean {
    const key = podKey(p.pod);
    const s = this.fw.preEnqueue(p.pod);
    if (!s.isSuccess()) {
      this.gatedPods.set(key, p);
      this.unschedulablePods.delete(key);
      this.record(p.pod, "gated", `${event}: ${s.plugin} ${s.message()}`);
      return false;
    }
    this.gatedPods.delete(key);
    this.unschedulablePods.delete(key);
    this.backoffQ.delete(key);
    this.activeQ.addOrUpdate(p);
    this.record(p.pod, "activeQ", event);
    this.onActive();
    return true;
  }

  /** A new pending pod [PriorityQueue.Add]. */
  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.has(key)) return this.update(pod, pod);
    this.moveToActiveQ(this.newInfo(pod), "PodAdd");
    this.updateNomination(pod);
  }

  /** A pending pod changed [PriorityQueue.Update]. */
  update(oldPod: Pod, newPod: Pod, updateActions: string[] = []): void {
    const key = podKey(newPod);
    this.updateNominatedPod(oldPod, newPod);
    const inActive = this.activeQ.get(key);
    if (inActive) {
      inActive.pod = newPod;
      this.activeQ.addOrUpdate(inActive);
      return;
    }
    const inBackoff = this.backoffQ.get(key);
    if (inBackoff) {
      inBackoff.pod = newPod;
      this.backoffQ.addOrUpdate(inBackoff);
      return;
    }
    const gated = this.gatedPods.get(key);
    if (gated) {
      gated.pod = newPod;
      this.moveToActiveQ(gated, "UnscheduledPodUpdate");
      return;
    }
    const u = this.unschedulablePods.get(key);
    if (u) {
      u.pod = newPod;
      // A change of the pod's own spec or labels may be what it needed [isPodUpdated]: retry.
      if (specOrLabelsChanged(oldPod, newPod) || updateActions.length > 0) {
        this.unschedulablePods.delete(key);
        if (this.isPodBackingoff(u)) {
          this.backoffQ.addOrUpdate(u);
          this.record(newPod, "backoffQ", "UnscheduledPodUpdate");
        } else this.moveToActiveQ(u, "UnscheduledPodUpdate");
      }
      return;
    }
    // Not queued (being scheduled, or just bound): nothing to do; a new pod is added.
    if (oldPod === newPod) this.moveToActiveQ(this.newInfo(newPod), "PodAdd");
  }

  /** A pending pod was deleted (or got bound) [PriorityQueue.Delete]. */
  delete(pod: Pod): void {
    const key = podKey(pod);
    this.deleteNominatedPodIfExists(pod);
    const was = this.activeQ.delete(key) ?? this.backoffQ.delete(key) ?? this.unschedulablePods.get(key) ?? this.gatedPods.get(key);
    this.unschedulablePods.delete(key);
    this.gatedPods.delete(key);
    if (was) this.record(pod, "deleted");
  }

  has(key: string): boolean {
    return this.activeQ.has(key) || this.backoffQ.has(key) || this.unschedulablePods.has(key) || this.gatedPods.has(key);
  }

  /** Which pool a pod is in (undefined: not queued). */
  poolOf(pod: Pod | string): QueuePool | undefined {
    const key = typeof pod === "string" ? pod : podKey(pod);
    if (this.activeQ.has(key)) return "activeQ";
    if (this.backoffQ.has(key)) return "backoffQ";
    if (this.unschedulablePods.has(key)) return "unschedulable";
    if (this.gatedPods.has(key)) return "gated";
    return undefined;
  }

  /** The next pod to schedule; its attempts count goes up [PriorityQueue.Pop]. */
  pop(): QueuedPodInfo | undefined {
    const p = this.activeQ.pop();
    if (!p) return undefined;
    p.attempts++;
    this.record(p.pod, "popped");
    return p;
  }

  /**
   * After a failed attempt [AddUnschedulableIfNotPresent]: rejected by plugins → the
   * unschedulable pool; an error (no plugin to blame) → backoffQ.
   */
  addUnschedulableIfNotPresent(p: QueuedPodInfo): void {
    const key = podKey(p.pod);
    if (this.has(key)) return;
    p.timestamp = this.sim.now;
    this.updateNomination(p.pod);
    if (p.unschedulablePlugins.size === 0) {
      this.backoffQ.addOrUpdate(p);
      this.record(p.pod, "backoffQ", "ScheduleAttemptFailure");
    } else {
      this.unschedulablePods.set(key, p);
      this.record(p.pod, "unschedulable", `rejected by ${[...p.unschedulablePlugins].join(",")}`);
    }
  }

  /** Back-off over: to activeQ [flushBackoffQCompleted]. */
  flushBackoffQCompleted(): void {
    if (this.closed) return;
    for (;;) {
      const top = this.backoffQ.peek();
      if (!top || this.backoffExpiry(top) > this.sim.now) return;
      this.backoffQ.pop();
      this.moveToActiveQ(top, "BackoffComplete");
    }
  }

  /** Pods unschedulable for longer than 5 minutes get another try [flushUnschedulablePodsLeftover]. */
  flushUnschedulablePodsLeftover(): void {
    if (this.closed) return;
    const stale = [...this.unschedulablePods.values()].filter((p) => this.sim.now - p.timestamp > this.maxInUnschedulable);
    this.movePods(stale, UnschedulableTimeout);
  }

  /**
   * A cluster event: every unschedulable pod that a plugin rejected which registered for this
   * event moves to backoffQ / activeQ [MoveAllToActiveOrBackoffQueue]. Returns how many moved.
   */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent, preCheck?: (pod: Pod) => boolean): number {
    const moving: QueuedPodInfo[] = [];
    for (const p of this.unschedulablePods.values()) {
      if (preCheck && !preCheck(p.pod)) continue;
      if (this.worthRequeuing(p, event)) moving.push(p);
    }
    this.movePods(moving, event);
    return moving.length;
  }

  private worthRequeuing(p: QueuedPodInfo, event: ClusterEvent): boolean {
    if (event.resource === "*") return true;
    if (p.unschedulablePlugins.size === 0) return true;
    for (const name of p.unschedulablePlugins) for (const reg of this.fw.eventsOf(name)) if (matchClusterEvent(reg, event)) return true;
    return false;
  }

  private movePods(pods: QueuedPodInfo[], event: ClusterEvent): void {
    const label = event.label ?? `${event.resource}${event.actions.join("|")}`;
    for (const p of pods) {
      const key = podKey(p.pod);
      this.unschedulablePods.delete(key);
      if (this.isPodBackingoff(p)) {
        this.backoffQ.addOrUpdate(p);
        this.record(p.pod, "backoffQ", label);
      } else this.moveToActiveQ(p, label);
    }
  }

  // ---- pools, for tests and tables ----
  pendingPods(): { activeQ: Pod[]; backoffQ: Pod[]; unschedulable: Pod[]; gated: Pod[] } {
    return {
      activeQ: this.activeQ.list().map((p) => p.pod),
      backoffQ: this.backoffQ.list().map((p) => p.pod),
      unschedulable: [...this.unschedulablePods.values()].map((p) => p.pod),
      gated: [...this.gatedPods.values()].map((p) => p.pod),
    };
  }
  activeCount(): number {
    return this.activeQ.length;
  }
  queuedPodInfo(key: string): QueuedPodInfo | undefined {
    return this.activeQ.get(key) ?? this.backoffQ.get(key) ?? this.unschedulablePods.get(key) ?? this.gatedPods.get(key);
  }

  // ---- nominated pods [nominator] ----
  /**
   * The nomination the pod's status carries (ModeNoop): set, moved, or — when the status has
   * none — dropped [nominator.addNominatedPodUnlocked with nil NominatingInfo].
   */
  private updateNomination(pod: Pod): void {
    const node = nominatedNodeNameOf(pod);
    if (node) this.addNominatedPod(pod, node);
    else this.deleteNominatedPodIfExists(pod);
  }

  /**
   * A pending pod changed [nominator.UpdateNominatedPod]: the status' nomination wins — added,
   * changed, or removed (a higher-priority preemptor cleared it) — except when neither version
   * carries one: then a nomination made in memory just now, whose status write is still on its
   * way, is kept.
   */
  private updateNominatedPod(oldPod: Pod, newPod: Pod): void {
    const kept = nominatedNodeNameOf(oldPod) === "" && nominatedNodeNameOf(newPod) === "" ? this.nominatedPodToNode.get(podKey(oldPod)) : undefined;
    if (kept) this.addNominatedPod(newPod, kept);
    else this.updateNomination(newPod);
  }

  addNominatedPod(pod: Pod, nodeName: string): void {
    this.deleteNominatedPodIfExists(pod);
    const key = podKey(pod);
    this.nominatedPodToNode.set(key, nodeName);
    const list = this.nominatedPods.get(nodeName) ?? [];
    list.push(pod);
    this.nominatedPods.set(nodeName, list);
  }

  deleteNominatedPodIfExists(pod: Pod): void {
    const key = podKey(pod);
    const node = this.nominatedPodToNode.get(key);
    if (node === undefined) return;
    this.nominatedPodToNode.delete(key);
    const list = (this.nominatedPods.get(node) ?? []).filter((p) => podKey(p) !== key);
    if (list.length) this.nominatedPods.set(node, list);
    else this.nominatedPods.delete(node);
  }

  nominatedPodsForNode(nodeName: string): Pod[] {
    return this.nominatedPods.get(nodeName) ?? EMPTY;
  }

  nominatedNodeOf(pod: Pod): string | undefined {
    return this.nominatedPodToNode.get(podKey(pod));
  }
}

const EMPTY: Pod[] = [];

export function nominatedNodeNameOf(pod: Pod): string {
  return ((pod as any).status?.nominatedNodeName as string | undefined) ?? "";
}

function specOrLabelsChanged(a: Pod, b: Pod): boolean {
  if (a === b) return false;
  return JSON.stringify((a as any).spec) !== JSON.stringify((b as any).spec) || JSON.stringify(a.metadata.labels ?? {}) !== JSON.stringify(b.metadata.labels ?? {});
}
