// The Eviction subresource: `POST /api/v1/namespaces/{ns}/pods/{name}/eviction` with a policy/v1
// Eviction body — a delete that asks the pod's PodDisruptionBudget first
// [k/k pkg/registry/core/pod/storage/eviction.go EvictionREST.Create].
//
//   pod terminal, Pending or already deleting ─────────────────────────────▶ delete it
//   no PDB selects the pod ─────────────────────────────────────────────────▶ delete it
//   more than one PDB ──────────────────────────────────────────────────────▶ 500
//   pod not Ready and (AlwaysAllow, or the budget is healthy anyway) ───────▶ delete it (*)
//   PDB status older than its spec (observedGeneration < generation) ──────▶ 429
//   status.disruptionsAllowed == 0 ─────────────────────────────────────────▶ 429
//   otherwise: decrement disruptionsAllowed and record the pod in status.disruptedPods, with a
//   compare-and-swap on the PDB's resourceVersion (a conflict re-reads and tries again), then
//   mark the pod (condition DisruptionTarget) and delete it.
//
// (*) with a resourceVersion precondition, so a pod that became Ready meanwhile is not deleted:
// that conflict is answered 429 too, and the client retries.
//
// The disruption controller later sees the pod go and recomputes the budget; until then the
// disruptedPods entry keeps the pod from being counted as healthy.

import { Errors, Status, StatusError } from "../registry/errors";
import { clone, isPlainObject, KubeObject, timestamp } from "../registry/object";
import { ALWAYS_ALLOW, DISRUPTION_BUDGET_CAUSE, pdbMatchesPod, updateDisruptionAllowedCondition } from "../registry/pdb";
import { isPodReady } from "../registry/pod";
import { RESOURCES } from "../registry/resources";
import type { ObjectStore } from "../storage/store";
import { DeleteOptions, planDelete } from "./strategy";

const PODS = RESOURCES.find((r) => r.resource === "pods")!;
const PDBS = RESOURCES.find((r) => r.resource === "poddisruptionbudgets")!;

/** More entries than this: too many evictions the controller has not confirmed [MaxDisruptedPodSize]. */
export const MAX_DISRUPTED_POD_SIZE = 2000;
/** EvictionsRetry: 20 steps of 500 ms (jitter left out: the clock is virtual and seeded). */
const RETRY_STEPS = 20;
const RETRY_MS = 500;

export interface EvictionDeps {
  store: ObjectStore;
  now(): number;
  after(ms: number, fn: () => void): void;
  /** The trace of the request (stage rows in the apiserver's trace). */
  trace(outcome: string, extra: Record<string, unknown>): void;
}

export type EvictionDone = (err: StatusError | undefined, result?: Status) => void;

/** The message every refusal carries [createTooManyRequestsError, checkAndDecrement]. */
export const EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";

function tooManyRequests(causeMessage: string, retryAfterSeconds: number): StatusError {
  const details: Status["details"] = { causes: [{ reason: DISRUPTION_BUDGET_CAUSE, message: causeMessage }] };
  if (retryAfterSeconds > 0) details!.retryAfterSeconds = retryAfterSeconds;
  return new StatusError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: EVICTION_REFUSED, reason: "TooManyRequests", details, code: 429 });
}

/** The PDB's status has not caught up with its spec yet (or a guarded delete lost a race). */
export function stillProcessing(pdbName: string): StatusError {
  return tooManyRequests(`The disruption budget ${pdbName} is still being processed by the server.`, 10);
}

/** A pod that already left (terminal), is not running yet (Pending) or is going anyway. */
export function canIgnorePDB(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed" || phase === "Pending" || !!pod.metadata.deletionTimestamp;
}

function shouldEnforceResourceVersion(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return !(phase === "Succeeded" || phase === "Failed" || pod.metadata.deletionTimestamp);
}

export class EvictionREST {
  constructor(private readonly deps: EvictionDeps) {}

  /**
   * Evicts namespace/name. `options` are the Eviction's deleteOptions (already validated);
   * dryRun runs every check and writes nothing.
   */
  create(namespace: string, name: string, options: DeleteOptions, dryRun: boolean, done: EvictionDone, attempt = 0): void {
    const rvUnset = !options.preconditions?.resourceVersion;
    this.deps.store.get(PODS, namespace, name, (err, pod) => {
      if (err || !pod) return done(err ?? Errors.notFound(PODS, name));
      if (canIgnorePDB(pod)) {
        const opts = shouldEnforceResourceVersion(pod) && rvUnset ? withRV(options, pod.metadata.resourceVersion!) : options;
        this.deps.trace("ignore-pdb", { phase: pod.status?.phase, deleting: !!pod.metadata.deletionTimestamp });
        // A conflict here (the pod changed under us) is retried from the top, as retry.OnError does.
        return this.deletePod(pod, opts, dryRun, false, (e) => {
          if (e && e.reason === "Conflict" && rvUnset && attempt + 1 < RETRY_STEPS) return this.deps.after(RETRY_MS, () => this.create(namespace, name, options, dryRun, done, attempt + 1));
          done(e, e ? undefined : success());
        });
      }
      this.deps.store.list(PDBS, namespace, {}, (lerr, list) => {
        if (lerr || !list) return done(lerr);
        const pdbs = list.items.filter((pdb) => pdbMatchesPod(pdb, pod));
        this.deps.trace("pdbs", { matching: pdbs.length });
        if (pdbs.length > 1)
          return done(undefined, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.", code: 500 });
        if (pdbs.length === 0) return this.deletePod(pod, options, dryRun, false, (e) => done(e, e ? undefined : success()));
        const pdb = pdbs[0];
        const pdbName = pdb.metadata.name!;
        const finish = (guarded: boolean) => {
          const opts = guarded ? withRV(options, pod.metadata.resourceVersion!) : options;
          this.deletePod(pod, opts, dryRun, true, (e) => {
            // The pod changed since we looked (it may have become Ready): let the client retry.
            if (e && e.reason === "Conflict" && guarded && rvUnset) return done(stillProcessing(pdbName));
            done(e, e ? undefined : success());
          });
        };
        if (!isPodReady(pod)) {
          // An unhealthy pod does not count toward currentHealthy: evicting it costs no budget.
          const policy = pdb.spec?.unhealthyPodEvictionPolicy;
          const st = pdb.status ?? {};
          if (policy === ALWAYS_ALLOW || ((st.currentHealthy ?? 0) >= (st.desiredHealthy ?? 0) && (st.desiredHealthy ?? 0) > 0)) {
            this.deps.trace("unhealthy-pod", { pdb: pdbName, policy: policy ?? "IfHealthyBudget" });
            return finish(true);
          }
        }
        this.checkAndDecrement(pod, pdb, dryRun, 0, (derr) => {
          if (derr) return done(derr);
          finish(false);
        });
      });
    });
  }

  /** Verify the budget allows one more disruption and take it (CAS on the PDB's status). */
  private checkAndDecrement(pod: KubeObject, pdb: KubeObject, dryRun: boolean, attempt: number, done: (err?: StatusError) => void): void {
    const name = pdb.metadata.name!;
    const st = pdb.status ?? {};
    if ((st.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) return done(stillProcessing(name));
    const allowed: number = st.disruptionsAllowed ?? 0;
    const forbidden = (why: string) => Errors.forbidden({ group: "policy", resource: "poddisruptionbudget" }, name, why);
    if (allowed < 0) return done(forbidden("pdb disruptions allowed is negative"));
    if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) return done(forbidden("DisruptedPods map too big - too many evictions not confirmed by PDB controller"));
    if (allowed === 0) {
      this.deps.trace("budget-exhausted", { pdb: name, desiredHealthy: st.desiredHealthy ?? 0, currentHealthy: st.currentHealthy ?? 0 });
      return done(tooManyRequests(`The disruption budget ${name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`, 0));
    }
    if (dryRun) return done();
    const next = clone(pdb);
    next.status = { ...st, disruptionsAllowed: allowed - 1, disruptedPods: { ...(st.disruptedPods ?? {}), [pod.metadata.name!]: timestamp(this.deps.now()) } };
    if (next.status.disruptionsAllowed === 0) updateDisruptionAllowedCondition(next.status, timestamp(this.deps.now()));
    const rv = pdb.metadata.resourceVersion;
    this.deps.store.update(PDBS, pdb.metadata.namespace, name, (cur) => {
      if (!cur) return { type: "error", error: Errors.notFound(PDBS, name) };
      // UpdateStatus with the resourceVersion we read: someone else's write in between is a conflict.
      if (cur.metadata.resourceVersion !== rv) return { type: "error", error: Errors.conflict(PDBS, name) };
      return { type: "update", object: { ...cur, status: next.status } };
    }, (err) => {
      if (!err) {
        this.deps.trace("budget-decremented", { pdb: name, disruptionsAllowed: next.status.disruptionsAllowed });
        return done();
      }
      if (err.reason !== "Conflict") return done(err);
      // RetryOnConflict: re-read the PDB and check again.
      if (attempt + 1 >= RETRY_STEPS) return done(conflictTimeout(name));
      this.deps.after(RETRY_MS, () =>
        this.deps.store.get(PDBS, pdb.metadata.namespace, name, (gerr, fresh) => {
          if (gerr || !fresh) return done(gerr ?? Errors.notFound(PDBS, name));
          this.checkAndDecrement(pod, fresh, dryRun, attempt + 1, done);
        }),
      );
    });
  }

  /**
   * Marks the pod (condition DisruptionTarget, reason EvictionByEvictionAPI) and deletes it,
   * honouring the preconditions and grace period of the Eviction's deleteOptions
   * [eviction.go addConditionAndDeletePod]. The mark is skipped where the PDB was ignored.
   */
  private deletePod(pod: KubeObject, opts: DeleteOptions, dryRun: boolean, mark: boolean, done: (err?: StatusError) => void): void {
    const ns = pod.metadata.namespace;
    const name = pod.metadata.name!;
    const check = (cur: KubeObject | undefined, o: DeleteOptions): StatusError | undefined => {
      if (!cur) return Errors.notFound(PODS, name);
      return Errors.precondition(PODS, name, o.preconditions ?? {}, cur.metadata);
    };
    const remove = (options: DeleteOptions) =>
      this.deps.store.update(PODS, ns, name, (cur) => {
        const e = check(cur, options);
        return e ? { type: "error", error: e } : planDelete(cur!, options, this.deps.now());
      }, (err) => {
        this.deps.trace(err ? "delete-failed" : "pod-deleted", { pod: `${ns}/${name}`, reason: err?.reason });
        done(err);
      }, { dryRun });
    if (dryRun || !mark) return remove(opts);
    this.deps.store.update(PODS, ns, name, (cur) => {
      const e = check(cur, opts);
      if (e) return { type: "error", error: e };
      const next = clone(cur!);
      next.status = isPlainObject(next.status) ? next.status : {};
      const conditions: any[] = (next.status.conditions ?? []).filter((c: any) => c.type !== "DisruptionTarget");
      const was = (cur!.status?.conditions ?? []).find((c: any) => c.type === "DisruptionTarget");
      conditions.push({ type: "DisruptionTarget", status: "True", lastProbeTime: null, lastTransitionTime: was?.status === "True" ? was.lastTransitionTime : timestamp(this.deps.now()), reason: "EvictionByEvictionAPI", message: "Eviction API: evicting" });
      next.status.conditions = conditions;
      return { type: "update", object: next };
    }, (err, marked) => {
      if (err || !marked) return done(err);
      // We bumped the resourceVersion ourselves: a precondition on it moves along.
      remove(opts.preconditions?.resourceVersion ? withRV(opts, marked.metadata.resourceVersion!) : opts);
    });
  }
}

function withRV(options: DeleteOptions, resourceVersion: string): DeleteOptions {
  return { ...options, preconditions: { ...(options.preconditions ?? {}), resourceVersion } };
}

function success(): Status {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };
}

function conflictTimeout(pdbName: string): StatusError {
  return new StatusError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: `Timeout: couldn't update PodDisruptionBudget "${pdbName}" due to conflicts`,
    reason: "Timeout",
    details: { retryAfterSeconds: 10 },
    code: 504,
  });
}
