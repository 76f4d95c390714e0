// Validation of the policy kinds: PriorityClass [k/k pkg/apis/scheduling/validation],
// LimitRange and ResourceQuota [k/k pkg/apis/core/validation ValidateLimitRange,
// ValidateResourceQuota], with the real paths and messages.

import { field, FieldError, Path } from "./field-errors";
import { isPlainObject, KubeObject } from "./object";
import { parseQuantity } from "./quantity";

type Errs = FieldError[];

/** Values above this are for system classes only (HighestUserDefinablePriority). */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
const SYSTEM_CLASSES: Record<string, number> = { "system-node-critical": 2000001000, "system-cluster-critical": 2000000000 };
const PREEMPTION_POLICIES = ["Never", "PreemptLowerPriority"];

function validatePriorityClass(o: KubeObject, e: Errs): void {
  const name = o.metadata.name ?? "";
  if (typeof o.value !== "number" || !Number.isInteger(o.value)) e.push(field.invalid("value", o.value ?? null, "must be an integer"));
  if (name.startsWith("system-")) {
    const want = SYSTEM_CLASSES[name];
    let why = "";
    if (want === undefined) why = `${name} is not a known system priority class`;
    else if (o.value !== want) why = `value of ${name} PriorityClass must be ${want}`;
    else if (o.globalDefault === true) why = `globalDefault of ${name} PriorityClass must be false`;
    if (why) e.push(field.forbidden("metadata.name", `priority class names with 'system-' prefix are reserved for system use only. error: ${why}`));
  } else if (typeof o.value === "number" && o.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    e.push(field.forbidden("value", `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  if (o.preemptionPolicy !== undefined && !PREEMPTION_POLICIES.includes(o.preemptionPolicy)) e.push(field.notSupported("preemptionPolicy", o.preemptionPolicy, PREEMPTION_POLICIES));
}

const LIMIT_TYPES = ["Container", "Pod", "PersistentVolumeClaim"];

function checkQuantities(m: unknown, p: Path, e: Errs): Record<string, number> {
  const out: Record<string, number> = {};
  if (m === undefined || m === null) return out;
  if (!isPlainObject(m)) {
    e.push(field.invalid(p.s, m, "must be a map of resource names to quantities"));
    return out;
  }
  for (const [k, v] of Object.entries(m)) {
    const q = parseQuantity(v);
    if (q === undefined) e.push(field.invalid(p.key(k).s, v, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
    else if (q < 0) e.push(field.invalid(p.key(k).s, v, "must be greater than or equal to 0"));
    else out[k] = q;
  }
  return out;
}

function validateLimitRange(o: KubeObject, e: Errs): void {
  const limits = o.spec?.limits;
  if (!Array.isArray(limits)) {
    e.push(field.required("spec.limits"));
    return;
  }
  limits.forEach((item: any, i: number) => {
    const p = new Path("spec").child("limits").index(i);
    if (!LIMIT_TYPES.includes(item?.type)) {
      e.push(field.notSupported(p.child("type").s, item?.type ?? "", LIMIT_TYPES));
      return;
    }
    const min = checkQuantities(item.min, p.child("min"), e);
    const max = checkQuantities(item.max, p.child("max"), e);
    const def = checkQuantities(item.default, p.child("default"), e);
    const defReq = checkQuantities(item.defaultRequest, p.child("defaultRequest"), e);
    checkQuantities(item.maxLimitRequestRatio, p.child("maxLimitRequestRatio"), e);
    if (item.type !== "Container" && item.default !== undefined) e.push(field.forbidden(p.child("default").s, "may not be specified when `type` is 'Pod'".replace("Pod", item.type)));
    if (item.type !== "Container" && item.defaultRequest !== undefined) e.push(field.forbidden(p.child("defaultRequest").s, "may not be specified when `type` is 'Pod'".replace("Pod", item.type)));
    for (const k of Object.keys(max)) {
      if (min[k] !== undefined && min[k] > max[k]) e.push(field.invalid(p.child("min").key(k).s, item.min[k], `min value ${item.min[k]} is greater than max value ${item.max[k]}`));
      if (defReq[k] !== undefined && defReq[k] > max[k]) e.push(field.invalid(p.child("defaultRequest").key(k).s, item.defaultRequest[k], `default request value ${item.defaultRequest[k]} is greater than max value ${item.max[k]}`));
      if (def[k] !== undefined && def[k] > max[k]) e.push(field.invalid(p.child("default").key(k).s, item.default[k], `default value ${item.default[k]} is greater than max value ${item.max[k]}`));
    }
    for (const k of Object.keys(min)) {
      if (defReq[k] !== undefined && min[k] > defReq[k]) e.push(field.invalid(p.child("defaultRequest").key(k).s, item.defaultRequest[k], `min value ${item.min[k]} is greater than default request value ${item.defaultRequest[k]}`));
      if (def[k] !== undefined && min[k] > def[k]) e.push(field.invalid(p.child("default").key(k).s, item.default[k], `min value ${item.min[k]} is greater than default value ${item.default[k]}`));
    }
    for (const k of Object.keys(defReq)) {
      if (def[k] !== undefined && defReq[k] > def[k]) e.push(field.invalid(p.child("defaultRequest").key(k).s, item.defaultRequest[k], `default request value ${item.defaultRequest[k]} is greater than default limit value ${item.default[k]}`));
    }
  });
}

/** The quota resources this server counts (standard names; count/<resource> for object counts). */
export function isQuotaResource(name: string): boolean {
  return /^(pods|services|configmaps|secrets|persistentvolumeclaims|replicationcontrollers|resourcequotas|services\.nodeports|services\.loadbalancers|cpu|memory|(requests|limits)\.(cpu|memory)|requests\.storage|count\/[a-z0-9.-]+)$/.test(name);
}

function validateResourceQuota(o: KubeObject, e: Errs): void {
  const hard = o.spec?.hard;
  const p = new Path("spec").child("hard");
  checkQuantities(hard, p, e);
  for (const k of Object.keys(isPlainObject(hard) ? hard : {}))
    if (!isQuotaResource(k) && !k.includes("/")) e.push(field.invalid(p.key(k).s, k, "must be a standard resource for quota"));
}

export const POLICY_KIND_RULES: Record<string, (o: KubeObject, e: Errs) => void> = {
  PriorityClass: validatePriorityClass,
  LimitRange: validateLimitRange,
  ResourceQuota: validateResourceQuota,
};

/** What may not change on update. */
export function validatePolicyUpdate(obj: KubeObject, old: KubeObject, e: Errs): void {
  if (obj.kind !== "PriorityClass") return;
  if (obj.value !== old.value) e.push(field.forbidden("value", "may not be changed in an update."));
  if ((obj.preemptionPolicy ?? "PreemptLowerPriority") !== (old.preemptionPolicy ?? "PreemptLowerPriority")) e.push(field.invalid("preemptionPolicy", obj.preemptionPolicy, "field is immutable"));
}
