// Label selectors compiled once per scheduling cycle [apimachinery pkg/labels]. The scheduler
// evaluates the same selector against thousands of pods per attempt, so a selector is turned
// into a plain predicate up front; matching then allocates nothing.

import { selectorFromLabelSelector, type LabelSelectorObject } from "../../apiserver/registry/selectors";

export type Labels = Record<string, string> | undefined;

/** A compiled selector: `matches(labels)`, and `empty` when it selects everything. */
export interface LabelMatcher {
  matches(labels: Labels): boolean;
  /** True for labels.Everything() (an empty selector `{}`). */
  readonly empty: boolean;
  /** True for labels.Nothing() (a nil selector). */
  readonly nothing: boolean;
  /** The requirements, for merging (DefaultSelector) and messages. */
  readonly requirements: { key: string; op: string; values: string[] }[];
}

const HAS = Object.prototype.hasOwnProperty;

export const NOTHING: LabelMatcher = { matches: () => false, empty: false, nothing: true, requirements: [] };
export const EVERYTHING: LabelMatcher = { matches: () => true, empty: true, nothing: false, requirements: [] };

/** From requirements (already validated) to a predicate. */
export function matcherFromRequirements(reqs: { key: string; op: string; values: string[] }[]): LabelMatcher {
  if (reqs.length === 0) return EVERYTHING;
  const compiled = reqs.map((r) => ({ key: r.key, op: r.op, values: r.values, one: r.values.length === 1 ? r.values[0] : undefined }));
  return {
    empty: false,
    nothing: false,
    requirements: reqs,
    matches(labels: Labels): boolean {
      for (let i = 0; i < compiled.length; i++) {
        const r = compiled[i];
        const has = labels !== undefined && HAS.call(labels, r.key);
        switch (r.op) {
          case "=":
          case "==":
          case "in":
            if (!has) return false;
            if (r.one !== undefined ? labels![r.key] !== r.one : !r.values.includes(labels![r.key])) return false;
            break;
          case "!=":
          case "notin":
            if (has && r.values.includes(labels![r.key])) return false;
            break;
          case "exists":
            if (!has) return false;
            break;
          case "!":
            if (has) return false;
            break;
          default:
            return false;
        }
      }
      return true;
    },
  };
}

/**
 * metav1.LabelSelectorAsSelector: undefined/null selects nothing, `{}` selects everything.
 * An invalid operator also selects nothing (the API server rejects such objects on create, so
 * this only protects against hand-built test objects).
 */
export function compileLabelSelector(ls: LabelSelectorObject | undefined | null): LabelMatcher {
  if (ls === undefined || ls === null) return NOTHING;
  const parsed = selectorFromLabelSelector(ls);
  if (parsed.ok !== true) return NOTHING;
  return matcherFromRequirements((parsed as { selector: { requirements: { key: string; op: string; values: string[] }[] } }).selector.requirements);
}

/** labels.Set(m).AsSelector(): every pair must match; an empty map selects everything. */
export function compileMapSelector(m: Record<string, string> | undefined): LabelMatcher {
  const keys = Object.keys(m ?? {}).sort();
  return matcherFromRequirements(keys.map((k) => ({ key: k, op: "=", values: [m![k]] })));
}

/** The AND of several selectors (selector.Add(requirements...)). */
export function andSelectors(ms: LabelMatcher[]): LabelMatcher {
  if (ms.some((m) => m.nothing)) return NOTHING;
  return matcherFromRequirements(ms.flatMap((m) => m.requirements));
}
