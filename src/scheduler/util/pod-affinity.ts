// Pod (anti-)affinity terms, parsed once per pod [k/k pkg/scheduler/framework/types.go
// AffinityTerm, PodInfo]. An existing pod matches a term when its namespace is one of the
// term's namespaces (default: the namespace of the pod that owns the term) or its namespace's
// labels match the term's namespaceSelector (`{}` = every namespace), and its labels match the
// term's labelSelector.

import type { Pod } from "../framework/interface";
import { compileLabelSelector, type LabelMatcher } from "./labels";

export interface AffinityTerm {
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
  return { namespaces, selector: compileLabelSelector(term?.labelSelector), namespaceSelector, topologyKey: term?.topologyKey ?? "" };
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
