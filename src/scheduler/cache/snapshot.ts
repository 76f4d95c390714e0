// The snapshot: the scheduler's frozen view of the cluster for one scheduling cycle
// [k/k pkg/scheduler/backend/cache/snapshot.go]. Plugins read it, never the live cache, so a
// pod event arriving mid-cycle cannot change the answers half-way. It is refreshed
// incrementally before each cycle: only nodes whose NodeInfo.generation moved are copied.

import type { SnapshotLister } from "../framework/interface";
import type { NodeInfo } from "../framework/node-info";
import { AffinityIndex } from "./affinity-index";

export class Snapshot implements SnapshotLister {
  /** By node name. */
  readonly nodeInfoMap = new Map<string, NodeInfo>();
  /** Nodes (with a Node object) in the cache's order. */
  nodeInfoList: NodeInfo[] = [];
  /** Position of each node in nodeInfoList. */
  readonly indexOf = new Map<string, number>();
  /** Built on demand from nodeInfoList (undefined: to be rebuilt). */
  havePodsWithAffinityNodeInfoList: NodeInfo[] | undefined = [];
  havePodsWithRequiredAntiAffinityNodeInfoList: NodeInfo[] | undefined = [];
  /** The cache generation this snapshot reflects. */
  generation = -1;
  /** How many nodes have each image (by the names in node.status.images). */
  imageNodeCount = new Map<string, number>();
  imageGeneration = -1;
  /** InterPodAffinity's counts; the cache tells it which NodeInfos it replaced. */
  readonly affinity = new AffinityIndex(() => this.nodeInfoList);

  list(): NodeInfo[] {
    return this.nodeInfoList;
  }
  get(nodeName: string): NodeInfo | undefined {
    return this.nodeInfoMap.get(nodeName);
  }
  havePodsWithAffinityList(): NodeInfo[] {
    return (this.havePodsWithAffinityNodeInfoList ??= this.nodeInfoList.filter((n) => n.podsWithAffinity.length > 0));
  }
  havePodsWithRequiredAntiAffinityList(): NodeInfo[] {
    return (this.havePodsWithRequiredAntiAffinityNodeInfoList ??= this.nodeInfoList.filter((n) => n.podsWithRequiredAntiAffinity.length > 0));
  }
  invalidateAffinityLists(): void {
    this.havePodsWithAffinityNodeInfoList = undefined;
    this.havePodsWithRequiredAntiAffinityNodeInfoList = undefined;
  }
  numNodesWithImage(image: string): number {
    return this.imageNodeCount.get(image) ?? 0;
  }
  affinityIndex(): AffinityIndex {
    return this.affinity;
  }
  numNodes(): number {
    return this.nodeInfoList.length;
  }
}

/** A snapshot of fixed NodeInfos (for tests and what-ifs). */
export function newSnapshot(nodeInfos: NodeInfo[]): Snapshot {
  const s = new Snapshot();
  for (const ni of nodeInfos) {
    s.nodeInfoMap.set(ni.name, ni);
    if (ni.node) {
      s.indexOf.set(ni.name, s.nodeInfoList.length);
      s.nodeInfoList.push(ni);
    }
  }
  s.havePodsWithAffinityNodeInfoList = s.nodeInfoList.filter((n) => n.podsWithAffinity.length > 0);
  s.havePodsWithRequiredAntiAffinityNodeInfoList = s.nodeInfoList.filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
  for (const ni of s.nodeInfoList) {
    const names = new Set<string>();
    for (const img of ((ni.node as any)?.status?.images ?? []) as { names?: string[] }[]) for (const n of img.names ?? []) names.add(n);
    for (const n of names) s.imageNodeCount.set(n, (s.imageNodeCount.get(n) ?? 0) + 1);
  }
  return s;
}
