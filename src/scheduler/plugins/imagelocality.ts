// ImageLocality [k/k pkg/scheduler/framework/plugins/imagelocality/image_locality.go]: prefer
// nodes that already have the pod's images, weighted by image size and by how widely the image
// is spread (an image on every node says little — avoid piling pods onto one node because of it):
//
//   sum   = Σ over the pod's images present on the node: size · (nodes having it / all nodes)
//   score = 100 · (clamp(sum, 23Mi, 1000Mi·#containers) − 23Mi) / (1000Mi·#containers − 23Mi)
//
// Init containers count since v1.27; image volumes (v1.33) are out of scope.

import type { CycleState, Node, Pod, PluginFactory, PreScorePlugin, ScorePlugin, SnapshotLister } from "../framework/interface";
import { MAX_NODE_SCORE } from "../framework/interface";
import type { NodeInfo } from "../framework/node-info";
import { Status } from "../framework/status";

export const ImageLocalityName = "ImageLocality";
const PRESCORE_KEY = "PreScore" + ImageLocalityName;

const MB = 1024 * 1024;
export const MIN_THRESHOLD = 23 * MB;
export const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** "nginx" → "nginx:latest"; a ':' only counts as a tag after the last '/' (registry ports). */
export function normalizedImageName(name: string): string {
  if (name.lastIndexOf(":") <= name.lastIndexOf("/")) return name + ":latest";
  return name;
}

const nodeImages = new WeakMap<Node, Map<string, number>>();

/** The node's images (status.images[].names → sizeBytes), parsed once per Node object. */
export function imagesOf(node: Node): Map<string, number> {
  let m = nodeImages.get(node);
  if (m) return m;
  m = new Map();
  for (const img of node.status?.images ?? []) for (const n of img.names ?? []) m.set(n, img.sizeBytes ?? 0);
  nodeImages.set(node, m);
  return m;
}

interface PreScoreState {
  /** Per normalised image of the pod (one entry per container, duplicates kept): spread fraction. */
  images: string[];
  spread: number[];
  numContainers: number;
}

export function calculatePriority(sumScores: number, numContainers: number): number {
  const maxThreshold = MAX_CONTAINER_THRESHOLD * numContainers;
  if (sumScores < MIN_THRESHOLD) sumScores = MIN_THRESHOLD;
  else if (sumScores > maxThreshold) sumScores = maxThreshold;
  return Math.trunc((MAX_NODE_SCORE * (sumScores - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
}

export class ImageLocality implements PreScorePlugin, ScorePlugin {
  readonly name = ImageLocalityName;
  /** Fallback cache of "nodes having image" counts, valid while the snapshot holds the same Node objects. */
  private cachedNodes: (Node | undefined)[] = [];
  private cachedCounts = new Map<string, number>();

  constructor(private readonly snapshot: () => SnapshotLister) {}

  private numNodesWithImage(snap: SnapshotLister, all: NodeInfo[], img: string): number {
    if (snap.numNodesWithImage) return snap.numNodesWithImage(img);
    let same = this.cachedNodes.length === all.length;
    for (let i = 0; same && i < all.length; i++) same = this.cachedNodes[i] === all[i].node;
    if (!same) {
      this.cachedNodes = all.map((ni) => ni.node);
      this.cachedCounts = new Map();
    }
    let n = this.cachedCounts.get(img);
    if (n === undefined) {
      n = 0;
      for (const ni of all) if (ni.node && imagesOf(ni.node).has(img)) n++;
      this.cachedCounts.set(img, n);
    }
    return n;
  }

  /** How widely each of the pod's images is spread, computed once per attempt (not per node). */
  preScore(state: CycleState, pod: Pod): Status {
    state.write(PRESCORE_KEY, this.compute(pod));
    return Status.success();
  }

  private compute(pod: Pod): PreScoreState {
    const snap = this.snapshot();
    const all = snap.list();
    const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    const images = containers.map((c: any) => normalizedImageName(String(c.image ?? "")));
    const spread = images.map((img) => (all.length === 0 ? 0 : this.numNodesWithImage(snap, all, img) / all.length));
    return { images, spread, numContainers: containers.length };
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): { score: number; status: Status } {
    const s = state.read<PreScoreState>(PRESCORE_KEY) ?? this.compute(pod);
    if (!nodeInfo.node) return { score: 0, status: Status.error("node not found") };
    const have = imagesOf(nodeInfo.node);
    let sum = 0;
    for (let i = 0; i < s.images.length; i++) {
      const size = have.get(s.images[i]);
      if (size !== undefined) sum += Math.trunc(size * s.spread[i]);
    }
    return { score: calculatePriority(sum, s.numContainers), status: Status.success() };
  }
}

export const newImageLocality: PluginFactory = (_args, handle) => new ImageLocality(() => handle.snapshot());
