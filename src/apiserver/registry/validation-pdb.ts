// Validation of policy/v1 PodDisruptionBudget [k/k pkg/apis/policy/validation/validation.go
// ValidatePodDisruptionBudgetSpec, ValidatePodDisruptionBudgetStatusUpdate], with the real paths
// and messages. minAvailable and maxUnavailable are IntOrString: a non-negative integer or a
// percent no greater than 100% [k/k pkg/apis/apps/validation ValidatePositiveIntOrPercent,
// IsNotMoreThan100Percent]. Setting neither is allowed (the budget then protects nothing).

import { field, FieldError, GoValue, Path } from "./field-errors";
import { isPlainObject, KubeObject } from "./object";
import { ALWAYS_ALLOW, IF_HEALTHY_BUDGET, percentOf } from "./pdb";

type Errs = FieldError[];

const PERCENT_MESSAGE = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** An IntOrString prints through its String() method in field errors: 50% and 2, unquoted. */
const intOrString = (v: unknown) => new GoValue(String(v));

function validateIntOrPercent(v: unknown, p: Path, errs: Errs): void {
  if (typeof v === "string") {
    const pct = percentOf(v);
    if (pct === undefined) errs.push(field.invalid(p.s, intOrString(v), PERCENT_MESSAGE));
    else if (pct > 100) errs.push(field.invalid(p.s, intOrString(v), "must not be greater than 100%"));
  } else if (typeof v === "number" && Number.isInteger(v)) {
    if (v < 0) errs.push(field.invalid(p.s, v, "must be greater than or equal to 0"));
  } else errs.push(field.invalid(p.s, v, "must be an integer or percentage (e.g '5%')"));
}

/** The spec of a PDB; selectorRule is the shared metav1 LabelSelector validation. */
export function validatePodDisruptionBudget(o: KubeObject, errs: Errs, selectorRule: (sel: unknown, p: Path, errs: Errs) => void): void {
  const spec = isPlainObject(o.spec) ? o.spec : {};
  const p = new Path("spec");
  const has = (k: string) => spec[k] !== undefined && spec[k] !== null;
  if (has("minAvailable") && has("maxUnavailable")) {
    // The real message prints the Go struct (with pointer addresses); we print its values.
    const shown = `policy.PodDisruptionBudgetSpec{MinAvailable:${String(spec.minAvailable)}, MaxUnavailable:${String(spec.maxUnavailable)}}`;
    errs.push(field.invalid(p.s, new GoValue(shown), "minAvailable and maxUnavailable cannot be both set"));
  }
  if (has("minAvailable")) validateIntOrPercent(spec.minAvailable, p.child("minAvailable"), errs);
  if (has("maxUnavailable")) validateIntOrPercent(spec.maxUnavailable, p.child("maxUnavailable"), errs);
  selectorRule(spec.selector, p.child("selector"), errs);
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && policy !== null && policy !== IF_HEALTHY_BUDGET && policy !== ALWAYS_ALLOW)
    errs.push(field.notSupported(p.child("unhealthyPodEvictionPolicy").s, policy, [ALWAYS_ALLOW, IF_HEALTHY_BUDGET]));
}

/** Status counters may not go negative (what a buggy controller or eviction would write). */
export function validatePDBStatus(o: KubeObject, errs: Errs): void {
  const st = isPlainObject(o.status) ? o.status : {};
  const p = new Path("status");
  for (const f of ["disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"]) {
    const v = st[f];
    if (typeof v === "number" && v < 0) errs.push(field.invalid(p.child(f).s, v, "must be greater than or equal to 0"));
  }
}
