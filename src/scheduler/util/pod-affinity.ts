// Pod (anti-)affinity terms, parsed once per pod [k/k pkg/scheduler/framework/types.go
// AffinityTerm, PodInfo]. An existing pod matches a term when its namespace is one of the
// term's namespaces (default: the namespace of the pod that owns the term) or its namespace's
// labels match the term's namespaceSelector (`{}` = every namespace), and its labels match the
// term's labelSelector.

import type { Pod } from "../framework/interface";
import { compileLabelSelector, type LabelMatcher } from "./labels";

export interface AffinityTerm {
  /** Identity of the term's content (topology key, namespaces, selectors): equal terms of
   *  different pods (one per replica of a Deployment) share counts in the AffinityIndex. */
  key: string;
  namespaces: Set<string>;
  selector: LabelMatcher;
  /** NOTHING when absent; EVERYTHING for `{}`. */
  namespaceSelector: LabelMatcher;
  topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

/** Namespace labels by namespace name (Handle.namespaceLabels), cached by the caller per cycle. */
export type NamespaceLabels = (namespace: string) => Record<string, string> | undefined;

export function termMatches(t: AffinityTerm, pod: Pod, nsLabels: NamespaceLabels): boolean {
  const ns = pod.metadata.namespace ?? "";
  if (t.namespaces.has(ns) || (!t.namespaceSelector.nothing && (t.namespaceSelector.empty || t.namespaceSelector.matches(nsLabels(ns))))) {
    return t.selector.matches(pod.metadata.labels);
  }
  return false;
}

function newAffinityTerm(pod: Pod, term: any): AffinityTerm {
  const namespaces = new Set<string>(term?.namespaces ?? []);
  const namespaceSelector = compileLabelSelector(term?.namespaceSelector);
  if (namespaces.size === 0 && (term?.namespaceSelector === undefined || term?.namespaceSelector === null)) namespaces.add(pod.metadata.namespace ?? "");
  const topologyKey = term?.topologyKey ?? "";
  const key = JSON.stringify([topologyKey, [...namespaces].sort(), term?.labelSelector ?? null, term?.namespaceSelector ?? null]);
  return { key, namespaces, selector: compileLabelSelector(term?.labelSelector), namespaceSelector, topologyKey };
}

/** A pod's affinity terms, parsed [framework.NewPodInfo]. */
export interface PodAffinityInfo {
  requiredAffinityTerms: AffinityTerm[];
  requiredAntiAffinityTerms: AffinityTerm[];
  preferredAffinityTerms: WeightedAffinityTerm[];
  preferredAntiAffinityTerms: WeightedAffinityTerm[];
}

const cache = new WeakMap<Pod, PodAffinityInfo>();
const NONE: PodAffinityInfo = { requiredAffinityTerms: [], requiredAntiAffinityTerms: [], preferredAffinityTerms: [], preferredAntiAffinityTerms: [] };

/** Parsed terms of a pod; cached per pod object (the scheduler's cache replaces objects on update). */
export function podAffinityInfo(pod: Pod): PodAffinityInfo {
  const a = pod.spec?.affinity;
  if (!a || (!a.podAffinity && !a.podAntiAffinity)) return NONE;
  let info = cache.get(pod);
  if (info) return info;
  const req = (list: any[] | undefined) => (list ?? []).map((t) => newAffinityTerm(pod, t));
  const pref = (list: any[] | undefined) =>
    (list ?? []).filter((w) => (w?.weight ?? 0) !== 0).map((w) => ({ ...newAffinityTerm(pod, w.podAffinityTerm), weight: w.weight as number }));
  info = {
    requiredAffinityTerms: req(a.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    requiredAntiAffinityTerms: req(a.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    preferredAffinityTerms: pref(a.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    preferredAntiAffinityTerms: pref(a.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
  };
  cache.set(pod, info);
  return info;
}

/** A namespace-label lookup that asks the handle at most once per namespace. */
export function cachedNamespaceLabels(lookup: NamespaceLabels): NamespaceLabels {
  const seen = new Map<string, Record<string, string> | undefined>();
  return (ns) => {
    if (seen.has(ns)) return seen.get(ns);
    const l = lookup(ns);
    seen.set(ns, l);
    return l;
  };
}

/** Counts per topology pair (key, value), with pairs dropping out at 0 (so "no pairs" means none matched). */
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
  /** Adds every pair of other, times factor. */
  addAll(other: TopologyCounts, factor = 1): void {
    for (const [key, inner] of other.m) for (const [value, n] of inner) this.add(key, value, n * factor);
  }
  forEach(fn: (key: string, value: string, n: number) => void): void {
    for (const [key, inner] of this.m) for (const [value, n] of inner) fn(key, value, n);
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
