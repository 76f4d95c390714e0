// PodTopologySpread [k/k pkg/scheduler/framework/plugins/podtopologyspread/{plugin,common,filtering,scoring}.go].
//
// A constraint {maxSkew, topologyKey, whenUnsatisfiable, labelSelector, minDomains,
// nodeAffinityPolicy, nodeTaintsPolicy, matchLabelKeys} asks that matching pods be spread over
// the domains of topologyKey (zones, hosts) with at most maxSkew difference.
//
// Filter (DoNotSchedule): count matching pods per domain over the eligible nodes, then for a
// candidate node   skew = count[its domain] + (1 if the pod matches itself) − min over domains
// (0 when fewer than minDomains domains exist); skew > maxSkew rejects the node.
// Score (ScheduleAnyway): fewer matching pods in the node's domains is better:
//   raw = round(Σ count·ln(#domains + 2) + (maxSkew − 1)), normalised as (max + min − raw)·100/max.
// A pod without constraints gets the system defaults (hostname maxSkew 3, zone maxSkew 5,
// ScheduleAnyway) when a Service / ReplicaSet / StatefulSet / RC selects it.

import type { CycleState, FilterPlugin, Handle, Node, NodeScore, Pod, PluginFactory, PreFilterPlugin, PreFilterResult, PreScorePlugin, ScorePlugin } from "../framework/interface";
import { MAX_NODE_SCORE } from "../framework/interface";
import type { NodeInfo } from "../framework/node-info";
import { Status } from "../framework/status";
import { invalid, notSupported, throwIfAny } from "../util/field-errors";
import { andSelectors, compileLabelSelector, compileMapSelector, type LabelMatcher } from "../util/labels";
import { RequiredNodeAffinity } from "../util/node-affinity";
import { findUntoleratedTaint, isDoNotScheduleTaint } from "../util/tolerations";

export const PodTopologySpreadName = "PodTopologySpread";
export const ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
export const ErrReasonNodeLabelNotMatch = ErrReasonConstraintsNotMatch + " (missing required label)";
export const LABEL_HOSTNAME = "kubernetes.io/hostname";
export const LABEL_TOPOLOGY_ZONE = "topology.kubernetes.io/zone";
const PREFILTER_KEY = "PreFilter" + PodTopologySpreadName;
const PRESCORE_KEY = "PreScore" + PodTopologySpreadName;

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
  labelSelector?: any;
  minDomains?: number;
  nodeAffinityPolicy?: "Honor" | "Ignore";
  nodeTaintsPolicy?: "Honor" | "Ignore";
  matchLabelKeys?: string[];
}

export interface PodTopologySpreadArgs {
  defaultConstraints?: TopologySpreadConstraint[];
  defaultingType?: "System" | "List";
}

/** The constraints kube-scheduler applies when the profile says defaultingType: System. */
export const SYSTEM_DEFAULT_CONSTRAINTS: TopologySpreadConstraint[] = [
  { topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: "ScheduleAnyway", maxSkew: 3 },
  { topologyKey: LABEL_TOPOLOGY_ZONE, whenUnsatisfiable: "ScheduleAnyway", maxSkew: 5 },
];

/** A constraint ready to evaluate (topologySpreadConstraint in common.go). */
interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelMatcher;
  minDomains: number;
  honorNodeAffinity: boolean;
  honorNodeTaints: boolean;
}

/** Matching pods on one node: same namespace, not terminating, labels match. An empty selector counts nothing [common.go]. */
export function countPodsMatchSelector(pods: Pod[], selector: LabelMatcher, ns: string): number {
  if (selector.empty) return 0;
  let n = 0;
  for (let i = 0; i < pods.length; i++) {
    const p = pods[i];
    if (p.metadata.deletionTimestamp || (p.metadata.namespace ?? "") !== ns) continue;
    if (selector.matches(p.metadata.labels)) n++;
  }
  return n;
}

function nodeLabelsMatchSpreadConstraints(labels: Record<string, string> | undefined, cs: Constraint[]): boolean {
  if (!labels) return cs.length === 0;
  for (const c of cs) if (labels[c.topologyKey] === undefined) return false;
  return true;
}

/** nodeAffinityPolicy Honor: the node must pass the pod's nodeSelector/required affinity; nodeTaintsPolicy Honor: no untolerated taint. */
function matchNodeInclusionPolicies(c: Constraint, pod: Pod, node: Node, required: RequiredNodeAffinity): boolean {
  if (c.honorNodeAffinity && !required.matches(node)) return false;
  if (c.honorNodeTaints && findUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, isDoNotScheduleTaint)) return false;
  return true;
}

class PreFilterState {
  constructor(
    readonly constraints: Constraint[],
    /** Per constraint: matching pods per topology value (every eligible domain present, maybe 0). */
    readonly tpValueToMatchNum: Map<string, number>[],
    /** Per constraint: the global minimum, recomputed when preemption edits the counts. */
    readonly minMatch: number[],
  ) {}
  clone(): PreFilterState {
    return new PreFilterState(this.constraints, this.tpValueToMatchNum.map((m) => new Map(m)), this.minMatch.slice());
  }
  recomputeMin(i: number): void {
    let min = Infinity;
    for (const v of this.tpValueToMatchNum[i].values()) if (v < min) min = v;
    this.minMatch[i] = min;
  }
}

class PreScoreState {
  constructor(
    readonly constraints: Constraint[],
    readonly ignoredNodes: Set<string>,
    /** Per constraint (non-hostname keys): matching pods per topology value among candidate domains. */
    readonly topologyValueToPodCounts: Map<string, number>[],
    readonly topologyNormalizingWeight: number[],
  ) {}
}

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = PodTopologySpreadName;
  private readonly defaultConstraints: TopologySpreadConstraint[];
  readonly systemDefaulted: boolean;

  constructor(
    private readonly handle: Handle,
    args: PodTopologySpreadArgs = {},
  ) {
    const defaultingType = args.defaultingType ?? "System";
    const defaults = args.defaultConstraints ?? [];
    validatePodTopologySpreadArgs(defaultingType, defaults);
    this.systemDefaulted = defaultingType === "System";
    this.defaultConstraints = this.systemDefaulted ? SYSTEM_DEFAULT_CONSTRAINTS : defaults;
  }

  /** filterTopologySpreadConstraints: the pod's constraints of one kind, with matchLabelKeys merged in. */
  private compile(cs: TopologySpreadConstraint[], podLabels: Record<string, string> | undefined, action: string): Constraint[] {
    const out: Constraint[] = [];
    for (const c of cs) {
      if (c.whenUnsatisfiable !== action) continue;
      let selector = compileLabelSelector(c.labelSelector);
      const keys = c.matchLabelKeys ?? [];
      if (keys.length > 0) {
        const extra: Record<string, string> = {};
        let any = false;
        for (const k of keys) if (podLabels && podLabels[k] !== undefined) ((extra[k] = podLabels[k]), (any = true));
        if (any) selector = andSelectors([compileMapSelector(extra), selector]);
      }
      out.push({
        maxSkew: c.maxSkew,
        topologyKey: c.topologyKey,
        selector,
        minDomains: c.minDomains ?? 1,
        honorNodeAffinity: (c.nodeAffinityPolicy ?? "Honor") === "Honor",
        honorNodeTaints: (c.nodeTaintsPolicy ?? "Ignore") === "Honor",
      });
    }
    return out;
  }

  /** The pod's own constraints, or the defaults with the selector of whatever selects the pod. */
  private constraintsFor(pod: Pod, action: string): Constraint[] {
    const own: TopologySpreadConstraint[] = pod.spec?.topologySpreadConstraints ?? [];
    if (own.length > 0) return this.compile(own, pod.metadata.labels, action);
    const cs = this.compile(this.defaultConstraints, pod.metadata.labels, action);
    if (cs.length === 0) return [];
    const selectors = this.handle.selectorsFor ? this.handle.selectorsFor(pod) : [];
    const selector = andSelectors(selectors.map((s) => compileLabelSelector(s)));
    if (selector.empty || selector.nothing) return [];
    for (const c of cs) c.selector = selector;
    return cs;
  }

  preFilter(state: CycleState, pod: Pod, nodes: NodeInfo[]): { result?: PreFilterResult; status: Status } {
    const constraints = this.constraintsFor(pod, "DoNotSchedule");
    if (constraints.length === 0) return { status: Status.skip() };
    const ns = pod.metadata.namespace ?? "";
    const required = new RequiredNodeAffinity(pod);
    const counts = constraints.map(() => new Map<string, number>());
    for (const ni of nodes) {
      const node = ni.node;
      if (!node) continue;
      const labels = node.metadata.labels;
      if (!nodeLabelsMatchSpreadConstraints(labels, constraints)) continue;
      for (let i = 0; i < constraints.length; i++) {
        const c = constraints[i];
        if (!matchNodeInclusionPolicies(c, pod, node, required)) continue;
        const v = labels![c.topologyKey];
        counts[i].set(v, (counts[i].get(v) ?? 0) + countPodsMatchSelector(ni.pods, c.selector, ns));
      }
    }
    const s = new PreFilterState(constraints, counts, constraints.map(() => Infinity));
    constraints.forEach((_, i) => s.recomputeMin(i));
    state.write(PREFILTER_KEY, s);
    return { status: Status.success() };
  }

  addPod(state: CycleState, podToSchedule: Pod, podToAdd: Pod, nodeInfo: NodeInfo): Status {
    this.updateWithPod(state, podToSchedule, podToAdd, nodeInfo, 1);
    return Status.success();
  }
  removePod(state: CycleState, podToSchedule: Pod, podToRemove: Pod, nodeInfo: NodeInfo): Status {
    this.updateWithPod(state, podToSchedule, podToRemove, nodeInfo, -1);
    return Status.success();
  }
  private updateWithPod(state: CycleState, preemptor: Pod, p: Pod, nodeInfo: NodeInfo, delta: number): void {
    const s = state.read<PreFilterState>(PREFILTER_KEY);
    const node = nodeInfo.node;
    if (!s || !node || (p.metadata.namespace ?? "") !== (preemptor.metadata.namespace ?? "")) return;
    const labels = node.metadata.labels;
    if (!nodeLabelsMatchSpreadConstraints(labels, s.constraints)) return;
    const required = new RequiredNodeAffinity(preemptor);
    s.constraints.forEach((c, i) => {
      if (!c.selector.matches(p.metadata.labels)) return;
      if (!matchNodeInclusionPolicies(c, preemptor, node, required)) return;
      const v = labels![c.topologyKey];
      s.tpValueToMatchNum[i].set(v, (s.tpValueToMatchNum[i].get(v) ?? 0) + delta);
      s.recomputeMin(i);
    });
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const s = state.read<PreFilterState>(PREFILTER_KEY);
    if (!s) return Status.error(`reading "${PREFILTER_KEY}" from cycleState: not found`);
    const labels = nodeInfo.node?.metadata.labels;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      const v = labels?.[c.topologyKey];
      if (v === undefined) return Status.unresolvable(ErrReasonNodeLabelNotMatch);
      // Fewer domains than minDomains: the missing ones count as empty, so the minimum is 0.
      const minMatch = s.tpValueToMatchNum[i].size < c.minDomains ? 0 : s.minMatch[i];
      const self = c.selector.matches(pod.metadata.labels) ? 1 : 0;
      const skew = (s.tpValueToMatchNum[i].get(v) ?? 0) + self - minMatch;
      if (skew > c.maxSkew) return Status.unschedulable(ErrReasonConstraintsNotMatch);
    }
    return Status.success();
  }

  preScore(state: CycleState, pod: Pod, filteredNodes: NodeInfo[]): Status {
    const all = this.handle.snapshot().list();
    if (filteredNodes.length === 0 || all.length === 0) return Status.success();
    const constraints = this.constraintsFor(pod, "ScheduleAnyway");
    if (constraints.length === 0) return Status.skip();
    // Only the pod's own constraints require every key on a node; system defaults tolerate gaps.
    const requireAllTopologies = (pod.spec?.topologySpreadConstraints ?? []).length > 0 || !this.systemDefaulted;
    const ignored = new Set<string>();
    const counts = constraints.map(() => new Map<string, number>());
    const topoSize = constraints.map(() => 0);
    for (const ni of filteredNodes) {
      const labels = ni.node?.metadata.labels;
      if (requireAllTopologies && !nodeLabelsMatchSpreadConstraints(labels, constraints)) {
        ignored.add(ni.name);
        continue;
      }
      constraints.forEach((c, i) => {
        if (c.topologyKey === LABEL_HOSTNAME) return; // per-node counts happen in Score
        const v = labels?.[c.topologyKey] ?? "";
        if (!counts[i].has(v)) {
          counts[i].set(v, 0);
          topoSize[i]++;
        }
      });
    }
    const weights = constraints.map((c, i) => Math.log((c.topologyKey === LABEL_HOSTNAME ? filteredNodes.length - ignored.size : topoSize[i]) + 2));
    // Counts per domain come from all eligible nodes, not only the candidates.
    const ns = pod.metadata.namespace ?? "";
    const required = new RequiredNodeAffinity(pod);
    const needCounts = constraints.some((c) => c.topologyKey !== LABEL_HOSTNAME);
    if (needCounts) {
      for (const ni of all) {
        const node = ni.node;
        if (!node) continue;
        const labels = node.metadata.labels;
        if (requireAllTopologies && !nodeLabelsMatchSpreadConstraints(labels, constraints)) continue;
        constraints.forEach((c, i) => {
          if (c.topologyKey === LABEL_HOSTNAME) return;
          if (!matchNodeInclusionPolicies(c, pod, node, required)) return;
          const v = labels?.[c.topologyKey] ?? "";
          const cur = counts[i].get(v);
          if (cur === undefined) return; // not a domain of any candidate node
          counts[i].set(v, cur + countPodsMatchSelector(ni.pods, c.selector, ns));
        });
      }
    }
    state.write(PRESCORE_KEY, new PreScoreState(constraints, ignored, counts, weights));
    return Status.success();
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): { score: number; status: Status } {
    const s = state.read<PreScoreState>(PRESCORE_KEY);
    if (!s) return { score: 0, status: Status.error(`reading "${PRESCORE_KEY}" from cycleState: not found`) };
    if (s.ignoredNodes.has(nodeInfo.name)) return { score: 0, status: Status.success() };
    const labels = nodeInfo.node?.metadata.labels;
    const ns = pod.metadata.namespace ?? "";
    let score = 0;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      const v = labels?.[c.topologyKey];
      if (v === undefined) continue;
      const cnt = c.topologyKey === LABEL_HOSTNAME ? countPodsMatchSelector(nodeInfo.pods, c.selector, ns) : (s.topologyValueToPodCounts[i].get(v) ?? 0);
      score += cnt * s.topologyNormalizingWeight[i] + (c.maxSkew - 1);
    }
    return { score: goRound(score), status: Status.success() };
  }

  normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    const s = state.read<PreScoreState>(PRESCORE_KEY);
    if (!s) return Status.success();
    let min = Infinity;
    let max = 0;
    for (const x of scores) {
      if (s.ignoredNodes.has(x.name)) continue;
      if (x.score < min) min = x.score;
      if (x.score > max) max = x.score;
    }
    for (const x of scores) {
      if (s.ignoredNodes.has(x.name)) x.score = 0;
      else if (max === 0) x.score = MAX_NODE_SCORE;
      else x.score = Math.trunc((MAX_NODE_SCORE * (max + min - x.score)) / max);
    }
    return Status.success();
  }
}

/** math.Round: half away from zero (JS Math.round rounds half up). Scores here are ≥ 0. */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** ValidatePodTopologySpreadArgs [validation_pluginargs.go] (the subset that applies here). */
function validatePodTopologySpreadArgs(defaultingType: string, defaults: TopologySpreadConstraint[]): void {
  const errs: string[] = [];
  if (defaultingType !== "System" && defaultingType !== "List") errs.push(notSupported("defaultingType", defaultingType, ["List", "System"]));
  else if (defaultingType === "System" && defaults.length > 0) errs.push(invalid("defaultingType", defaultingType, "when .defaultConstraints are not empty"));
  defaults.forEach((c, i) => {
    const p = `defaultConstraints[${i}]`;
    if (!(c.maxSkew > 0)) errs.push(invalid(`${p}.maxSkew`, c.maxSkew, "not in valid range (0, inf)"));
    if (!c.topologyKey) errs.push(`${p}.topologyKey: Required value: can not be empty`);
    if (!c.whenUnsatisfiable) errs.push(`${p}.whenUnsatisfiable: Required value: can not be empty`);
    else if (c.whenUnsatisfiable !== "DoNotSchedule" && c.whenUnsatisfiable !== "ScheduleAnyway") errs.push(notSupported(`${p}.whenUnsatisfiable`, c.whenUnsatisfiable, ["DoNotSchedule", "ScheduleAnyway"]));
    if (c.labelSelector !== undefined && c.labelSelector !== null) errs.push(`${p}.labelSelector: Forbidden: constraint must not define a selector, as they deduced for each pod`);
    for (let j = 0; j < i; j++) {
      if (defaults[j].topologyKey === c.topologyKey && defaults[j].whenUnsatisfiable === c.whenUnsatisfiable) {
        errs.push(`defaultConstraints[${i}]: Duplicate value: "{${c.topologyKey}, ${c.whenUnsatisfiable}}"`);
        break;
      }
    }
  });
  throwIfAny(errs);
}

export const newPodTopologySpread: PluginFactory = (args, handle) => new PodTopologySpread(handle, (args ?? {}) as PodTopologySpreadArgs);
