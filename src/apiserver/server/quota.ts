// ResourceQuota admission [k/k staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota
// controller.go]: before a create is stored, every quota of the namespace that tracks what the
// object uses is charged: status.used + the object's usage must stay within spec.hard, and the
// new status.used is written with a compare-and-swap on the quota's resourceVersion (the
// storage's GuaranteedUpdate), so two racing creates cannot both take the last slot — the
// loser re-reads the quota and is refused. Refusal:
//   pods "p" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2
// Usage the quota has not recorded yet (a new quota: the resource-quota controller has not run)
// is counted here from a list of the namespace. Releasing usage when objects are deleted is the
// resource-quota controller's job; this server does not do it.

import { Errors, StatusError } from "../registry/errors";
import { clone, KubeObject, parseTimestamp } from "../registry/object";
import { formatBytes, formatMilliCpu, milliValue, parseQuantity, value } from "../registry/quantity";
import { RESOURCES, ResourceInfo } from "../registry/resources";
import type { ObjectStore } from "../storage/store";

const QUOTAS = RESOURCES.find((r) => r.resource === "resourcequotas")!;
/** The standard object-count names (the rest are count/<resource>[.<group>]). */
const STANDARD_COUNTS: Record<string, string> = { pods: "pods", services: "services", configmaps: "configmaps", secrets: "secrets", resourcequotas: "resourcequotas", persistentvolumeclaims: "persistentvolumeclaims", replicationcontrollers: "replicationcontrollers" };

const isCpu = (k: string) => k === "cpu" || k.endsWith(".cpu");
const isMemory = (k: string) => k === "memory" || k.endsWith(".memory");

/** A quantity in the quota's unit: millicores for cpu, bytes for memory, a count otherwise. */
export function amount(k: string, q: unknown): number {
  if (isCpu(k)) return milliValue(q);
  if (isMemory(k)) return value(q);
  return Math.ceil(parseQuantity(q) ?? 0);
}

/** An amount written back as status.used writes it ("500m", "1Gi", "3"). */
export function show(k: string, n: number): string {
  if (isCpu(k)) return formatMilliCpu(n);
  if (isMemory(k)) return formatBytes(n);
  return String(n);
}

function countName(info: ResourceInfo): string {
  return info.group ? `count/${info.resource}.${info.group}` : `count/${info.resource}`;
}

/**
 * What one object uses, by quota resource name. A pod at the end of its life (Succeeded, Failed,
 * or past its deletion grace period at virtual time `now`) keeps only its count/pods: "pods" and
 * compute resources track live pods [k/k pkg/quota/v1/evaluator/core/pods.go, QuotaV1Pod].
 */
export function usageOf(info: ResourceInfo, obj: KubeObject, now?: number): Record<string, number> {
  const u: Record<string, number> = { [countName(info)]: 1 };
  if (STANDARD_COUNTS[info.resource] && !info.group) u[STANDARD_COUNTS[info.resource]] = 1;
  if (info.kind === "Pod") {
    const phase = obj.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") return { [countName(info)]: 1 };
    const dt = obj.metadata?.deletionTimestamp;
    const grace = obj.metadata?.deletionGracePeriodSeconds;
    if (now !== undefined && dt && grace !== undefined && now > parseTimestamp(dt) + grace * 1000) return { [countName(info)]: 1 };
    let rc = 0, rm = 0, lc = 0, lm = 0;
    for (const c of obj.spec?.containers ?? []) {
      rc += milliValue(c?.resources?.requests?.cpu);
      rm += value(c?.resources?.requests?.memory);
      lc += milliValue(c?.resources?.limits?.cpu);
      lm += value(c?.resources?.limits?.memory);
    }
    Object.assign(u, { "requests.cpu": rc, cpu: rc, "requests.memory": rm, memory: rm, "limits.cpu": lc, "limits.memory": lm });
  }
  return u;
}

/** Pods must say what a quota on compute resources counts (the evaluator's Constraints). */
function missingRequirements(obj: KubeObject, tracked: string[]): string | undefined {
  const parts: string[] = [];
  for (const k of [...tracked].sort()) {
    const m = /^(requests|limits)\.(cpu|memory)$/.exec(k) ?? (k === "cpu" || k === "memory" ? [k, "requests", k] : null);
    if (!m) continue;
    const missing = (obj.spec?.containers ?? []).filter((c: any) => c?.resources?.[m[1]]?.[m[2]] === undefined).map((c: any) => c.name);
    if (missing.length) parts.push(`${k} for: ${missing.join(",")}`);
  }
  return parts.length ? `must specify ${parts.join("; ")}` : undefined;
}

export class QuotaAdmission {
  constructor(private readonly store: ObjectStore, private readonly quotas: (namespace: string) => KubeObject[]) {}

  /** Charges every matching quota, one after the other; done(err) refuses the create. */
  charge(info: ResourceInfo, obj: KubeObject, done: (err?: StatusError) => void): void {
    const ns = obj.metadata.namespace;
    if (!ns || !info.namespaced) return done();
    const usage = usageOf(info, obj);
    const name = obj.metadata.name ?? "";
    const matching = this.quotas(ns).filter((q) => Object.keys(q.spec?.hard ?? {}).some((k) => k in usage));
    const next = (i: number): void => {
      if (i >= matching.length) return done();
      const quotaName = matching[i].metadata.name!;
      const hardKeys = Object.keys(matching[i].spec?.hard ?? {}).filter((k) => k in usage);
      if (info.kind === "Pod") {
        const why = missingRequirements(obj, hardKeys);
        if (why) return done(Errors.forbidden(info, name, `failed quota: ${quotaName}: ${why}`));
      }
      const known = matching[i].status?.used ?? {};
      const unknown = hardKeys.filter((k) => known[k] === undefined);
      this.recount(info, ns, unknown, (err, counted) => {
        if (err) return done(err);
        this.store.update(QUOTAS, ns, quotaName, (cur) => {
          if (!cur) return { type: "error", error: Errors.notFound(QUOTAS, quotaName) };
          const hard: Record<string, unknown> = cur.spec?.hard ?? {};
          const usedNow: Record<string, number> = {};
          for (const k of Object.keys(hard)) usedNow[k] = cur.status?.used?.[k] !== undefined ? amount(k, cur.status.used[k]) : counted![k] ?? 0;
          const over = Object.keys(hard).filter((k) => k in usage && usage[k] > 0 && usedNow[k] + usage[k] > amount(k, hard[k])).sort();
          if (over.length) {
            const list = (f: (k: string) => string) => over.map((k) => `${k}=${f(k)}`).join(",");
            const why = `exceeded quota: ${quotaName}, requested: ${list((k) => show(k, usage[k]))}, used: ${list((k) => show(k, usedNow[k]))}, limited: ${list((k) => String(hard[k]))}`;
            return { type: "error", error: Errors.forbidden(info, name, why) };
          }
          const updated = clone(cur);
          const used: Record<string, string> = {};
          for (const k of Object.keys(hard)) used[k] = show(k, usedNow[k] + (usage[k] ?? 0));
          updated.status = { hard: { ...hard }, used };
          return { type: "update", object: updated };
        }, (uerr) => (uerr ? done(uerr) : next(i + 1)));
      });
    };
    next(0);
  }

  /** Usage of the namespace for quota keys no one has counted yet (what the controller would do). */
  private recount(info: ResourceInfo, ns: string, keys: string[], cb: (err: StatusError | undefined, used?: Record<string, number>) => void): void {
    if (!keys.length) return cb(undefined, {});
    this.store.list(info, ns, {}, (err, result) => {
      if (err || !result) return cb(err);
      const used: Record<string, number> = {};
      for (const o of result.items) {
        const u = usageOf(info, o);
        for (const k of keys) used[k] = (used[k] ?? 0) + (u[k] ?? 0);
      }
      cb(undefined, used);
    });
  }
}
