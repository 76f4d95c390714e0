// The object model as the engine handles it: plain JSON with apiVersion, kind, metadata and
// whatever the kind carries. Kinds are not modelled as TypeScript classes: the API server
// defaults, validates and stores JSON, exactly what goes over the wire and into etcd.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [extra: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: any;
  status?: any;
  [field: string]: any;
}

export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface KubeList<T = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  object: T;
}

export function isPlainObject(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A deep copy of JSON data (objects in the engine are always JSON-safe). */
export function clone<T>(v: T): T {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

/** Structural equality of JSON values (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual(ao[k], bo[k]));
}

/**
 * Virtual milliseconds → RFC 3339 with second precision (as Kubernetes writes timestamps), from
 * the engine's epoch: by default a fixed instant, 2026-01-01T00:00:00Z = virtual time 0, so that
 * a notebook run twice prints the same timestamps. Computed by hand so that nothing here can
 * touch the wall clock.
 */
export const DEFAULT_EPOCH_SECONDS = 1767225600; // 2026-01-01T00:00:00Z
let epochSeconds = DEFAULT_EPOCH_SECONDS;

/** The Unix time (seconds) of virtual time 0. */
export function epoch(): number {
  return epochSeconds;
}

/**
 * Moves virtual time 0 to another Unix time. Only for live mode (`kubelab serve`), where kubectl
 * computes some ages itself against the machine's clock: there the epoch is the moment the
 * server started. Process-wide; deterministic runs keep the default.
 */
export function setEpoch(unixSeconds: number): void {
  if (!Number.isInteger(unixSeconds) || unixSeconds < 0) throw new Error(`setEpoch: ${unixSeconds} is not a Unix time in whole seconds`);
  epochSeconds = unixSeconds;
}

export function timestamp(virtualMs: number): string {
  const total = epochSeconds + Math.floor(virtualMs / 1000);
  const days = Math.floor(total / 86400);
  const secs = total - days * 86400;
  const [y, m, d] = civilFromDays(days);
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${y}-${p2(m)}-${p2(d)}T${p2(Math.floor(secs / 3600))}:${p2(Math.floor((secs % 3600) / 60))}:${p2(secs % 60)}Z`;
}

/** MicroTime, as a Lease's acquireTime / renewTime are written: 2026-01-01T00:00:10.000000Z. */
export function microTime(virtualMs: number): string {
  const micros = Math.round((virtualMs - Math.floor(virtualMs / 1000) * 1000) * 1000);
  return timestamp(virtualMs).replace("Z", `.${String(Math.min(micros, 999999)).padStart(6, "0")}Z`);
}

/** The virtual milliseconds of an RFC 3339 UTC timestamp ("2026-01-01T00:00:30Z" → 30000). */
export function parseTimestamp(ts: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z$/.exec(ts);
  if (!m) return NaN;
  const days = daysFromCivil(+m[1], +m[2], +m[3]);
  return (days * 86400 + +m[4] * 3600 + +m[5] * 60 + +m[6] - epochSeconds) * 1000;
}

// Howard Hinnant's days-from-civil algorithms (proleptic Gregorian calendar).
function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [m <= 2 ? y + 1 : y, m, d];
}

function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
