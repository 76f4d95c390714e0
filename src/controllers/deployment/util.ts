// The Deployment controller's arithmetic, kept apart from its plumbing
// [k/k pkg/controller/deployment/util/deployment_util.go, pkg/controller/controller_utils.go].
// Pure functions over plain objects: every one can be tested without a cluster.

import type { KubeObject } from "../../apiserver/registry/object";
import { parseTimestamp, timestamp } from "../../apiserver/registry/object";
import { getScaledValueFromIntOrPercent } from "../../apiserver/registry/intstr";
import { semanticEqual } from "../util/controller-ref";

export const RevisionAnnotation = "deployment.kubernetes.io/revision";
export const RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
export const DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
export const MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
export const DefaultDeploymentUniqueLabelKey = "pod-template-hash";
const LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";
const RollbackToAnnotation = "deprecated.deployment.rollback.to";

/** Deployment annotations never copied to its ReplicaSets (they describe the RS itself). */
export const annotationsToSkip = new Set([LastAppliedAnnotation, RevisionAnnotation, RevisionHistoryAnnotation, DesiredReplicasAnnotation, MaxReplicasAnnotation, RollbackToAnnotation]);

// Condition reasons, exactly as `kubectl rollout status` and `describe` read them.
export const NewReplicaSetReason = "NewReplicaSetCreated";
export const FoundNewRSReason = "FoundNewReplicaSet";
export const ReplicaSetUpdatedReason = "ReplicaSetUpdated";
export const NewRSAvailableReason = "NewReplicaSetAvailable";
export const TimedOutReason = "ProgressDeadlineExceeded";
export const FailedRSCreateReason = "ReplicaSetCreateError";
export const PausedDeployReason = "DeploymentPaused";
export const ResumedDeployReason = "DeploymentResumed";
export const MinimumReplicasAvailable = "MinimumReplicasAvailable";
export const MinimumReplicasUnavailable = "MinimumReplicasUnavailable";

export interface DeploymentCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastUpdateTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export const replicasOf = (o: KubeObject): number => o.spec?.replicas ?? 1;

// ---- maxSurge / maxUnavailable ----

/**
 * ResolveFenceposts: maxSurge rounds *up*, maxUnavailable rounds *down*, so a rollout can always
 * make progress; if both come out 0, maxUnavailable becomes 1 (0/0 would deadlock).
 */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = getScaledValueFromIntOrPercent(maxSurge ?? 0, desired, true);
  let unavailable = getScaledValueFromIntOrPercent(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function isRollingUpdate(d: KubeObject): boolean {
  return (d.spec?.strategy?.type ?? "RollingUpdate") === "RollingUpdate";
}

export function maxSurge(d: KubeObject): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  return resolveFenceposts(ru.maxSurge, ru.maxUnavailable, replicasOf(d)).surge;
}

/** maxUnavailable, never more than spec.replicas; 0 for Recreate or 0 replicas. */
export function maxUnavailable(d: KubeObject): number {
  if (!isRollingUpdate(d) || replicasOf(d) === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  const u = resolveFenceposts(ru.maxSurge, ru.maxUnavailable, replicasOf(d)).unavailable;
  return Math.min(u, replicasOf(d));
}

// ---- pod-template-hash ----

/**
 * ComputeHash: FNV-32a over the template, then over the collision count (4 bytes, little
 * endian) if there is one, printed in decimal and "safe-encoded" (each digit mapped onto the
 * vowel-free alphabet names use). Upstream hashes Go's deep print of the struct; we hash the
 * template's canonical JSON (sorted keys): same shape and properties, different values.
 */
export function computeHash(template: unknown, collisionCount?: number): string {
  let h = 0x811c9dc5;
  const feed = (bytes: Uint8Array) => {
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  };
  feed(new TextEncoder().encode(canonicalJSON(template)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const c = collisionCount >>> 0;
    feed(new Uint8Array([c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, (c >>> 24) & 0xff]));
  }
  return safeEncodeString(String(h >>> 0));
}

const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** apimachinery rand.SafeEncodeString: each character mapped onto the alphabet by its code. */
export function safeEncodeString(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

function canonicalJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJSON(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/** Two pod templates are the same rollout target if they differ only in pod-template-hash. */
export function equalIgnoreHash(t1: any, t2: any): boolean {
  const strip = (t: any) => {
    const c = JSON.parse(JSON.stringify(t ?? {}));
    if (c.metadata?.labels) delete c.metadata.labels[DefaultDeploymentUniqueLabelKey];
    return c;
  };
  return semanticEqual(strip(t1), strip(t2));
}

// ---- finding the new and the old ReplicaSets ----

export function byCreationTimestamp(a: KubeObject, b: KubeObject): number {
  const ta = parseTimestamp(a.metadata.creationTimestamp ?? "");
  const tb = parseTimestamp(b.metadata.creationTimestamp ?? "");
  if (ta !== tb && !(isNaN(ta) && isNaN(tb))) return ta - tb;
  return (a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : (a.metadata.name ?? "") > (b.metadata.name ?? "") ? 1 : 0;
}

/** The oldest ReplicaSet whose template equals the Deployment's (ignoring the hash label). */
export function findNewReplicaSet(d: KubeObject, rsList: KubeObject[]): KubeObject | undefined {
  return rsList.slice().sort(byCreationTimestamp).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** Every ReplicaSet but the new one. */
export function findOldReplicaSets(d: KubeObject, rsList: KubeObject[], newRS?: KubeObject): KubeObject[] {
  const n = newRS ?? findNewReplicaSet(d, rsList);
  return rsList.filter((rs) => !n || rs.metadata.uid !== n.metadata.uid);
}

export function revision(obj: KubeObject): number {
  const v = obj.metadata.annotations?.[RevisionAnnotation];
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : NaN;
}

export function maxRevision(rsList: KubeObject[]): number {
  let max = 0;
  for (const rs of rsList) {
    const r = revision(rs);
    if (!isNaN(r) && r > max) max = r;
  }
  return max;
}

export const activeReplicaSets = (rsList: (KubeObject | undefined)[]): KubeObject[] => rsList.filter((rs): rs is KubeObject => !!rs && replicasOf(rs) > 0);

export const sumSpecReplicas = (rsList: (KubeObject | undefined)[]): number => rsList.reduce((s, rs) => s + (rs ? replicasOf(rs) : 0), 0);
export const sumStatus = (rsList: (KubeObject | undefined)[], f: "replicas" | "readyReplicas" | "availableReplicas"): number =>
  rsList.reduce((s, rs) => s + (rs?.status?.[f] ?? 0), 0);

// ---- annotations ----

/** Sets desired-replicas and max-replicas; true if they changed. */
export function setReplicasAnnotations(rs: KubeObject, desired: number, max: number): boolean {
  const a = (rs.metadata.annotations = rs.metadata.annotations ?? {});
  let changed = false;
  if (a[DesiredReplicasAnnotation] !== String(desired)) {
    a[DesiredReplicasAnnotation] = String(desired);
    changed = true;
  }
  if (a[MaxReplicasAnnotation] !== String(max)) {
    a[MaxReplicasAnnotation] = String(max);
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: KubeObject, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ?? {};
  return a[DesiredReplicasAnnotation] !== String(desired) || a[MaxReplicasAnnotation] !== String(max);
}

function intAnnotation(rs: KubeObject, name: string): number | undefined {
  const v = rs.metadata.annotations?.[name];
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}
export const getDesiredReplicasAnnotation = (rs: KubeObject) => intAnnotation(rs, DesiredReplicasAnnotation);
export const getMaxReplicasAnnotation = (rs: KubeObject) => intAnnotation(rs, MaxReplicasAnnotation);

/**
 * SetNewReplicaSetAnnotations: copy the Deployment's own annotations, move the revision forward
 * (when an old RS becomes the new one again, as in a rollback, its former revision goes to
 * revision-history), and on creation set desired/max replicas. True if anything changed.
 */
export function setNewReplicaSetAnnotations(d: KubeObject, rs: KubeObject, newRevision: string, exists: boolean): boolean {
  const a = (rs.metadata.annotations = rs.metadata.annotations ?? {});
  let changed = false;
  for (const [k, v] of Object.entries((d.metadata.annotations ?? {}) as Record<string, string>)) {
    if (annotationsToSkip.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  const oldRevision = a[RevisionAnnotation];
  const hadRevision = oldRevision !== undefined;
  const oldInt = hadRevision ? Number(oldRevision) : 0;
  if (hadRevision && !Number.isInteger(oldInt)) return false;
  const newInt = Number(newRevision);
  if (oldInt < newInt) {
    a[RevisionAnnotation] = newRevision;
    changed = true;
    if (hadRevision) {
      const hist = a[RevisionHistoryAnnotation];
      a[RevisionHistoryAnnotation] = hist ? `${hist},${oldRevision}` : oldRevision;
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

// ---- how many replicas ----

/** NewRSNewReplicas: how big the new RS may be now (RollingUpdate: within replicas + maxSurge). */
export function newRSNewReplicas(d: KubeObject, allRSs: KubeObject[], newRS: KubeObject): number {
  if (!isRollingUpdate(d)) return replicasOf(d);
  const current = sumSpecReplicas(allRSs);
  const maxTotal = replicasOf(d) + maxSurge(d);
  if (current >= maxTotal) return replicasOf(newRS);
  const up = Math.min(maxTotal - current, replicasOf(d) - replicasOf(newRS));
  return replicasOf(newRS) + up;
}

/** IsSaturated: the new RS has all the replicas and all of them are available. */
export function isSaturated(d: KubeObject, rs: KubeObject | undefined): boolean {
  if (!rs) return false;
  const desired = getDesiredReplicasAnnotation(rs);
  if (desired === undefined) return false;
  return replicasOf(rs) === replicasOf(d) && desired === replicasOf(d) && (rs.status?.availableReplicas ?? 0) === replicasOf(d);
}

/** FindActiveOrLatest: the only active RS, or the newest if none is active; else undefined. */
export function findActiveOrLatest(newRS: KubeObject | undefined, oldRSs: KubeObject[]): KubeObject | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const olds = oldRSs.slice().sort((a, b) => byCreationTimestamp(b, a));
  const active = activeReplicaSets([...olds, newRS]);
  if (active.length === 0) return newRS ?? olds[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** Go's math.Round: half away from zero. */
const roundHalfAway = (x: number) => (x < 0 ? -Math.round(-x) : Math.round(x));

/**
 * getReplicaSetFraction: the RS's share of a deployment resize, from the max-replicas annotation
 * (the Deployment's replicas + surge when the RS was last scaled).
 */
function replicaSetFraction(rs: KubeObject, d: KubeObject): number {
  if (replicasOf(d) === 0) return -replicasOf(rs);
  const maxNow = replicasOf(d) + maxSurge(d);
  let before: number = getMaxReplicasAnnotation(rs) ?? 0;
  if (before === 0) before = d.status?.replicas ?? 0;
  if (before === 0) return 0; // nothing to be proportional to (Go would divide by zero)
  return roundHalfAway((replicasOf(rs) * maxNow) / before) - replicasOf(rs);
}

/** GetProportion: how many replicas to add to (or remove from) rs in a proportional resize. */
export function getProportion(rs: KubeObject, d: KubeObject, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

// ---- conditions ----

export function newCondition(type: string, status: DeploymentCondition["status"], reason: string, message: string, nowMs: number): DeploymentCondition {
  const t = timestamp(nowMs);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export function getCondition(status: any, type: string): DeploymentCondition | undefined {
  return (status?.conditions ?? []).find((c: DeploymentCondition) => c.type === type);
}

/** SetDeploymentCondition: same status and reason: no change; same status: keep lastTransitionTime. */
export function setCondition(status: any, cond: DeploymentCondition): void {
  const cur = getCondition(status, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  if (cur && cur.status === cond.status) cond = { ...cond, lastTransitionTime: cur.lastTransitionTime };
  status.conditions = [...(status.conditions ?? []).filter((c: DeploymentCondition) => c.type !== cond.type), cond];
}

export function removeCondition(status: any, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c: DeploymentCondition) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

export function hasProgressDeadline(d: KubeObject): boolean {
  const p = d.spec?.progressDeadlineSeconds;
  return p !== undefined && p !== null && p !== 2147483647;
}

/** DeploymentComplete: every replica updated and available, and the latest spec observed. */
export function deploymentComplete(d: KubeObject, s: any): boolean {
  return (s.updatedReplicas ?? 0) === replicasOf(d) && (s.replicas ?? 0) === replicasOf(d) && (s.availableReplicas ?? 0) === replicasOf(d) && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** DeploymentProgressing: more updated, fewer old, more ready or more available than before. */
export function deploymentProgressing(d: KubeObject, s: any): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** DeploymentTimedOut: no progress recorded for progressDeadlineSeconds. */
export function deploymentTimedOut(d: KubeObject, s: any, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, "Progressing");
  if (!c) return false;
  if (c.reason === NewRSAvailableReason) return false;
  if (c.reason === TimedOutReason) return true;
  return parseTimestamp(c.lastUpdateTime) + d.spec.progressDeadlineSeconds * 1000 < nowMs;
}

/** calculateStatus: the Deployment's status from its ReplicaSets (conditions Available kept fresh). */
export function calculateStatus(allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined, d: KubeObject, nowMs: number): any {
  const available = sumStatus(allRSs, "availableReplicas");
  const total = sumSpecReplicas(allRSs);
  const status: any = {
    observedGeneration: d.metadata.generation,
    replicas: sumStatus(allRSs, "replicas"),
    updatedReplicas: sumStatus([newRS], "replicas"),
    readyReplicas: sumStatus(allRSs, "readyReplicas"),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (d.status?.conditions?.length) status.conditions = d.status.conditions.map((c: DeploymentCondition) => ({ ...c }));
  if (available >= replicasOf(d) - maxUnavailable(d)) setCondition(status, newCondition("Available", "True", MinimumReplicasAvailable, "Deployment has minimum availability.", nowMs));
  else setCondition(status, newCondition("Available", "False", MinimumReplicasUnavailable, "Deployment does not have minimum availability.", nowMs));
  return status;
}

/** Sorts by revision (ties: creation time), oldest first: cleanup deletes from the front. */
export function byRevision(a: KubeObject, b: KubeObject): number {
  const ra = revision(a);
  const rb = revision(b);
  if (ra === rb || isNaN(ra) || isNaN(rb)) return byCreationTimestamp(a, b);
  return ra - rb;
}
