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
// Cost: the counts PreFilter and PreScore need are kept by the snapshot's AffinityIndex between
// cycles (cache/affinity-index.ts), so an attempt costs a lookup per distinct term instead of a
// walk over every pod; Filter and Score are map lookups. A counts object borrowed from the index
// is copied before preemption's AddPod/RemovePod change it (copy on write).

import type { CycleState, FilterPlugin, Handle, NodeScore, Pod, PluginFactory, PreFilterPlugin, PreFilterResult, PreScorePlugin, ScorePlugin } from "../framework/interface";
import { MAX_NODE_SCORE } from "../framework/interface";
import type { NodeInfo } from "../framework/node-info";
import { Status } from "../framework/status";
import { invalid, throwIfAny } from "../util/field-errors";
import { cachedNamespaceLabels, podAffinityInfo, termMatches, TopologyCounts, type AffinityTerm, type NamespaceLabels, type PodAffinityInfo, type WeightedAffinityTerm } from "../util/pod-affinity";
import { AffinityIndex } from "../cache/affinity-index";

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

export { TopologyCounts };

class PreFilterState {
  constructor(
    readonly pod: Pod,
    readonly info: PodAffinityInfo,
    readonly nsLabels: NamespaceLabels,
    /** Existing pods' required anti-affinity terms that match the incoming pod. */
    public existingAntiAffinityCounts: TopologyCounts,
    /** Existing pods matching all of the incoming pod's required affinity terms. */
    public affinityCounts: TopologyCounts,
    /** Existing pods matching the incoming pod's required anti-affinity terms. */
    public antiAffinityCounts: TopologyCounts,
    /** Which of the three are borrowed from the snapshot's index (read-only). */
    private borrowed: [boolean, boolean, boolean] = [false, false, false],
  ) {}
  /** The counts, made this state's own before they are changed. */
  own(): void {
    if (this.borrowed[0]) this.existingAntiAffinityCounts = this.existingAntiAffinityCounts.clone();
    if (this.borrowed[1]) this.affinityCounts = this.affinityCounts.clone();
    if (this.borrowed[2]) this.antiAffinityCounts = this.antiAffinityCounts.clone();
    this.borrowed = [false, false, false];
  }
  clone(): PreFilterState {
    const b = this.borrowed;
    const copy = (c: TopologyCounts, shared: boolean) => (shared ? c : c.clone());
    return new PreFilterState(this.pod, this.info, this.nsLabels, copy(this.existingAntiAffinityCounts, b[0]), copy(this.affinityCounts, b[1]), copy(this.antiAffinityCounts, b[2]), [b[0], b[1], b[2]]);
  }
}

/** One counts object for several: the only one itself (borrowed), or their sum (a new one). */
function sumOf(list: TopologyCounts[]): { counts: TopologyCounts; borrowed: boolean } {
  if (list.length === 1) return { counts: list[0], borrowed: true };
  const sum = new TopologyCounts();
  for (const c of list) sum.addAll(c);
  return { counts: sum, borrowed: false };
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

  /** The snapshot's index, or (a snapshot without one) a fresh one over these nodes. */
  private index(nodes: NodeInfo[]): AffinityIndex {
    return this.handle.snapshot().affinityIndex?.() ?? new AffinityIndex(() => nodes);
  }

  /** Existing pods matching t (per topology pair): from the index, or a walk for terms it does not keep. */
  private countsFor(index: AffinityIndex, t: AffinityTerm, nodes: NodeInfo[], nsLabels: NamespaceLabels): TopologyCounts {
    if (AffinityIndex.cacheable(t)) return index.termCounts(t);
    const c = new TopologyCounts();
    for (const ni of nodes) {
      const labels = ni.node?.metadata.labels;
      if (labels) for (const existing of ni.pods) updateWithAntiAffinityTerms(c, existing, labels, [t], nsLabels, 1);
    }
    return c;
  }

  preFilter(state: CycleState, pod: Pod, nodes: NodeInfo[]): { result?: PreFilterResult; status: Status } {
    const info = podAffinityInfo(pod);
    const nsLabels = this.nsLabels();
    const index = this.index(nodes);
    // Existing pods' required anti-affinity terms that match this pod, one match per distinct
    // term (the existing pod's term, namespaceSelector evaluated on the incoming pod's namespace).
    const matching: TopologyCounts[] = [];
    for (const g of index.existingTermGroups()) {
      if (g.kind === "requiredAntiAffinity" && termMatches(g.term, pod, nsLabels)) matching.push(g.counts);
    }
    const existingAnti = sumOf(matching);
    let affinity = { counts: new TopologyCounts(), borrowed: false };
    const req = info.requiredAffinityTerms;
    if (req.length === 1) {
      // One term: the pods matching "all" terms are those matching it.
      affinity = { counts: this.countsFor(index, req[0], nodes, nsLabels), borrowed: true };
    } else if (req.length > 1) {
      for (const ni of nodes) {
        const labels = ni.node?.metadata.labels;
        if (labels) for (const existing of ni.pods) updateWithAffinityTerms(affinity.counts, existing, labels, req, nsLabels, 1);
      }
    }
    const anti = info.requiredAntiAffinityTerms.length > 0 ? sumOf(info.requiredAntiAffinityTerms.map((t) => this.countsFor(index, t, nodes, nsLabels))) : { counts: new TopologyCounts(), borrowed: false };
    if (existingAnti.counts.size === 0 && req.length === 0 && info.requiredAntiAffinityTerms.length === 0) return { status: Status.skip() };
    state.write(PREFILTER_KEY, new PreFilterState(pod, info, nsLabels, existingAnti.counts, affinity.counts, anti.counts, [existingAnti.borrowed, affinity.borrowed, anti.borrowed]));
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
    s.own();
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
    const index = this.index(this.handle.snapshot().list());
    const nsLabels = this.nsLabels();
    const topologyScore = new Map<string, Map<string, number>>();
    // Each matching (term, pair) with n pods adds n × its weight, as n visits of the walk would
    // (and creates the pair's entry even when the sum cancels to 0, as they would).
    const addCounts = (counts: TopologyCounts, w: number) =>
      counts.forEach((key, value, n) => {
        let inner = topologyScore.get(key);
        if (!inner) topologyScore.set(key, (inner = new Map()));
        inner.set(value, (inner.get(value) ?? 0) + n * w);
      });
    // The incoming pod's preferred terms against every existing pod.
    const all = this.handle.snapshot().list();
    for (const t of info.preferredAffinityTerms) addCounts(this.countsFor(index, t, all, nsLabels), t.weight);
    for (const t of info.preferredAntiAffinityTerms) addCounts(this.countsFor(index, t, all, nsLabels), -t.weight);
    // Existing pods' terms against the incoming pod, once per distinct term.
    for (const g of index.existingTermGroups()) {
      let w: number;
      if (g.kind === "requiredAffinity") w = this.hardPodAffinityWeight;
      else if (g.kind === "preferredAffinity") w = g.weight;
      else if (g.kind === "preferredAntiAffinity") w = -g.weight;
      else continue;
      if (w === 0 || !termMatches(g.term, pod, nsLabels)) continue;
      addCounts(g.counts, w);
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
