// InterPodAffinity [k/k pkg/scheduler/framework/plugins/interpodaffinity/{plugin,filtering,scoring}.go].
//
// Filter (PreFilter counts, per topology pair (key, value), the pods that matter):
//   1. the pod's required affinity: every term needs a matching pod in the node's domain
//      (or, for the first pod of a self-affine group, no matching pod anywhere)    → Unresolvable
//   2. the pod's required anti-affinity: no matching pod in the node's domain        → Unschedulable
//   3. symmetry: no existing pod whose required anti-affinity matches this pod may
//      share a domain with the node                                                  → Unschedulable
// Score: for each existing pod, the incoming pod's preferred (anti-)affinity terms that match it,
// and its own required/preferred terms that match the incoming pod, add ±weight to the pair
// (key, value of its node); a node scores the sum over its labels; min–max normalised.
//
// Cost: PreFilter walks every pod only when the incoming pod has required terms; otherwise only
// nodes with required-anti-affinity pods (the snapshot keeps that list). Filter is map lookups.

import type { CycleState, FilterPlugin, Handle, NodeScore, Pod, PluginFactory, PreFilterPlugin, PreFilterResult, PreScorePlugin, ScorePlugin } from "../framework/interface";
import { MAX_NODE_SCORE } from "../framework/interface";
import type { NodeInfo } from "../framework/node-info";
import { Status } from "../framework/status";
import { invalid, throwIfAny } from "../util/field-errors";
import { cachedNamespaceLabels, podAffinityInfo, termMatches, type AffinityTerm, type NamespaceLabels, type PodAffinityInfo, type WeightedAffinityTerm } from "../util/pod-affinity";

export const InterPodAffinityName = "InterPodAffinity";
export const ErrReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ErrReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules";
export const ErrReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules";
const PREFILTER_KEY = "PreFilter" + InterPodAffinityName;
const PRESCORE_KEY = "PreScore" + InterPodAffinityName;

export interface InterPodAffinityArgs {
  hardPodAffinityWeight?: number;
  ignorePreferredTermsOfExistingPods?: boolean;
}

/** Counts per topology pair, with pairs dropping out at 0 (so "no pairs" means none matched). */
export class TopologyCounts {
  private readonly m = new Map<string, Map<string, number>>();
  size = 0;
  get(key: string, value: string): number {
    return this.m.get(key)?.get(value) ?? 0;
  }
  add(key: string, value: string, delta: number): void {
    let inner = this.m.get(key);
    if (!inner) this.m.set(key, (inner = new Map()));
    const before = inner.get(value);
    const after = (before ?? 0) + delta;
    if (after === 0) {
      if (before !== undefined) {
        inner.delete(value);
        this.size--;
      }
    } else {
      if (before === undefined) this.size++;
      inner.set(value, after);
    }
  }
  /** Does any of the node's label pairs have a count > 0? */
  anyPositive(labels: Record<string, string> | undefined): boolean {
    if (this.size === 0 || !labels) return false;
    for (const [key, inner] of this.m) {
      const v = labels[key];
      if (v !== undefined && (inner.get(v) ?? 0) > 0) return true;
    }
    return false;
  }
  clone(): TopologyCounts {
    const c = new TopologyCounts();
    for (const [k, inner] of this.m) c.m.set(k, new Map(inner));
    c.size = this.size;
    return c;
  }
}

class PreFilterState {
  constructor(
    readonly pod: Pod,
    readonly info: PodAffinityInfo,
    readonly nsLabels: NamespaceLabels,
    /** Existing pods' required anti-affinity terms that match the incoming pod. */
    readonly existingAntiAffinityCounts: TopologyCounts,
    /** Existing pods matching all of the incoming pod's required affinity terms. */
    readonly affinityCounts: TopologyCounts,
    /** Existing pods matching the incoming pod's required anti-affinity terms. */
    readonly antiAffinityCounts: TopologyCounts,
  ) {}
  clone(): PreFilterState {
    return new PreFilterState(this.pod, this.info, this.nsLabels, this.existingAntiAffinityCounts.clone(), this.affinityCounts.clone(), this.antiAffinityCounts.clone());
  }
}

/** The incoming pod's own terms never need namespace labels of other namespaces beyond nsLabels. */
function podMatchesAllAffinityTerms(terms: AffinityTerm[], pod: Pod, nsLabels: NamespaceLabels): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, nsLabels)) return false;
  return true;
}

function updateWithAffinityTerms(counts: TopologyCounts, pod: Pod, nodeLabels: Record<string, string> | undefined, terms: AffinityTerm[], nsLabels: NamespaceLabels, delta: number): void {
  if (!nodeLabels || !podMatchesAllAffinityTerms(terms, pod, nsLabels)) return;
  for (const t of terms) {
    const v = nodeLabels[t.topologyKey];
    if (v !== undefined) counts.add(t.topologyKey, v, delta);
  }
}

function updateWithAntiAffinityTerms(counts: TopologyCounts, pod: Pod, nodeLabels: Record<string, string> | undefined, terms: AffinityTerm[], nsLabels: NamespaceLabels, delta: number): void {
  if (!nodeLabels) return;
  for (const t of terms) {
    if (!termMatches(t, pod, nsLabels)) continue;
    const v = nodeLabels[t.topologyKey];
    if (v !== undefined) counts.add(t.topologyKey, v, delta);
  }
}

class PreScoreState {
  constructor(readonly topologyScore: Map<string, Map<string, number>>) {}
}

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = InterPodAffinityName;
  readonly hardPodAffinityWeight: number;
  readonly ignorePreferredTermsOfExistingPods: boolean;

  constructor(
    private readonly handle: Handle,
    args: InterPodAffinityArgs = {},
  ) {
    // SetDefaults_InterPodAffinityArgs: hardPodAffinityWeight 1; validation: [0, 100].
    this.hardPodAffinityWeight = args.hardPodAffinityWeight ?? 1;
    this.ignorePreferredTermsOfExistingPods = args.ignorePreferredTermsOfExistingPods ?? false;
    const w = this.hardPodAffinityWeight;
    throwIfAny(w < 0 || w > 100 || !Number.isInteger(w) ? [invalid("hardPodAffinityWeight", w, "not in valid range [0, 100]")] : []);
  }

  private nsLabels(): NamespaceLabels {
    return cachedNamespaceLabels((ns) => this.handle.namespaceLabels(ns));
  }

  preFilter(state: CycleState, pod: Pod, nodes: NodeInfo[]): { result?: PreFilterResult; status: Status } {
    const info = podAffinityInfo(pod);
    const nsLabels = this.nsLabels();
    const snapshot = this.handle.snapshot();
    const existingAnti = new TopologyCounts();
    for (const ni of snapshot.havePodsWithRequiredAntiAffinityList()) {
      const labels = ni.node?.metadata.labels;
      if (!labels) continue;
      for (const existing of ni.podsWithRequiredAntiAffinity) {
        // The existing pod's terms are matched against the incoming pod (namespaceSelector
        // evaluated on the incoming pod's namespace labels).
        updateWithAntiAffinityTerms(existingAnti, pod, labels, podAffinityInfo(existing).requiredAntiAffinityTerms, nsLabels, 1);
      }
    }
    const affinity = new TopologyCounts();
    const anti = new TopologyCounts();
    if (info.requiredAffinityTerms.length > 0 || info.requiredAntiAffinityTerms.length > 0) {
      for (const ni of nodes) {
        const labels = ni.node?.metadata.labels;
        if (!labels) continue;
        for (const existing of ni.pods) {
          updateWithAffinityTerms(affinity, existing, labels, info.requiredAffinityTerms, nsLabels, 1);
          updateWithAntiAffinityTerms(anti, existing, labels, info.requiredAntiAffinityTerms, nsLabels, 1);
        }
      }
    }
    if (existingAnti.size === 0 && info.requiredAffinityTerms.length === 0 && info.requiredAntiAffinityTerms.length === 0) return { status: Status.skip() };
    state.write(PREFILTER_KEY, new PreFilterState(pod, info, nsLabels, existingAnti, affinity, anti));
    return { status: Status.success() };
  }

  /** Preemption's what-ifs: a pod appears on / disappears from a node. */
  addPod(state: CycleState, _podToSchedule: Pod, podToAdd: Pod, nodeInfo: NodeInfo): Status {
    this.updateWithPod(state, podToAdd, nodeInfo, 1);
    return Status.success();
  }
  removePod(state: CycleState, _podToSchedule: Pod, podToRemove: Pod, nodeInfo: NodeInfo): Status {
    this.updateWithPod(state, podToRemove, nodeInfo, -1);
    return Status.success();
  }
  private updateWithPod(state: CycleState, p: Pod, nodeInfo: NodeInfo, delta: number): void {
    const s = state.read<PreFilterState>(PREFILTER_KEY);
    if (!s) return;
    const labels = nodeInfo.node?.metadata.labels;
    updateWithAntiAffinityTerms(s.existingAntiAffinityCounts, s.pod, labels, podAffinityInfo(p).requiredAntiAffinityTerms, s.nsLabels, delta);
    updateWithAffinityTerms(s.affinityCounts, p, labels, s.info.requiredAffinityTerms, s.nsLabels, delta);
    updateWithAntiAffinityTerms(s.antiAffinityCounts, p, labels, s.info.requiredAntiAffinityTerms, s.nsLabels, delta);
  }

  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
    const s = state.read<PreFilterState>(PREFILTER_KEY);
    if (!s) return Status.error(`reading "${PREFILTER_KEY}" from cycleState: not found`);
    const labels = nodeInfo.node?.metadata.labels ?? {};
    if (!this.satisfyPodAffinity(s, labels)) return Status.unresolvable(ErrReasonAffinityRulesNotMatch);
    if (s.antiAffinityCounts.size > 0) {
      for (const t of s.info.requiredAntiAffinityTerms) {
        const v = labels[t.topologyKey];
        if (v !== undefined && s.antiAffinityCounts.get(t.topologyKey, v) > 0) return Status.unschedulable(ErrReasonAntiAffinityRulesNotMatch);
      }
    }
    if (s.existingAntiAffinityCounts.anyPositive(labels)) return Status.unschedulable(ErrReasonExistingAntiAffinityRulesNotMatch);
    return Status.success();
  }

  private satisfyPodAffinity(s: PreFilterState, labels: Record<string, string>): boolean {
    let podsExist = true;
    for (const t of s.info.requiredAffinityTerms) {
      const v = labels[t.topologyKey];
      if (v === undefined) return false; // all topology labels must exist on the node
      if (s.affinityCounts.get(t.topologyKey, v) <= 0) podsExist = false;
    }
    if (podsExist) return true;
    // The first pod of a group with affinity to itself: nothing matches anywhere yet, but the
    // pod matches its own terms — let it in, or the group could never start.
    return s.affinityCounts.size === 0 && podMatchesAllAffinityTerms(s.info.requiredAffinityTerms, s.pod, s.nsLabels);
  }

  preScore(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status {
    if (nodes.length === 0) return Status.success();
    const info = podAffinityInfo(pod);
    const hasConstraints = info.preferredAffinityTerms.length > 0 || info.preferredAntiAffinityTerms.length > 0;
    if (this.ignorePreferredTermsOfExistingPods && !hasConstraints) return Status.skip();
    const snapshot = this.handle.snapshot();
    // Unless the pod has preferred terms itself, only pods with affinity terms can contribute.
    const all = hasConstraints ? snapshot.list() : snapshot.havePodsWithAffinityList();
    const nsLabels = this.nsLabels();
    const topologyScore = new Map<string, Map<string, number>>();
    const addScore = (key: string, value: string, d: number) => {
      let inner = topologyScore.get(key);
      if (!inner) topologyScore.set(key, (inner = new Map()));
      inner.set(value, (inner.get(value) ?? 0) + d);
    };
    const processTerms = (terms: WeightedAffinityTerm[], target: Pod, labels: Record<string, string>, sign: number) => {
      for (const t of terms) {
        if (!termMatches(t, target, nsLabels)) continue;
        const v = labels[t.topologyKey];
        if (v !== undefined) addScore(t.topologyKey, v, t.weight * sign);
      }
    };
    for (const ni of all) {
      const labels = ni.node?.metadata.labels;
      if (!labels || Object.keys(labels).length === 0) continue;
      const pods = hasConstraints ? ni.pods : ni.podsWithAffinity;
      for (const existing of pods) {
        processTerms(info.preferredAffinityTerms, existing, labels, 1);
        processTerms(info.preferredAntiAffinityTerms, existing, labels, -1);
        const ex = podAffinityInfo(existing);
        if (this.hardPodAffinityWeight > 0) {
          for (const t of ex.requiredAffinityTerms) {
            if (!termMatches(t, pod, nsLabels)) continue;
            const v = labels[t.topologyKey];
            if (v !== undefined) addScore(t.topologyKey, v, this.hardPodAffinityWeight);
          }
        }
        processTerms(ex.preferredAffinityTerms, pod, labels, 1);
        processTerms(ex.preferredAntiAffinityTerms, pod, labels, -1);
      }
    }
    if (topologyScore.size === 0) return Status.skip();
    state.write(PRESCORE_KEY, new PreScoreState(topologyScore));
    return Status.success();
  }

  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): { score: number; status: Status } {
    const s = state.read<PreScoreState>(PRESCORE_KEY);
    if (!s) return { score: 0, status: Status.error(`reading "${PRESCORE_KEY}" from cycleState: not found`) };
    const labels = nodeInfo.node?.metadata.labels ?? {};
    let score = 0;
    for (const [key, values] of s.topologyScore) {
      const v = labels[key];
      if (v !== undefined) score += values.get(v) ?? 0;
    }
    return { score, status: Status.success() };
  }

  normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    const s = state.read<PreScoreState>(PRESCORE_KEY);
    if (!s || s.topologyScore.size === 0) return Status.success();
    let min = Infinity;
    let max = -Infinity;
    for (const x of scores) {
      if (x.score > max) max = x.score;
      if (x.score < min) min = x.score;
    }
    const diff = max - min;
    for (const x of scores) x.score = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((x.score - min) / diff)) : 0;
    return Status.success();
  }
}

export const newInterPodAffinity: PluginFactory = (args, handle) => new InterPodAffinity(handle, (args ?? {}) as InterPodAffinityArgs);
