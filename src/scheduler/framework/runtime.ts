// The framework runtime: one profile's plugins, instantiated from a registry, and the code that
// calls them at each extension point [k/k pkg/scheduler/framework/runtime/framework.go] plus
// the scheduling algorithm that strings the points together for one pod
// [k/k pkg/scheduler/schedule_one.go: schedulePod, findNodesThatFitPod, prioritizeNodes,
// selectHost].
//
// Kubernetes runs Filter and Score over nodes in parallel goroutines; here they run in a loop,
// which gives the same results (each node's verdict depends only on the snapshot) in a
// deterministic order.

import type { Simulation } from "../../sim/simulation";
import type { Rng } from "../../sim/rng";
import type { KubeClient } from "../../client/kube-client";
import type { EventRecorder } from "../../client/events";
import {
  BindPlugin,
  CycleState,
  FilterPlugin,
  Handle,
  MAX_NODE_SCORE,
  MIN_NODE_SCORE,
  NodeScore,
  PermitPlugin,
  Plugin,
  PluginFactory,
  Pod,
  PostBindPlugin,
  PostFilterPlugin,
  PostFilterResult,
  PreBindPlugin,
  PreEnqueuePlugin,
  PreFilterPlugin,
  PreFilterResult,
  PreScorePlugin,
  Profile,
  ExtensionPoint,
  QueueSortPlugin,
  ReservePlugin,
  ScorePlugin,
  SnapshotLister,
  NodeToStatusMap,
} from "./interface";
import type { NodeInfo } from "./node-info";
import { Status } from "./status";
import { Diagnosis, FitError, newDiagnosis } from "./fit-error";
import type { Explanation, NodeExplanation, PluginScore, PluginVerdict } from "../explain";
import { podPriority } from "../plugins/queuesort";
import type { LabelSelectorObject } from "../../apiserver/registry/selectors";

/** [schedule_one.go] minFeasibleNodesToFind, minFeasibleNodesPercentageToFind. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
/** Permit may hold a pod at most this long [framework.go maxTimeout]. */
export const MAX_PERMIT_TIMEOUT_MS = 15 * 60 * 1000;

/**
 * How many feasible nodes are enough [schedule_one.go numFeasibleNodesToFind]: all of them in
 * small clusters; in large ones a percentage, adaptive by default (50% at 0 nodes, 1 point less
 * per 125 nodes, never under 5%), never fewer than 100.
 */
export function numFeasibleNodesToFind(percentageOfNodesToScore: number | undefined, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let p = percentageOfNodesToScore ?? 0;
  if (p >= 100) return numAllNodes;
  if (p <= 0) {
    p = 50 - Math.floor(numAllNodes / 125);
    if (p < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) p = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.floor((numAllNodes * p) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/** [schedule_one.go ErrNoNodesAvailable] */
export const ERR_NO_NODES_AVAILABLE = "no nodes available to schedule pods";

/** Pods nominated to nodes by preemption (the queue keeps them) [framework.PodNominator]. */
export interface PodNominator {
  nominatedPodsForNode(nodeName: string): Pod[];
}

/** What the framework needs from the scheduler that owns it. */
export interface FrameworkDeps {
  sim: Simulation;
  client: KubeClient;
  recorder: EventRecorder;
  rng: Rng;
  snapshot(): SnapshotLister;
  namespaceLabels?(namespace: string): Record<string, string> | undefined;
  /** Selectors of the workloads that select a pod (PodTopologySpread's system defaults). */
  selectorsFor?: (pod: Pod) => LabelSelectorObject[];
  /** The PodDisruptionBudgets (DefaultPreemption). */
  pdbs?: () => Pod[];
  nominator?: PodNominator;
}

export interface ScheduleResult {
  suggestedHost: string;
  evaluatedNodes: number;
  feasibleNodes: number;
}

/** A pod held at Permit [framework.waitingPod]. */
export class WaitingPod {
  private readonly pending: Set<string>;
  private decided = false;
  private readonly timers: { cancel(): void }[] = [];

  constructor(readonly pod: Pod, plugins: Map<string, number>, private readonly sim: Simulation, private readonly done: (s: Status) => void) {
    this.pending = new Set(plugins.keys());
    for (const [name, ms] of plugins) {
      this.timers.push(sim.after(ms, () => this.reject(name, `rejected due to timeout after waiting ${goDuration(ms)} at plugin ${name}`), `permit timeout ${name}`));
    }
  }

  allow(plugin: string): void {
    if (this.decided) return;
    this.pending.delete(plugin);
    if (this.pending.size === 0) this.finish(Status.success());
  }

  reject(plugin: string, message: string): void {
    if (this.decided) return;
    this.finish(Status.unschedulable(message).withPlugin(plugin));
  }

  private finish(s: Status): void {
    this.decided = true;
    for (const t of this.timers) t.cancel();
    this.done(s);
  }
}

interface ScoreEntry {
  plugin: ScorePlugin;
  weight: number;
}

export class Framework implements Handle {
  readonly profile: Profile;
  readonly plugins = new Map<string, Plugin>();
  queueSort: QueueSortPlugin | undefined;
  readonly preEnqueuePlugins: PreEnqueuePlugin[] = [];
  readonly preFilterPlugins: PreFilterPlugin[] = [];
  readonly filterPlugins: FilterPlugin[] = [];
  readonly postFilterPlugins: PostFilterPlugin[] = [];
  readonly preScorePlugins: PreScorePlugin[] = [];
  readonly scorePlugins: ScoreEntry[] = [];
  readonly reservePlugins: ReservePlugin[] = [];
  readonly permitPlugins: PermitPlugin[] = [];
  readonly preBindPlugins: PreBindPlugin[] = [];
  readonly bindPlugins: BindPlugin[] = [];
  readonly postBindPlugins: PostBindPlugin[] = [];
  readonly waitingPods = new Map<string, WaitingPod>();

  /** Where the next Filter pass starts, so successive pods spread the work over all nodes. */
  nextStartNodeIndex = 0;
  /** Record a full Explanation for each attempt (costly at scale). */
  explain = true;
  /** The explanation being built by the current attempt (undefined when explain is off). */
  private current: Explanation | undefined;
  private currentNodes: Map<string, NodeExplanation> | undefined;

  constructor(profile: Profile, registry: Record<string, PluginFactory>, private readonly deps: FrameworkDeps) {
    this.profile = profile;
    const disabled = (point: ExtensionPoint, name: string): boolean => {
      const list = profile.disabled?.[point];
      return !!list && (list.includes(name) || list.includes("*"));
    };
    for (const { name, weight } of profile.plugins) {
      const factory = registry[name];
      if (!factory) throw new Error(`framework: plugin "${name}" of profile "${profile.schedulerName}" is not in the registry`);
      if (this.plugins.has(name)) throw new Error(`framework: plugin "${name}" is listed twice in profile "${profile.schedulerName}"`);
      if (weight !== undefined && !(Number.isInteger(weight) && weight >= 0)) throw new Error(`framework: plugin "${name}" of profile "${profile.schedulerName}" has weight ${weight}: a Score weight is a non-negative integer`);
      const p = factory(profile.pluginConfig?.[name], this);
      this.plugins.set(name, p);
      // MultiPoint expansion: the plugin joins each point it implements, unless disabled there.
      const any = p as any;
      const at = (point: ExtensionPoint, method: string) => typeof any[method] === "function" && !disabled(point, name);
      if (at("queueSort", "less")) {
        if (this.queueSort) throw new Error(`framework: profile "${profile.schedulerName}" has two QueueSort plugins`);
        this.queueSort = p as QueueSortPlugin;
      }
      if (at("preEnqueue", "preEnqueue")) this.preEnqueuePlugins.push(p as PreEnqueuePlugin);
      if (at("preFilter", "preFilter")) this.preFilterPlugins.push(p as PreFilterPlugin);
      if (at("filter", "filter")) this.filterPlugins.push(p as FilterPlugin);
      if (at("postFilter", "postFilter")) this.postFilterPlugins.push(p as PostFilterPlugin);
      if (at("preScore", "preScore")) this.preScorePlugins.push(p as PreScorePlugin);
      // A Score plugin without a weight (or with 0) scores with weight 1 [getScoreWeights].
      if (at("score", "score")) this.scorePlugins.push({ plugin: p as ScorePlugin, weight: weight || 1 });
      if (at("reserve", "reserve")) this.reservePlugins.push(p as ReservePlugin);
      if (at("permit", "permit")) this.permitPlugins.push(p as PermitPlugin);
      if (at("preBind", "preBind")) this.preBindPlugins.push(p as PreBindPlugin);
      if (at("bind", "bind")) this.bindPlugins.push(p as BindPlugin);
      if (at("postBind", "postBind")) this.postBindPlugins.push(p as PostBindPlugin);
    }
    if (this.bindPlugins.length === 0) throw new Error(`framework: profile "${profile.schedulerName}" has no Bind plugin`);
  }

  // ---- Handle ----
  get sim(): Simulation {
    return this.deps.sim;
  }
  get client(): KubeClient {
    return this.deps.client;
  }
  get recorder(): EventRecorder {
    return this.deps.recorder;
  }
  get rng(): Rng {
    return this.deps.rng;
  }
  snapshot(): SnapshotLister {
    return this.deps.snapshot();
  }
  namespaceLabels(namespace: string): Record<string, string> | undefined {
    return this.deps.namespaceLabels?.(namespace);
  }

  /** Pods nominated to a node (preemption clears lower-priority nominations). */
  nominatedPodsOnNode(nodeName: string): Pod[] {
    return this.deps.nominator?.nominatedPodsForNode(nodeName) ?? [];
  }

  get selectorsFor(): ((pod: Pod) => LabelSelectorObject[]) | undefined {
    return this.deps.selectorsFor;
  }

  get pdbs(): (() => Pod[]) | undefined {
    return this.deps.pdbs;
  }

  hasScorePlugins(): boolean {
    return this.scorePlugins.length > 0;
  }

  // ---- PreEnqueue ----
  runPreEnqueuePlugins(pod: Pod): Status {
    for (const p of this.preEnqueuePlugins) {
      const s = p.preEnqueue(pod);
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.success();
  }

  // ---- PreFilter ----
  /**
   * Every PreFilter plugin runs. Skip: its Filter is not called this cycle. A rejection stops
   * here. Node-name results are intersected; an empty intersection is a rejection too.
   */
  runPreFilterPlugins(state: CycleState, pod: Pod, nodes: NodeInfo[]): { result?: PreFilterResult; status: Status } {
    let result: PreFilterResult | undefined;
    const pluginsWithNodes: string[] = [];
    this.pluginsWithNodes = pluginsWithNodes;
    for (const p of this.preFilterPlugins) {
      const r = p.preFilter(state, pod, nodes);
      const s = r.status;
      this.current?.preFilter.push({ plugin: p.name, code: s.code, reasons: s.reasons });
      if (s.isSkip()) {
        state.skipFilterPlugins.add(p.name);
        continue;
      }
      if (!s.isSuccess()) {
        if (s.isRejected()) return { status: s.withPlugin(p.name) };
        return { status: Status.error(`running PreFilter plugin "${p.name}": ${s.message()}`).withPlugin(p.name) };
      }
      if (r.result?.nodeNames) {
        pluginsWithNodes.push(p.name);
        if (!result?.nodeNames) result = { nodeNames: new Set(r.result.nodeNames) };
        else result = { nodeNames: new Set([...result.nodeNames].filter((n) => r.result!.nodeNames!.has(n))) };
        if (result.nodeNames!.size === 0) {
          const msg =
            pluginsWithNodes.length === 1
              ? `node(s) didn't satisfy plugin ${pluginsWithNodes[0]}`
              : `node(s) didn't satisfy plugin(s) [${pluginsWithNodes.join(" ")}] simultaneously`;
          return { status: Status.unresolvable(msg).withPlugin(p.name) };
        }
      }
    }
    return { result, status: Status.success() };
  }

  /** The PreFilter plugins that restricted the nodes in the last runPreFilterPlugins. */
  private pluginsWithNodes: string[] = [];

  runPreFilterExtensionAddPod(state: CycleState, podToSchedule: Pod, podToAdd: Pod, nodeInfo: NodeInfo): Status {
    for (const p of this.preFilterPlugins) {
      if (!p.addPod || state.skipFilterPlugins.has(p.name)) continue;
      const s = p.addPod(state, podToSchedule, podToAdd, nodeInfo);
      if (!s.isSuccess()) return Status.error(`running AddPod on PreFilter plugin "${p.name}": ${s.message()}`).withPlugin(p.name);
    }
    return Status.success();
  }

  runPreFilterExtensionRemovePod(state: CycleState, podToSchedule: Pod, podToRemove: Pod, nodeInfo: NodeInfo): Status {
    for (const p of this.preFilterPlugins) {
      if (!p.removePod || state.skipFilterPlugins.has(p.name)) continue;
      const s = p.removePod(state, podToSchedule, podToRemove, nodeInfo);
      if (!s.isSuccess()) return Status.error(`running RemovePod on PreFilter plugin "${p.name}": ${s.message()}`).withPlugin(p.name);
    }
    return Status.success();
  }

  // ---- Filter ----
  /** Filter plugins in profile order; the first failure decides (its reasons only). */
  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo, verdicts?: PluginVerdict[]): Status {
    const plugins = this.activeFilterPlugins(state);
    for (let i = 0; i < plugins.length; i++) {
      const p = plugins[i];
      const s = p.filter(state, pod, nodeInfo);
      if (verdicts) verdicts.push({ plugin: p.name, code: s.code, reasons: s.reasons });
      if (s.code !== "Success") {
        if (s.isRejected()) return s.plugin === p.name ? s : s.withPlugin(p.name);
        return Status.error(`running "${p.name}" filter plugin: ${s.message()}`).withPlugin(p.name);
      }
    }
    return SUCCESS;
  }

  /** The Filter plugins not skipped by PreFilter, computed once per cycle state (hot path). */
  private activeFilterPlugins(state: CycleState): FilterPlugin[] {
    if (this.activeFor === state && this.activeSkips === state.skipFilterPlugins.size) return this.activeList;
    this.activeFor = state;
    this.activeSkips = state.skipFilterPlugins.size;
    this.activeList = state.skipFilterPlugins.size === 0 ? this.filterPlugins : this.filterPlugins.filter((p) => !state.skipFilterPlugins.has(p.name));
    return this.activeList;
  }
  private activeFor: CycleState | undefined;
  private activeSkips = -1;
  private activeList: FilterPlugin[] = [];

  /**
   * Filter with the pods nominated to this node (of equal or higher priority) counted as if
   * they were there — a preemptor's room must not be taken by a lower pod — and, if that passed
   * and there were such pods, once more without them (pod affinity to a nominated pod must not
   * be what makes it fit) [framework.go RunFilterPluginsWithNominatedPods].
   */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: Pod, nodeInfo: NodeInfo, verdicts?: PluginVerdict[]): Status {
    const nominated = this.deps.nominator?.nominatedPodsForNode(nodeInfo.name);
    if (!nominated || nominated.length === 0) return this.runFilterPlugins(state, pod, nodeInfo, verdicts);
    const prio = podPriority(pod);
    let stateWith = state;
    let infoWith = nodeInfo;
    let added = false;
    for (const np of nominated) {
      if (podPriority(np) < prio || np.metadata.uid === pod.metadata.uid) continue;
      if (!added) {
        stateWith = state.clone();
        infoWith = nodeInfo.clone();
        added = true;
      }
      infoWith.addPod(np);
      const s = this.runPreFilterExtensionAddPod(stateWith, pod, np, infoWith);
      if (!s.isSuccess()) return s;
    }
    const s = this.runFilterPlugins(stateWith, pod, infoWith, verdicts);
    if (!s.isSuccess() || !added) return s;
    return this.runFilterPlugins(state, pod, nodeInfo, verdicts);
  }

  // ---- PostFilter ----
  runPostFilterPlugins(state: CycleState, pod: Pod, m: NodeToStatusMap): { result?: PostFilterResult; status: Status } {
    const reasons: string[] = [];
    let result: PostFilterResult | undefined;
    for (const p of this.postFilterPlugins) {
      const r = p.postFilter(state, pod, m);
      const s = r.status;
      if (this.current) this.current.postFilter = { plugin: p.name, code: s.code, reasons: s.reasons, nominatedNodeName: r.result?.nominatedNodeName };
      if (s.isSuccess()) return { result: r.result, status: s.withPlugin(p.name) };
      if (!s.isRejected()) return { result: r.result, status: s.withPlugin(p.name) };
      reasons.push(...s.reasons);
      if (r.result) result = r.result;
    }
    return { result, status: new Status("Unschedulable", reasons) };
  }

  // ---- PreScore / Score ----
  runPreScorePlugins(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status {
    for (const p of this.preScorePlugins) {
      const s = p.preScore(state, pod, nodes);
      if (s.isSkip()) {
        state.skipScorePlugins.add(p.name);
        continue;
      }
      if (!s.isSuccess()) return Status.error(`running PreScore plugin "${p.name}": ${s.message()}`).withPlugin(p.name);
    }
    return Status.success();
  }

  /**
   * Each Score plugin scores every feasible node; NormalizeScore maps a plugin's scores into
   * 0..100 (an out-of-range score is the plugin's bug: an error); then × weight, summed.
   */
  runScorePlugins(state: CycleState, pod: Pod, nodes: NodeInfo[]): { totals: number[]; status: Status } {
    const totals = new Array<number>(nodes.length).fill(0);
    const perNode: PluginScore[][] | undefined = this.current ? nodes.map(() => []) : undefined;
    for (const { plugin, weight } of this.scorePlugins) {
      if (state.skipScorePlugins.has(plugin.name)) continue;
      const scores: NodeScore[] = new Array(nodes.length);
      for (let i = 0; i < nodes.length; i++) {
        const r = plugin.score(state, pod, nodes[i]);
        if (!r.status.isSuccess()) return { totals, status: Status.error(`running Score plugin "${plugin.name}": ${r.status.message()}`).withPlugin(plugin.name) };
        scores[i] = { name: nodes[i].name, score: r.score };
      }
      const raw = perNode ? scores.map((s) => s.score) : undefined;
      if (plugin.normalizeScore) {
        const s = plugin.normalizeScore(state, pod, scores);
        if (!s.isSuccess()) return { totals, status: Status.error(`running Normalize on Score plugin "${plugin.name}": ${s.message()}`).withPlugin(plugin.name) };
      }
      for (let i = 0; i < nodes.length; i++) {
        const v = scores[i].score;
        if (!(v >= MIN_NODE_SCORE && v <= MAX_NODE_SCORE)) {
          return {
            totals,
            status: Status.error(`plugin "${plugin.name}" returns an invalid score ${v}, it should in the range of [${MIN_NODE_SCORE}, ${MAX_NODE_SCORE}] after normalizing`).withPlugin(plugin.name),
          };
        }
        totals[i] += v * weight;
        if (perNode) perNode[i].push({ plugin: plugin.name, raw: raw![i], normalized: v, weight, weighted: v * weight });
      }
    }
    if (perNode && this.currentNodes) {
      for (let i = 0; i < nodes.length; i++) {
        const ne = this.currentNodes.get(nodes[i].name);
        if (ne) {
          ne.scores = perNode[i];
          ne.total = totals[i];
        }
      }
    }
    return { totals, status: Status.success() };
  }

  // ---- Reserve / Permit ----
  runReservePluginsReserve(state: CycleState, pod: Pod, nodeName: string): Status {
    for (const p of this.reservePlugins) {
      const s = p.reserve(state, pod, nodeName);
      if (!s.isSuccess()) return s.isRejected() ? s.withPlugin(p.name) : Status.error(`running Reserve plugin "${p.name}": ${s.message()}`).withPlugin(p.name);
    }
    return Status.success();
  }

  /** Unreserve in reverse order, every plugin, whatever happened [framework.go RunReservePluginsUnreserve]. */
  runReservePluginsUnreserve(state: CycleState, pod: Pod, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) this.reservePlugins[i].unreserve(state, pod, nodeName);
  }

  /** Success, a rejection, or Wait (the pod is parked; waitOnPermit tells the outcome). */
  runPermitPlugins(state: CycleState, pod: Pod, nodeName: string): Status {
    const waits = new Map<string, number>();
    for (const p of this.permitPlugins) {
      const r = p.permit(state, pod, nodeName);
      const s = r.status;
      if (s.code === "Wait") {
        waits.set(p.name, Math.min(r.timeoutMs ?? MAX_PERMIT_TIMEOUT_MS, MAX_PERMIT_TIMEOUT_MS));
        continue;
      }
      if (!s.isSuccess()) return s.isRejected() ? s.withPlugin(p.name) : Status.error(`running Permit plugin "${p.name}": ${s.message()}`).withPlugin(p.name);
    }
    if (waits.size === 0) return Status.success();
    const key = podUidOrKey(pod);
    const wp = new WaitingPod(pod, waits, this.sim, (s) => {
      this.waitingPods.delete(key);
      const cbs = this.permitWaiters.get(key) ?? [];
      this.permitWaiters.delete(key);
      this.permitOutcome.set(key, s);
      for (const cb of cbs) cb(s);
    });
    this.waitingPods.set(key, wp);
    return new Status("Wait");
  }

  private readonly permitWaiters = new Map<string, ((s: Status) => void)[]>();
  private readonly permitOutcome = new Map<string, Status>();

  getWaitingPod(pod: Pod): WaitingPod | undefined {
    return this.waitingPods.get(podUidOrKey(pod));
  }

  /** Calls done once the pod's Permit wait ends (at once if it was not waiting). */
  waitOnPermit(pod: Pod, done: (s: Status) => void): void {
    const key = podUidOrKey(pod);
    const outcome = this.permitOutcome.get(key);
    if (outcome) {
      this.permitOutcome.delete(key);
      return done(outcome);
    }
    if (!this.waitingPods.has(key)) return done(Status.success());
    const list = this.permitWaiters.get(key) ?? [];
    list.push((s) => {
      this.permitOutcome.delete(key);
      done(s);
    });
    this.permitWaiters.set(key, list);
  }

  // ---- PreBind / Bind / PostBind (asynchronous) ----
  runPreBindPlugins(state: CycleState, pod: Pod, nodeName: string, done: (s: Status) => void): void {
    const next = (i: number): void => {
      if (i >= this.preBindPlugins.length) return done(Status.success());
      const p = this.preBindPlugins[i];
      p.preBind(state, pod, nodeName, (s) => {
        if (!s.isSuccess()) return done(s.isRejected() ? s.withPlugin(p.name) : Status.error(`running PreBind plugin "${p.name}": ${s.message()}`).withPlugin(p.name));
        next(i + 1);
      });
    };
    next(0);
  }

  /** The first Bind plugin that does not Skip binds. */
  runBindPlugins(state: CycleState, pod: Pod, nodeName: string, done: (s: Status) => void): void {
    const next = (i: number): void => {
      if (i >= this.bindPlugins.length) return done(Status.skip());
      const p = this.bindPlugins[i];
      p.bind(state, pod, nodeName, (s) => {
        if (s.isSkip()) return next(i + 1);
        if (!s.isSuccess()) return done(s.isRejected() ? s.withPlugin(p.name) : Status.error(`running Bind plugin "${p.name}": ${s.message()}`).withPlugin(p.name));
        done(s);
      });
    };
    next(0);
  }

  runPostBindPlugins(state: CycleState, pod: Pod, nodeName: string): void {
    for (const p of this.postBindPlugins) p.postBind(state, pod, nodeName);
  }

  // ---- the scheduling algorithm ----

  /** Starts recording an explanation for this attempt (if explain is on). */
  beginExplanation(pod: Pod, attempt: number, numNodes: number): Explanation | undefined {
    if (!this.explain) {
      this.current = undefined;
      this.currentNodes = undefined;
      return undefined;
    }
    this.current = {
      pod: `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`,
      time: this.sim.now,
      attempt,
      profile: this.profile.schedulerName,
      numNodes,
      evaluatedNodes: 0,
      feasibleNodes: 0,
      preFilter: [],
      nodes: [],
      result: "Scheduled",
    };
    this.currentNodes = new Map();
    return this.current;
  }

  endExplanation(): Explanation | undefined {
    const e = this.current;
    this.current = undefined;
    this.currentNodes = undefined;
    return e;
  }

  private explainNode(name: string): PluginVerdict[] | undefined {
    if (!this.currentNodes) return undefined;
    let ne = this.currentNodes.get(name);
    if (!ne) {
      ne = { node: name, filters: [] };
      this.currentNodes.set(name, ne);
      this.current!.nodes.push(ne);
    }
    return ne.filters;
  }

  /**
   * One pod against the snapshot [schedule_one.go schedulePod]: the node to bind it to, or a
   * FitError (no node fits), or an error Status.
   */
  schedulePod(state: CycleState, pod: Pod, snapshot: SnapshotLister): { result?: ScheduleResult; fitError?: FitError; error?: Status } {
    const allNodes = snapshot.list();
    // ErrNoNodesAvailable: not a FitError — no plugin rejected the pod and PostFilter does not
    // run; a rejection (UnschedulableAndUnresolvable) with just this text.
    if (allNodes.length === 0) return { error: Status.unresolvable(ERR_NO_NODES_AVAILABLE) };
    const { feasible, diagnosis, error } = this.findNodesThatFitPod(state, pod, snapshot, allNodes);
    if (error) return { error };
    if (this.current) {
      this.current.feasibleNodes = feasible.length;
      this.current.evaluatedNodes = feasible.length + diagnosis.nodeToStatus.size;
    }
    if (feasible.length === 0) return { fitError: new FitError(pod, allNodes.length, diagnosis) };
    const evaluatedNodes = feasible.length + diagnosis.nodeToStatus.size;
    // One feasible node: nothing to compare [schedule_one.go].
    if (feasible.length === 1) {
      if (this.current) this.current.selected = feasible[0].name;
      return { result: { suggestedHost: feasible[0].name, evaluatedNodes, feasibleNodes: 1 } };
    }
    const pre = this.runPreScorePlugins(state, pod, feasible);
    if (!pre.isSuccess()) return { error: pre };
    const { totals, status } = this.runScorePlugins(state, pod, feasible);
    if (!status.isSuccess()) return { error: status };
    const host = this.selectHost(feasible, totals);
    return { result: { suggestedHost: host, evaluatedNodes, feasibleNodes: feasible.length } };
  }

  /**
   * The highest total wins; among equal totals each is picked with equal probability, by
   * reservoir sampling over the seeded generator [schedule_one.go selectHost, v1.32].
   */
  selectHost(nodes: NodeInfo[], totals: number[]): string {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < nodes.length; i++) {
      if (totals[i] > totals[best]) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (this.rng.int(ties) === 0) best = i;
      }
    }
    if (this.current) {
      this.current.selected = nodes[best].name;
      this.current.tiedNodes = ties;
    }
    return nodes[best].name;
  }

  /** PreFilter, then the nominated node, then Filter over the nodes [schedule_one.go findNodesThatFitPod]. */
  findNodesThatFitPod(state: CycleState, pod: Pod, snapshot: SnapshotLister, allNodes: NodeInfo[]): { feasible: NodeInfo[]; diagnosis: Diagnosis; error?: Status } {
    const diagnosis = newDiagnosis();
    const pre = this.runPreFilterPlugins(state, pod, allNodes);
    if (!pre.status.isSuccess()) {
      if (!pre.status.isRejected()) return { feasible: [], diagnosis, error: pre.status };
      // Every node gets the PreFilter verdict, so PostFilter (preemption) sees it per node.
      for (const n of allNodes) diagnosis.nodeToStatus.set(n.name, pre.status);
      diagnosis.preFilterMsg = pre.status.message();
      if (pre.status.plugin) diagnosis.unschedulablePlugins.add(pre.status.plugin);
      return { feasible: [], diagnosis };
    }
    // A nominated node (set by an earlier preemption) is tried alone first.
    const nominated = (pod as any).status?.nominatedNodeName as string | undefined;
    if (nominated) {
      if (this.current) this.current.nominatedNode = nominated;
      const ni = snapshot.get(nominated);
      if (ni?.node) {
        const s = this.runFilterPluginsWithNominatedPods(state, pod, ni, this.explainNode(nominated));
        if (s.isSuccess()) return { feasible: [ni], diagnosis };
        if (!s.isRejected()) return { feasible: [], diagnosis, error: s };
      }
    }
    let nodes = allNodes;
    if (pre.result?.nodeNames) {
      nodes = [];
      for (const name of pre.result.nodeNames) {
        const ni = snapshot.get(name);
        if (ni?.node) nodes.push(ni);
      }
      if (this.current) this.current.preFilterNodes = nodes.map((n) => n.name);
      const absent = Status.unresolvable(`node(s) didn't satisfy plugin(s) [${this.pluginsWithNodes.join(" ")}]`);
      for (const n of allNodes) if (!pre.result.nodeNames.has(n.name)) diagnosis.nodeToStatus.set(n.name, absent);
    }
    const { feasible, error } = this.findNodesThatPassFilters(state, pod, diagnosis, nodes);
    if (error) return { feasible: [], diagnosis, error };
    return { feasible, diagnosis };
  }

  /**
   * Filter from the rotating start index until enough feasible nodes are found
   * [schedule_one.go findNodesThatPassFilters]. Without Score plugins one node is enough.
   * An Error status (not a rejection) from any Filter plugin on any node aborts the whole
   * attempt: upstream's checkNode cancels the parallel search and findNodesThatPassFilters
   * returns the error, so the pod goes to the back-off queue as a scheduler error, not as
   * unschedulable (and PostFilter does not run).
   */
  findNodesThatPassFilters(state: CycleState, pod: Pod, diagnosis: Diagnosis, nodes: NodeInfo[]): { feasible: NodeInfo[]; error?: Status } {
    const n = nodes.length;
    let toFind = numFeasibleNodesToFind(this.profile.percentageOfNodesToScore, n);
    if (!this.hasScorePlugins()) toFind = Math.min(toFind, 1);
    const feasible: NodeInfo[] = [];
    if (n === 0) return { feasible };
    const noFilters = this.filterPlugins.every((p) => state.skipFilterPlugins.has(p.name));
    let processed = 0;
    const start = this.nextStartNodeIndex % n;
    for (let i = 0; i < n && feasible.length < toFind; i++) {
      const ni = nodes[(start + i) % n];
      processed++;
      if (noFilters) {
        this.explainNode(ni.name);
        feasible.push(ni);
        continue;
      }
      const s = this.runFilterPluginsWithNominatedPods(state, pod, ni, this.explainNode(ni.name));
      if (s.code === "Success") feasible.push(ni);
      else if (s.isRejected()) {
        diagnosis.nodeToStatus.set(ni.name, s);
        if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
      } else {
        // An error stops the search and fails the attempt; the pod is retried with back-off.
        this.nextStartNodeIndex = (start + processed) % n;
        return { feasible: [], error: s };
      }
    }
    this.nextStartNodeIndex = (start + processed) % n;
    return { feasible };
  }
}

const SUCCESS = Status.success();

/** A duration as Go's time.Duration prints it (%v): "500ms", "10s", "1m30s", "15m0s", "1h0m0s". */
export function goDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const sec = `${Number(((ms % 60_000) / 1000).toFixed(3))}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}

function podUidOrKey(pod: Pod): string {
  return pod.metadata.uid ?? `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
}
