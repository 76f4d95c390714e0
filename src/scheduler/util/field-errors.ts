// Plugin-argument validation errors in apimachinery's field.Error shape, e.g.
//   scoringStrategy.resources[0].weight: Invalid value: 0: resource weight of cpu not in valid range (0, 100]
// and their aggregate ("[a, b]" when there are several) [k8s.io/apimachinery util/validation/field].

export function invalid(path: string, value: unknown, detail: string): string {
  const v = typeof value === "string" ? `"${value}"` : JSON.stringify(value);
  return `${path}: Invalid value: ${v}: ${detail}`;
}

export function required(path: string, detail: string): string {
  return `${path}: Required value: ${detail}`;
}

export function notSupported(path: string, value: unknown, supported: string[]): string {
  return `${path}: Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => `"${s}"`).join(", ")}`;
}

export function duplicate(path: string, value: unknown): string {
  return `${path}: Duplicate value: ${JSON.stringify(value)}`;
}

/** errors.NewAggregate(...).Error(); throws when there is anything to report. */
export function throwIfAny(errs: string[]): void {
  if (errs.length === 0) return;
  throw new Error(errs.length === 1 ? errs[0] : `[${errs.join(", ")}]`);
}
