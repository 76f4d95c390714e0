// Resource quantities [apimachinery pkg/api/resource/quantity.go]: "100m", "1.5", "1Gi", "2e3".
// CPU is counted in millicores and memory in bytes everywhere in the engine, as the scheduler
// and the kubelet do (MilliValue() / Value()). Values round UP to the unit, as Quantity does:
// "0.1m" of CPU is 1 millicore.

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|([KMGTPE]i)|([numkMGTPE])?)$/;

/** The value of a quantity in its base unit (cores, bytes, count), or undefined if it does not parse. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === "number") return Number.isFinite(q) ? q : undefined;
  if (typeof q !== "string") return undefined;
  const m = QUANTITY.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2]) return Number(m[1] + m[2]);
  if (m[3]) return n * BINARY[m[3]];
  return n * DECIMAL[m[4] ?? ""];
}

/** MilliValue(): "250m" → 250, "1" → 1000, "0.1m" → 1. Unparseable or absent → 0. */
export function milliValue(q: unknown): number {
  const v = parseQuantity(q);
  return v === undefined ? 0 : Math.ceil(Math.round(v * 1e9) / 1e6);
}

/** Value(): "1Gi" → 1073741824, "1.5k" → 1500, "100m" → 1. Unparseable or absent → 0. */
export function value(q: unknown): number {
  const v = parseQuantity(q);
  return v === undefined ? 0 : Math.ceil(Math.round(v * 1e6) / 1e6);
}

/** CPU millicores as a quantity string the way Kubernetes prints it: 1500 → "1500m", 2000 → "2". */
export function formatMilliCpu(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Bytes as a quantity string, in the largest binary unit that divides it: 1073741824 → "1Gi". */
export function formatBytes(bytes: number): string {
  for (const unit of ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"]) {
    const f = BINARY[unit];
    if (bytes >= f && bytes % f === 0) return `${bytes / f}${unit}`;
  }
  return String(bytes);
}
