// The scheduling framework's extension points [k/k pkg/scheduler/framework/interface.go].
// A plugin is an object implementing one or more of these interfaces; a profile lists which
// plugins run at which point and the weight of each Score plugin. The framework (runtime.ts)
// calls them in order for one pod:
//
//   PreFilter → Filter (per node) → [PostFilter if no node fits]
//   → PreScore → Score (per node) → NormalizeScore → weighted sum → pick the best node
//   → Reserve → Permit → (binding cycle) PreBind → Bind → PostBind
//
// Everything here is synchronous except PreBind and Bind, which talk to the API server and
// answer through a callback on the virtual clock.

import type { KubeObject } from "../../apiserver/registry/object";
import type { Simulation } from "../../sim/simulation";
import type { Rng } from "../../sim/rng";
import type { KubeClient } from "../../client/kube-client";
import type { EventRecorder } from "../../client/events";
import type { Status } from "./status";
import type { NodeInfo } from "./node-info";
import type { LabelSelectorObject } from "../../apiserver/registry/selectors";
import type { AffinityIndex } from "../cache/affinity-index";

export type Pod = KubeObject;
export type Node = KubeObject;

/** Scores are integers in [MIN_NODE_SCORE, MAX_NODE_SCORE] after normalisation. */
export const MIN_NODE_SCORE = 0;
export const MAX_NODE_SCORE = 100;

/**
 * Per-attempt scratch space shared by a plugin's extension points (PreFilter computes, Filter
 * reads). Keys are by convention "PreFilter<PluginName>" etc. Cloned for preemption's what-ifs.
 */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Plugins whose PreFilter / PreScore returned Skip: their Filter / Score is not called. */
  readonly skipFilterPlugins = new Set<string>();
  readonly skipScorePlugins = new Set<string>();

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  /** A copy whose values are shallow-cloned with their own clone() when they have one. */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) c.data.set(k, v && typeof (v as { clone?: () => unknown }).clone === "function" ? (v as { clone: () => unknown }).clone() : v);
    this.skipFilterPlugins.forEach((p) => c.skipFilterPlugins.add(p));
    this.skipScorePlugins.forEach((p) => c.skipScorePlugins.add(p));
    return c;
  }
}

/** What the scheduler knows about the cluster for this attempt (the cache's snapshot). */
export interface SnapshotLister {
  /** Every node, in the snapshot's order. */
  list(): NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
  /** Nodes with at least one pod that has (anti-)affinity terms (for InterPodAffinity). */
  havePodsWithAffinityList(): NodeInfo[];
  havePodsWithRequiredAntiAffinityList(): NodeInfo[];
  /** Optional: how many nodes have this (normalised, "name:tag") image — ImageLocality's
   *  ImageStateSummary.NumNodes. Without it the plugin counts over list() once per pod. */
  numNodesWithImage?(image: string): number;
  /** Optional: InterPodAffinity's counts kept up to date between cycles (cache/affinity-index.ts).
   *  Without it the plugin builds one per attempt (the same answers, a walk over every pod). */
  affinityIndex?(): AffinityIndex;
}

/** What a plugin can reach beyond its arguments [framework.Handle]. */
export interface Handle {
  readonly sim: Simulation;
  snapshot(): SnapshotLister;
  /** The scheduler's client (DefaultBinder binds with it, DefaultPreemption deletes victims). */
  readonly client: KubeClient;
  readonly recorder: EventRecorder;
  /** The seeded random stream for decisions (tie-breaking, preemption sampling). */
  readonly rng: Rng;
  /** Namespace labels, for namespaceSelector in pod affinity terms. */
  namespaceLabels(namespace: string): Record<string, string> | undefined;
  /** Optional: the label selectors of the Services, ReplicationControllers, ReplicaSets and
   *  StatefulSets that select this pod (helper.DefaultSelector's inputs): Services in the pod's
   *  namespace whose spec.selector matches the pod (as {matchLabels}), plus the selector of the
   *  pod's controller (ownerReference with controller: true) if it is an RC/RS/StatefulSet.
   *  PodTopologySpread's system default constraints use it; without it they never apply. */
  selectorsFor?(pod: Pod): LabelSelectorObject[];
  /** Optional: the PodDisruptionBudgets (DefaultPreemption prefers victims none protects). */
  pdbs?(): KubeObject[];
  /** Runs the profile's Filter plugins for pod on nodeInfo (preemption's what-if). */
  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
  /** Runs the profile's PreFilter AddPod/RemovePod extensions so a state stays consistent when
   *  preemption removes (or re-adds) a victim from a node. */
  runPreFilterExtensionAddPod(state: CycleState, podToSchedule: Pod, podToAdd: Pod, nodeInfo: NodeInfo): Status;
  runPreFilterExtensionRemovePod(state: CycleState, podToSchedule: Pod, podToRemove: Pod, nodeInfo: NodeInfo): Status;
}

export interface Plugin {
  readonly name: string;
}

export interface PreFilterResult {
  /** When set, only these nodes are worth filtering (NodeAffinity on metadata.name). */
  nodeNames?: Set<string>;
}

export interface PreFilterPlugin extends Plugin {
  /** Computes what Filter needs once per pod. Skip = this plugin's Filter is not needed. */
  preFilter(state: CycleState, pod: Pod, nodes: NodeInfo[]): { result?: PreFilterResult; status: Status };
  /** Incremental updates of the PreFilter state when preemption adds/removes pods on a node. */
  addPod?(state: CycleState, podToSchedule: Pod, podToAdd: Pod, nodeInfo: NodeInfo): Status;
  removePod?(state: CycleState, podToSchedule: Pod, podToRemove: Pod, nodeInfo: NodeInfo): Status;
}

export interface FilterPlugin extends Plugin {
  /** Success if pod can run on the node; otherwise Unschedulable(AndUnresolvable) with reasons. */
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
}

/** Each rejected node's status, by node name (FitError's Diagnosis.NodeToStatusMap). */
export type NodeToStatusMap = Map<string, Status>;

export interface PostFilterResult {
  nominatedNodeName?: string;
}

export interface PostFilterPlugin extends Plugin {
  /** Called when no node fits (DefaultPreemption). Success + nominatedNodeName = made room. */
  postFilter(state: CycleState, pod: Pod, filteredNodeStatusMap: NodeToStatusMap): { result?: PostFilterResult; status: Status };
}

export interface PreScorePlugin extends Plugin {
  /** Computes what Score needs, over the nodes that passed Filter. Skip = no Score needed. */
  preScore(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status;
}

export interface NodeScore {
  name: string;
  score: number;
}

export interface ScorePlugin extends Plugin {
  /** A raw score for one node (any integer range; NormalizeScore maps it into 0..100). */
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): { score: number; status: Status };
  /** Optional ScoreExtensions.NormalizeScore: rewrite scores in place into 0..100. */
  normalizeScore?(state: CycleState, pod: Pod, scores: NodeScore[]): Status;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: Pod, nodeName: string): Status;
  unreserve(state: CycleState, pod: Pod, nodeName: string): void;
}

export interface PermitPlugin extends Plugin {
  /** Success, Reject (Unschedulable) or Wait with a timeout (ms, at most 15 min). */
  permit(state: CycleState, pod: Pod, nodeName: string): { status: Status; timeoutMs?: number };
}

export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: Pod, nodeName: string, done: (status: Status) => void): void;
}

export interface BindPlugin extends Plugin {
  /** Skip = not mine, the next Bind plugin is asked. */
  bind(state: CycleState, pod: Pod, nodeName: string, done: (status: Status) => void): void;
}

export interface PostBindPlugin extends Plugin {
  postBind(state: CycleState, pod: Pod, nodeName: string): void;
}

export interface QueueSortPlugin extends Plugin {
  /** True if a should be scheduled before b. */
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
}

export interface PreEnqueuePlugin extends Plugin {
  /** Rejecting keeps the pod out of the active queue (SchedulingGates). */
  preEnqueue(pod: Pod): Status;
}

/** A pod in the scheduling queue. */
export interface QueuedPodInfo {
  pod: Pod;
  /** When it was (last) added to the queue (virtual ms) — ties of priority go by this. */
  timestamp: number;
  /** Scheduling attempts so far. */
  attempts: number;
  /** When it first entered the queue. */
  initialAttemptTimestamp: number;
  /** Plugins that rejected it last time (decides which cluster events can move it back). */
  unschedulablePlugins: Set<string>;
}

/** A plugin's constructor: its args (from the profile's pluginConfig) and the framework handle. */
export type PluginFactory = (args: Record<string, unknown> | undefined, handle: Handle) => Plugin;

/**
 * The extension points, by their names in KubeSchedulerConfiguration's `profiles[].plugins`
 * [k/k pkg/scheduler/apis/config/types.go Plugins].
 */
export type ExtensionPoint =
  | "preEnqueue"
  | "queueSort"
  | "preFilter"
  | "filter"
  | "postFilter"
  | "preScore"
  | "score"
  | "reserve"
  | "permit"
  | "preBind"
  | "bind"
  | "postBind";

export const EXTENSION_POINTS: readonly ExtensionPoint[] = ["preEnqueue", "queueSort", "preFilter", "filter", "postFilter", "preScore", "score", "reserve", "permit", "preBind", "bind", "postBind"];

/**
 * One scheduling profile [KubeSchedulerProfile], in a shape close to its YAML:
 *
 *   profiles:
 *   - schedulerName: default-scheduler
 *     plugins:
 *       multiPoint:
 *         enabled: [{name: TaintToleration, weight: 3}, {name: NodePorts}, ...]   ← `plugins`
 *       score:
 *         disabled: [{name: ImageLocality}]                                        ← `disabled.score`
 *     pluginConfig: [{name: NodeResourcesFit, args: {...}}]                         ← `pluginConfig`
 *
 * `plugins` is multiPoint.enabled: each plugin joins every extension point it implements, in
 * this order. `weight` is its Score weight; unset or 0 means 1 — a weight of 0 is not a way to
 * turn scoring off [framework.go getScoreWeights: "a weight of zero is not permitted, plugins
 * can be disabled explicitly"]. To keep a plugin out of one extension point, list it under
 * that point in `disabled` (`"*"` = every multiPoint plugin at that point)
 * [framework.go expandMultiPointPlugins]. Not modelled: per-point `enabled` lists (which
 * upstream uses to reorder or re-weight a multiPoint plugin at one point).
 */
export interface Profile {
  schedulerName: string;
  /** plugins.multiPoint.enabled, in order; weight = Score weight (unset or 0 → 1). */
  plugins: { name: string; weight?: number }[];
  /** plugins.<extensionPoint>.disabled: plugin names (or "*") kept out of that point. */
  disabled?: Partial<Record<ExtensionPoint, string[]>>;
  pluginConfig?: Record<string, Record<string, unknown>>;
  /** 0 = adaptive (Kubernetes' default). */
  percentageOfNodesToScore?: number;
}
