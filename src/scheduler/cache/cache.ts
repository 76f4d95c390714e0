// The scheduler cache [k/k pkg/scheduler/backend/cache/cache.go]: nodes and the pods on them,
// as the informers report them, plus the pods this scheduler has *assumed*.
//
// Binding takes an API round trip; the next pod must not be scheduled as if the previous one
// were not there yet. So after choosing a node the scheduler assumes the pod: it is added to
// the node's NodeInfo at once. The informer's update (spec.nodeName set) later confirms it.
// If binding fails the pod is forgotten. An assumed pod whose binding finished but was never
// confirmed expires after a TTL — v1.32 sets that TTL to 0, "never expire", because a failed
// binding already forgets the pod; the TTL is configurable here to show the mechanism.

import type { Simulation } from "../../sim/simulation";
import type { Node, Pod } from "../framework/interface";
import { NodeInfo, podKey } from "../framework/node-info";
import { Snapshot } from "./snapshot";

interface PodState {
  pod: Pod;
  /** Virtual ms after which an assumed pod expires (set when binding finished). */
  deadline?: number;
  bindingFinished: boolean;
}

export interface CacheOptions {
  /** Assumed pods expire this long after their binding finished (0 = never, as v1.32). */
  assumedPodTTLMs?: number;
  /** Trace component (default "kube-scheduler"). */
  component?: string;
  /** Record cache changes in the trace (default false: it is chatty). */
  trace?: boolean;
}

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  /** Node names in the order they were added (the snapshot's order). */
  private order: string[] = [];
  private readonly podStates = new Map<string, PodState>();
  private readonly assumedPods = new Set<string>();
  /** Nodes changed since the last snapshot update. */
  private readonly dirty = new Set<string>();
  private structureChanged = true;
  private generation = 0;
  private readonly ttl: number;
  private readonly component: string;
  private readonly traceOn: boolean;

  constructor(private readonly sim: Simulation, options: CacheOptions = {}) {
    this.ttl = options.assumedPodTTLMs ?? 0;
    this.component = options.component ?? "kube-scheduler";
    this.traceOn = options.trace ?? false;
  }

  private touch(name: string): void {
    this.dirty.add(name);
    this.generation++;
  }

  private nodeInfoFor(name: string): NodeInfo {
    let ni = this.nodes.get(name);
    if (!ni) {
      ni = new NodeInfo();
      this.nodes.set(name, ni);
    }
    return ni;
  }

  private record(kind: string, fields: Record<string, unknown>): void {
    if (this.traceOn) this.sim.trace.record(this.component, kind, fields);
  }

  // ---- node images (ImageLocality's ImageStateSummary.NumNodes) ----
  private readonly imageNodes = new Map<string, number>();
  private imageGeneration = 0;

  private countImages(node: Node | undefined, delta: 1 | -1): void {
    const names = imageNames(node);
    if (names.size === 0) return;
    for (const n of names) {
      const c = (this.imageNodes.get(n) ?? 0) + delta;
      if (c > 0) this.imageNodes.set(n, c);
      else this.imageNodes.delete(n);
    }
    this.imageGeneration++;
  }

  // ---- nodes ----
  addNode(node: Node): void {
    const name = node.metadata.name!;
    const prev = this.nodes.get(name)?.node;
    const existed = prev !== undefined;
    if (prev !== node) {
      this.countImages(prev, -1);
      this.countImages(node, 1);
    }
    this.nodeInfoFor(name).setNode(node);
    if (!existed) {
      this.order.push(name);
      this.structureChanged = true;
    }
    this.touch(name);
    this.record("cache-node", { op: existed ? "update" : "add", node: name });
  }

  updateNode(_old: Node, node: Node): void {
    this.addNode(node);
  }

  /** The node goes; its NodeInfo stays while pods still point at it (they will be deleted). */
  removeNode(node: Node): void {
    const name = node.metadata.name!;
    const ni = this.nodes.get(name);
    if (!ni) return;
    this.countImages(ni.node, -1);
    ni.node = undefined;
    ni.generation++;
    if (ni.pods.length === 0) this.nodes.delete(name);
    this.order = this.order.filter((n) => n !== name);
    this.structureChanged = true;
    this.touch(name);
    this.record("cache-node", { op: "remove", node: name });
  }

  // ---- pods ----
  /** Assume: the pod (with spec.nodeName set to the chosen node) counts on that node from now. */
  assumePod(pod: Pod): void {
    const key = podKey(pod);
    if (this.podStates.has(key)) throw new Error(`cache: pod ${key} is in the cache, so can't be assumed`);
    this.addPodToNode(pod);
    this.podStates.set(key, { pod, bindingFinished: false });
    this.assumedPods.add(key);
    this.record("cache-pod", { op: "assume", pod: key, node: nodeNameOf(pod) });
  }

  /** Binding answered: start the assumed pod's expiry clock. */
  finishBinding(pod: Pod): void {
    const key = podKey(pod);
    const ps = this.podStates.get(key);
    if (!ps || !this.assumedPods.has(key)) return;
    ps.bindingFinished = true;
    if (this.ttl > 0) ps.deadline = this.sim.now + this.ttl;
  }

  /** Binding failed: the assumed pod no longer counts. */
  forgetPod(pod: Pod): void {
    const key = podKey(pod);
    const ps = this.podStates.get(key);
    if (!ps || !this.assumedPods.has(key)) return;
    this.removePodFromNode(ps.pod);
    this.podStates.delete(key);
    this.assumedPods.delete(key);
    this.record("cache-pod", { op: "forget", pod: key });
  }

  /** An assigned pod from the informer: confirms an assumed pod, or adds one bound elsewhere. */
  addPod(pod: Pod): void {
    const key = podKey(pod);
    const ps = this.podStates.get(key);
    if (ps && this.assumedPods.has(key)) {
      // Confirmed. It may have landed elsewhere than assumed (another scheduler won the race).
      this.removePodFromNode(ps.pod);
      this.addPodToNode(pod);
      this.assumedPods.delete(key);
      ps.pod = pod;
      ps.deadline = undefined;
      this.record("cache-pod", { op: "confirm", pod: key, node: nodeNameOf(pod) });
      return;
    }
    if (ps) return this.updatePod(ps.pod, pod);
    this.addPodToNode(pod);
    this.podStates.set(key, { pod, bindingFinished: true });
  }

  updatePod(_old: Pod, pod: Pod): void {
    const key = podKey(pod);
    const ps = this.podStates.get(key);
    if (!ps) return this.addPod(pod);
    if (this.assumedPods.has(key)) return this.addPod(pod);
    this.removePodFromNode(ps.pod);
    this.addPodToNode(pod);
    ps.pod = pod;
  }

  removePod(pod: Pod): void {
    const key = podKey(pod);
    const ps = this.podStates.get(key);
    if (!ps) return;
    this.removePodFromNode(ps.pod);
    this.podStates.delete(key);
    this.assumedPods.delete(key);
  }

  isAssumedPod(pod: Pod): boolean {
    return this.assumedPods.has(podKey(pod));
  }

  /** The cached copy of a pod (assumed or confirmed). */
  getPod(pod: Pod): Pod | undefined {
    return this.podStates.get(podKey(pod))?.pod;
  }

  /** Expires assumed pods whose binding finished more than the TTL ago [cache.go cleanupAssumedPods]. */
  cleanupAssumedPods(now = this.sim.now): string[] {
    const expired: string[] = [];
    for (const key of [...this.assumedPods]) {
      const ps = this.podStates.get(key)!;
      if (!ps.bindingFinished || ps.deadline === undefined || now < ps.deadline) continue;
      this.removePodFromNode(ps.pod);
      this.podStates.delete(key);
      this.assumedPods.delete(key);
      expired.push(key);
      this.sim.trace.record(this.component, "assumed-pod-expired", { pod: key, node: nodeNameOf(ps.pod) });
    }
    return expired;
  }

  private addPodToNode(pod: Pod): void {
    const name = nodeNameOf(pod);
    this.nodeInfoFor(name).addPod(pod);
    this.touch(name);
  }

  private removePodFromNode(pod: Pod): void {
    const name = nodeNameOf(pod);
    const ni = this.nodes.get(name);
    if (!ni) return;
    ni.removePod(pod);
    if (!ni.node && ni.pods.length === 0) this.nodes.delete(name);
    this.touch(name);
  }

  // ---- snapshot ----
  nodeCount(): number {
    return this.order.length;
  }
  podCount(): number {
    return this.podStates.size;
  }
  assumedPodCount(): number {
    return this.assumedPods.size;
  }
  /** The live NodeInfo (tests; plugins read the snapshot). */
  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  /**
   * Brings the snapshot up to date, copying only the NodeInfos changed since its last update
   * [cache.go UpdateSnapshot]. The list keeps node-add order (Kubernetes interleaves zones
   * through its nodeTree; with one zone the orders agree).
   */
  updateSnapshot(s: Snapshot): void {
    if (s.generation === this.generation) return;
    let affinityChanged = this.structureChanged;
    for (const name of this.dirty) {
      const live = this.nodes.get(name);
      const old = s.nodeInfoMap.get(name);
      if (old && (old.podsWithAffinity.length > 0 || old.podsWithRequiredAntiAffinity.length > 0)) affinityChanged = true;
      if (!live || !live.node) {
        if (old) s.affinity.replaceNode(old, undefined);
        s.nodeInfoMap.delete(name);
        continue;
      }
      if (old && old.generation === live.generation) continue;
      const copy = live.clone();
      s.affinity.replaceNode(old, copy);
      if (copy.podsWithAffinity.length > 0 || copy.podsWithRequiredAntiAffinity.length > 0) affinityChanged = true;
      s.nodeInfoMap.set(name, copy);
      if (!this.structureChanged && old) {
        const i = s.indexOf.get(name);
        if (i !== undefined && s.nodeInfoList[i] === old) s.nodeInfoList[i] = copy;
        else this.structureChanged = true;
      }
    }
    this.dirty.clear();
    if (this.structureChanged) {
      s.nodeInfoList = [];
      s.indexOf.clear();
      for (const name of this.order) {
        const ni = s.nodeInfoMap.get(name);
        if (ni) {
          s.indexOf.set(name, s.nodeInfoList.length);
          s.nodeInfoList.push(ni);
        }
      }
      this.structureChanged = false;
    }
    // The lists are rebuilt when next asked for (InterPodAffinity itself reads s.affinity).
    if (affinityChanged) s.invalidateAffinityLists();
    if (s.imageGeneration !== this.imageGeneration) {
      s.imageNodeCount = new Map(this.imageNodes);
      s.imageGeneration = this.imageGeneration;
    }
    s.generation = this.generation;
  }
}

function imageNames(node: Node | undefined): Set<string> {
  const out = new Set<string>();
  for (const img of ((node as any)?.status?.images ?? []) as { names?: string[] }[]) for (const n of img.names ?? []) out.add(n);
  return out;
}

function nodeNameOf(pod: Pod): string {
  return ((pod as any).spec?.nodeName as string) ?? "";
}
