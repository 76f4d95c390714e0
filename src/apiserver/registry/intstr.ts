// intstr.IntOrString and its scaling, as a Deployment's maxSurge / maxUnavailable and a
// PodDisruptionBudget's minAvailable / maxUnavailable use them
// [apimachinery pkg/util/intstr/intstr.go GetScaledValueFromIntOrPercent].

/** An int, or a percentage string such as "25%". */
export type IntOrString = number | string;

/**
 * The absolute value of an IntOrString against total: an int is itself; "p%" is p% of total,
 * rounded up (roundUp) or down. A string without "%" is an error, as in apimachinery.
 */
export function getScaledValueFromIntOrPercent(value: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (value === undefined || value === null) throw new Error("nil value for IntOrString");
  if (typeof value === "number") return value;
  if (!value.endsWith("%")) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const pct = Number(value.slice(0, -1));
  if (!Number.isInteger(pct)) throw new Error(`invalid value "${value}": strconv.Atoi: parsing "${value.slice(0, -1)}": invalid syntax`);
  const scaled = (pct * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}
