// What InterPodAffinity counts on every attempt, kept up to date between attempts.
//
// Upstream's PreFilter and PreScore walk every existing pod (or every pod with affinity terms)
// on each attempt, in 16 goroutines [interpodaffinity/filtering.go getExistingAntiAffinityCounts,
// getIncomingAffinityAntiAffinityCounts; scoring.go PreScore]. Here one thread does the work, so
// the snapshot keeps the sums instead, and updates them only for the nodes that changed since
// the last cycle (the cache already knows which: their NodeInfo generation moved). The answers
// are the same numbers the walk would give; only the time to get them differs.
//
//   termCounts(t)  for a term t of an incoming pod: existing pods matching t, counted at
//                  (t.topologyKey, value of their node's label). Kept for terms without a
//                  namespaceSelector (those depend on namespace labels, which change without
//                  any pod or node changing): the caller scans for the others.
//   groups         existing pods' own terms, grouped by identical term (and kind, weight):
//                  how many pods carry it, counted per topology pair. An incoming pod is
//                  matched once per distinct term, not once per pod.

import type { NodeInfo } from "../framework/node-info";
import { podAffinityInfo, termMatches, TopologyCounts, type AffinityTerm } from "../util/pod-affinity";

export type ExistingTermKind = "requiredAntiAffinity" | "requiredAffinity" | "preferredAffinity" | "preferredAntiAffinity";

export interface ExistingTermGroup {
  kind: ExistingTermKind;
  term: AffinityTerm;
  /** For preferred terms: the term's weight (0 for required ones). */
  weight: number;
  /** Pods carrying this term, per (term.topologyKey, node's value). */
  counts: TopologyCounts;
}

/** Term counts kept at most for this many distinct terms (then forgotten and rebuilt on demand). */
const MAX_CACHED_TERMS = 256;
const NO_NAMESPACE_LABELS = () => undefined;

export class AffinityIndex {
  private readonly terms = new Map<string, { term: AffinityTerm; counts: TopologyCounts }>();
  private groups: Map<string, ExistingTermGroup> | undefined;

  /** @param nodes the snapshot's node list now (read when something is built from scratch). */
  constructor(private readonly nodes: () => NodeInfo[]) {}

  /** Whether termCounts can answer for this term (no namespaceSelector). */
  static cacheable(t: AffinityTerm): boolean {
    return t.namespaceSelector.nothing;
  }

  /** Existing pods matching t, per topology pair of their node. Read-only for the caller. */
  termCounts(t: AffinityTerm): TopologyCounts {
    const hit = this.terms.get(t.key);
    if (hit) return hit.counts;
    if (this.terms.size >= MAX_CACHED_TERMS) this.terms.clear();
    const counts = new TopologyCounts();
    for (const ni of this.nodes()) addTermCounts(counts, t, ni, 1);
    this.terms.set(t.key, { term: t, counts });
    return counts;
  }

  /** Existing pods' terms, grouped. Read-only for the caller. */
  existingTermGroups(): Iterable<ExistingTermGroup> {
    if (!this.groups) {
      this.groups = new Map();
      for (const ni of this.nodes()) this.addGroups(ni, 1);
    }
    return this.groups.values();
  }

  /** The snapshot replaced a node's NodeInfo (old undefined: new node; next undefined: gone). */
  replaceNode(old: NodeInfo | undefined, next: NodeInfo | undefined): void {
    if (this.terms.size > 0) {
      for (const { term, counts } of this.terms.values()) {
        if (old) addTermCounts(counts, term, old, -1);
        if (next) addTermCounts(counts, term, next, 1);
      }
    }
    if (this.groups) {
      if (old) this.addGroups(old, -1);
      if (next) this.addGroups(next, 1);
    }
  }

  private addGroups(ni: NodeInfo, delta: number): void {
    const labels = ni.node?.metadata.labels;
    if (!labels || ni.podsWithAffinity.length === 0) return;
    for (const pod of ni.podsWithAffinity) {
      const info = podAffinityInfo(pod);
      for (const t of info.requiredAntiAffinityTerms) this.addGroup("requiredAntiAffinity", t, 0, labels, delta);
      for (const t of info.requiredAffinityTerms) this.addGroup("requiredAffinity", t, 0, labels, delta);
      for (const t of info.preferredAffinityTerms) this.addGroup("preferredAffinity", t, t.weight, labels, delta);
      for (const t of info.preferredAntiAffinityTerms) this.addGroup("preferredAntiAffinity", t, t.weight, labels, delta);
    }
  }

  private addGroup(kind: ExistingTermKind, t: AffinityTerm, weight: number, labels: Record<string, string>, delta: number): void {
    const v = labels[t.topologyKey];
    if (v === undefined) return;
    const id = `${kind}/${weight}/${t.key}`;
    let g = this.groups!.get(id);
    if (!g) this.groups!.set(id, (g = { kind, term: t, weight, counts: new TopologyCounts() }));
    g.counts.add(t.topologyKey, v, delta);
    if (g.counts.size === 0) this.groups!.delete(id);
  }
}

function addTermCounts(counts: TopologyCounts, t: AffinityTerm, ni: NodeInfo, delta: number): void {
  const v = ni.node?.metadata.labels?.[t.topologyKey];
  if (v === undefined) return;
  for (const pod of ni.pods) if (termMatches(t, pod, NO_NAMESPACE_LABELS)) counts.add(t.topologyKey, v, delta);
}
