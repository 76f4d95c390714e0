// Node selectors and node affinity [k8s.io/component-helpers scheduling/corev1/nodeaffinity].
// Compiled once per pod (PreFilter) so that Filter on each node only walks small arrays.
//
//   spec.nodeSelector          every pair must equal the node's label
//   required...nodeSelectorTerms  terms are ORed; inside a term matchExpressions and
//                              matchFields are ANDed; a term with neither matches nothing
//   preferred...               Σ weight of the terms whose preference matches

import type { Node, Pod } from "../framework/interface";

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface NodeSelector {
  nodeSelectorTerms?: NodeSelectorTerm[];
}

export interface PreferredSchedulingTerm {
  weight: number;
  preference: NodeSelectorTerm;
}

export interface NodeAffinitySpec {
  requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
  preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[];
}

type Labels = Record<string, string> | undefined;
const HAS = Object.prototype.hasOwnProperty;

/** An integer as Gt/Lt need it (strconv.ParseInt): anything else is a parse error. */
function parseInt64(s: string | undefined): number | undefined {
  if (s === undefined || !/^[+-]?\d+$/.test(s)) return undefined;
  return Number(s);
}

/** One requirement against a label set [nodeSelectorRequirementsAsSelector + Matches]. */
type RequirementFn = (labels: Labels) => boolean;

function compileRequirement(r: NodeSelectorRequirement): RequirementFn | undefined {
  const values = r.values ?? [];
  const key = r.key;
  switch (r.operator) {
    case "In":
      if (values.length === 0) return undefined; // validation: In needs values → the term is broken
      return (l) => l !== undefined && HAS.call(l, key) && values.includes(l[key]);
    case "NotIn":
      if (values.length === 0) return undefined;
      return (l) => l === undefined || !HAS.call(l, key) || !values.includes(l[key]);
    case "Exists":
      if (values.length !== 0) return undefined;
      return (l) => l !== undefined && HAS.call(l, key);
    case "DoesNotExist":
      if (values.length !== 0) return undefined;
      return (l) => l === undefined || !HAS.call(l, key);
    case "Gt":
    case "Lt": {
      const bound = values.length === 1 ? parseInt64(values[0]) : undefined;
      if (bound === undefined) return undefined;
      const gt = r.operator === "Gt";
      return (l) => {
        if (l === undefined || !HAS.call(l, key)) return false;
        const v = parseInt64(l[key]);
        if (v === undefined) return false;
        return gt ? v > bound : v < bound;
      };
    }
    default:
      return undefined;
  }
}

/** A compiled term: matches(node). A term that fails to parse matches nothing (lazy-error mode). */
export interface CompiledTerm {
  matches(node: Node): boolean;
}

const NEVER: CompiledTerm = { matches: () => false };

export function compileNodeSelectorTerm(term: NodeSelectorTerm | undefined): CompiledTerm {
  const exprs = term?.matchExpressions ?? [];
  const fields = term?.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return NEVER;
  const labelFns: RequirementFn[] = [];
  for (const e of exprs) {
    const fn = compileRequirement(e);
    if (!fn) return NEVER;
    labelFns.push(fn);
  }
  // matchFields: only metadata.name, with In / NotIn and exactly one value [nodeaffinity.go].
  const fieldFns: RequirementFn[] = [];
  for (const f of fields) {
    if (f.key !== "metadata.name" || (f.operator !== "In" && f.operator !== "NotIn") || (f.values ?? []).length !== 1) return NEVER;
    const fn = compileRequirement({ key: "metadata.name", operator: f.operator, values: f.values })!;
    fieldFns.push(fn);
  }
  return {
    matches(node: Node): boolean {
      const labels = node.metadata.labels;
      for (let i = 0; i < labelFns.length; i++) if (!labelFns[i](labels)) return false;
      if (fieldFns.length > 0) {
        const fieldSet = { "metadata.name": node.metadata.name ?? "" };
        for (let i = 0; i < fieldFns.length; i++) if (!fieldFns[i](fieldSet)) return false;
      }
      return true;
    },
  };
}

/** A NodeSelector (ORed terms); an empty list of terms matches nothing. */
export function compileNodeSelector(ns: NodeSelector | undefined): CompiledTerm {
  const terms = (ns?.nodeSelectorTerms ?? []).map(compileNodeSelectorTerm);
  if (terms.length === 0) return NEVER;
  if (terms.length === 1) return terms[0];
  return { matches: (node) => terms.some((t) => t.matches(node)) };
}

/**
 * RequiredNodeAffinity [nodeaffinity.GetRequiredNodeAffinity]: the pod's nodeSelector AND its
 * required node affinity. `always` is true when the pod has neither (everything matches).
 */
export class RequiredNodeAffinity {
  readonly always: boolean;
  private readonly selectorKeys: string[];
  private readonly selectorValues: string[];
  private readonly affinity: CompiledTerm | undefined;

  constructor(pod: Pod) {
    const sel: Record<string, string> = pod.spec?.nodeSelector ?? {};
    this.selectorKeys = Object.keys(sel);
    this.selectorValues = this.selectorKeys.map((k) => sel[k]);
    const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    this.affinity = req ? compileNodeSelector(req) : undefined;
    this.always = this.selectorKeys.length === 0 && this.affinity === undefined;
  }

  matches(node: Node): boolean {
    if (this.always) return true;
    const labels = node.metadata.labels;
    for (let i = 0; i < this.selectorKeys.length; i++) {
      if (labels === undefined || labels[this.selectorKeys[i]] !== this.selectorValues[i] || !HAS.call(labels, this.selectorKeys[i])) return false;
    }
    return this.affinity === undefined || this.affinity.matches(node);
  }
}

/** PreferredSchedulingTerms [nodeaffinity.NewPreferredSchedulingTerms]: score(node) = Σ matching weights. */
export class PreferredSchedulingTerms {
  private readonly terms: { weight: number; term: CompiledTerm }[];
  constructor(terms: PreferredSchedulingTerm[] | undefined) {
    // A term with weight 0 contributes nothing; skip it as the real code does.
    this.terms = (terms ?? []).filter((t) => t.weight !== 0).map((t) => ({ weight: t.weight, term: compileNodeSelectorTerm(t.preference) }));
  }
  get length(): number {
    return this.terms.length;
  }
  score(node: Node): number {
    let s = 0;
    for (let i = 0; i < this.terms.length; i++) if (this.terms[i].term.matches(node)) s += this.terms[i].weight;
    return s;
  }
}
