// The disruption controller [k/k pkg/controller/disruption/disruption.go]: keeps every
// PodDisruptionBudget's status current, so that the eviction subresource (in the API server)
// and the scheduler's preemption can ask "may one more pod of this set go now?".
//
//   PDB / Pod events ──▶ queue of "ns/name" PDB keys ──▶ sync(key):
//     1. the pods the selector picks (from the pod informer's cache)
//     2. expectedPods and desiredHealthy from minAvailable / maxUnavailable, reading the scale of
//        the pods' controllers (Deployment, else ReplicaSet) for percentages and maxUnavailable
//     3. disruptedPods: evictions the API server granted whose pods are not yet being deleted
//        (kept for DeletionTimeout, 2 min; a recheck is queued for when the next one expires)
//     4. currentHealthy (Ready pods not being deleted nor just evicted), disruptionsAllowed,
//        condition DisruptionAllowed (SufficientPods / InsufficientPods), observedGeneration
//     5. PUT /status with the resourceVersion it read (a conflict is retried with back-off)
//   A sync that fails otherwise "fails safe": disruptionsAllowed 0, condition reason SyncFailed.
//
// Simplifications: no ReplicationControllers or StatefulSets (this API server does not serve
// them); controllers other than Deployments and ReplicaSets fail the sync as a kind without a
// scale subresource; the stale-DisruptionTarget-condition worker is left out.

import type { KubeObject, OwnerReference } from "../../apiserver/registry/object";
import { deepEqual, timestamp } from "../../apiserver/registry/object";
import { conditionsAreUpToDate, DISRUPTION_ALLOWED_CONDITION, pdbMatchesPod, setStatusCondition, SYNC_FAILED_REASON, updateDisruptionAllowedCondition } from "../../apiserver/registry/pdb";
import { findByKind } from "../../apiserver/registry/resources";
import { selectorFromLabelSelector } from "../../apiserver/registry/selectors";
import type { EventRecorder } from "../../client/events";
import type { SharedIndexInformer } from "../../client/informer";
import { DeletedFinalStateUnknown, splitMetaNamespaceKey } from "../../client/lister";
import { RateLimitingQueue, runWorkers } from "../../client/workqueue";
import type { Workers } from "../../client/workqueue";
import type { Controller, ControllerContext, ControllerFactory } from "../controller";
import { waitForCacheSync } from "../controller";
import { getControllerOf } from "../util/controller-ref";
import { countHealthyPods, disruptedPodMap, disruptionsAllowed, expectedPodCount } from "./budget";
import type { ScaleOf } from "./budget";

export const COMPONENT = "disruption-controller";
/** The real controller's events carry source component "controllermanager" [NewDisruptionControllerInternal]. */
const EVENT_SOURCE = "controllermanager";

export class DisruptionController implements Controller {
  readonly name = "disruption";
  readonly queue: RateLimitingQueue<string>;
  private readonly pdbInformer: SharedIndexInformer<KubeObject>;
  private readonly podInformer: SharedIndexInformer<KubeObject>;
  private readonly rsInformer: SharedIndexInformer<KubeObject>;
  private readonly deployInformer: SharedIndexInformer<KubeObject>;
  private readonly recorder: EventRecorder;
  private workers: Workers | undefined;
  private cancelSync: (() => void) | undefined;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>(ctx.sim, undefined, { name: "disruption" });
    this.recorder = ctx.recorder(EVENT_SOURCE);
    this.pdbInformer = ctx.informers.informerFor<KubeObject>("poddisruptionbudgets");
    this.podInformer = ctx.informers.informerFor<KubeObject>("pods");
    this.rsInformer = ctx.informers.informerFor<KubeObject>("replicasets");
    this.deployInformer = ctx.informers.informerFor<KubeObject>("deployments");
    const unwrap = (o: KubeObject | DeletedFinalStateUnknown<KubeObject>) => (o instanceof DeletedFinalStateUnknown ? (o.obj as KubeObject) : o);
    this.pdbInformer.addEventHandler({
      onAdd: (pdb) => this.enqueue(pdb),
      onUpdate: (_old, cur) => this.enqueue(cur),
      onDelete: (obj) => this.enqueue(unwrap(obj)),
    });
    // Any change to a pod may change its budget's numbers.
    const onPod = (pod: KubeObject) => {
      const pdb = this.getPdbForPod(pod);
      if (pdb) this.enqueue(pdb);
    };
    this.podInformer.addEventHandler({ onAdd: onPod, onUpdate: (_old, cur) => onPod(cur), onDelete: (obj) => onPod(unwrap(obj)) });
  }

  start(): void {
    this.trace("start", {});
    const informers = [this.pdbInformer, this.podInformer, this.rsInformer, this.deployInformer];
    this.cancelSync = waitForCacheSync(this.ctx.sim, informers.map((i) => () => i.hasSynced()), () => {
      this.trace("caches-synced", {});
      this.workers = runWorkers(this.queue, 1, (k, done) => this.sync(k, done));
    });
  }

  stop(): void {
    this.cancelSync?.();
    this.workers?.stop();
    this.queue.shutDown();
  }

  private enqueue(pdb: KubeObject): void {
    this.queue.add(`${pdb.metadata.namespace}/${pdb.metadata.name}`);
  }

  /** The budget of a pod; several is the user's mistake, reported on the pod [getPdbForPod]. */
  private getPdbForPod(pod: KubeObject): KubeObject | undefined {
    const pdbs = this.pdbInformer.lister().namespace(pod.metadata.namespace ?? "").list().filter((pdb) => pdbMatchesPod(pdb, pod));
    if (pdbs.length === 0) return undefined;
    if (pdbs.length > 1) {
      const msg = `Pod "${pod.metadata.namespace}"/"${pod.metadata.name}" matches multiple PodDisruptionBudgets.  Chose "${pdbs[0].metadata.name}" arbitrarily.`;
      this.recorder.event(podRef(pod), "Warning", "MultiplePodDisruptionBudgets", msg);
    }
    return pdbs[0];
  }

  // ---- sync ----

  private sync(key: string, done: (err?: unknown) => void): void {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const pdb = this.pdbInformer.lister().namespace(namespace).get(name);
    if (!pdb) return done();
    this.trySync(pdb, (err) => {
      if (!err) return done();
      // A conflict only means our copy was stale: retry without failing safe.
      if ((err as { reason?: string }).reason === "Conflict") return done(err);
      this.trace("sync-failed", { pdb: key, error: errorText(err) });
      this.failSafe(pdb, err, done);
    });
  }

  private trySync(pdb: KubeObject, done: (err?: unknown) => void): void {
    const key = `${pdb.metadata.namespace}/${pdb.metadata.name}`;
    let pods: KubeObject[];
    let count: ReturnType<typeof expectedPodCount>;
    try {
      pods = this.podsForPdb(pdb);
    } catch (e) {
      this.recorder.event(pdb, "Warning", "NoPods", `Failed to get pods: ${errorText(e)}`);
      return done(e);
    }
    if (pods.length === 0) this.recorder.event(pdb, "Normal", "NoPods", "No matching pods found");
    try {
      count = expectedPodCount(pdb.spec ?? {}, pods, this.scaleOf);
    } catch (e) {
      this.recorder.event(pdb, "Warning", "CalculateExpectedPodCountFailed", `Failed to calculate the number of expected pods: ${errorText(e)}`);
      return done(e);
    }
    if (count.unmanagedPods.length > 0) {
      this.recorder.event(
        pdb,
        "Warning",
        "UnmanagedPods",
        `Pods selected by this PodDisruptionBudget (selector: ${goLabelSelector(pdb.spec?.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    const now = this.ctx.sim.now;
    const disrupted = disruptedPodMap(pods, pdb.status?.disruptedPods, now);
    for (const podName of disrupted.expired) {
      const pod = pods.find((p) => p.metadata.name === podName)!;
      // (sic: the real message names the PDB's namespace twice)
      this.recorder.event(podRef(pod), "Warning", "NotDeleted", `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.namespace} to be deleted but it wasn't`);
    }
    const currentHealthy = countHealthyPods(pods, disrupted.kept, now);
    this.updatePdbStatus(pdb, currentHealthy, count.desiredHealthy, count.expectedCount, disrupted.kept, (err) => {
      if (!err && disrupted.recheckAt !== undefined) this.queue.addAfter(key, disrupted.recheckAt - now);
      done(err);
    });
  }

  /** getPodsForPdb: the selector's pods (an empty selector here picks every pod of the namespace). */
  private podsForPdb(pdb: KubeObject): KubeObject[] {
    const s = selectorFromLabelSelector(pdb.spec?.selector ?? {});
    if (s.ok !== true) throw new Error((s as { error: string }).error);
    const sel = s.selector;
    return this.podInformer.lister().namespace(pdb.metadata.namespace ?? "").list().filter((p) => sel.empty || sel.matches(p.metadata.labels ?? {}));
  }

  /**
   * The finders, in order: a ReplicaSet's Deployment, then a ReplicaSet on its own; any other
   * controller kind is looked up in the API's catalog, which has no other scalable kind.
   */
  private readonly scaleOf: ScaleOf = (pod) => {
    const ref = getControllerOf(pod) as OwnerReference | undefined;
    if (!ref) return undefined;
    const ns = pod.metadata.namespace ?? "";
    const group = ref.apiVersion.includes("/") ? ref.apiVersion.split("/")[0] : "";
    if (ref.kind === "ReplicaSet" && (group === "apps" || group === "extensions")) {
      const rs = this.rsInformer.lister().namespace(ns).get(ref.name);
      if (rs && rs.metadata.uid === ref.uid) {
        const owner = getControllerOf(rs) as OwnerReference | undefined;
        if (owner && owner.kind === "Deployment") {
          const d = this.deployInformer.lister().namespace(ns).get(owner.name);
          if (d && d.metadata.uid === owner.uid) return { uid: d.metadata.uid!, scale: d.spec?.replicas ?? 1 };
        }
        // A ReplicaSet on its own (or whose Deployment is gone: the real controller then reads
        // the ReplicaSet's scale subresource, the same number).
        return { uid: rs.metadata.uid!, scale: rs.spec?.replicas ?? 1 };
      }
      throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
    }
    const info = findByKind(ref.apiVersion, ref.kind);
    if (!info) throw new Error(`no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`);
    throw new Error(`${info.group ? `${info.resource}.${info.group}` : info.resource} does not implement the scale subresource`);
  };

  /** updatePdbStatus: write only when a number, the disrupted pods or the condition changed. */
  private updatePdbStatus(pdb: KubeObject, currentHealthy: number, desiredHealthy: number, expectedCount: number, disrupted: Record<string, string>, done: (err?: unknown) => void): void {
    const allowed = disruptionsAllowed(currentHealthy, desiredHealthy, expectedCount);
    const st = pdb.status ?? {};
    const generation = pdb.metadata.generation ?? 0;
    if (
      st.currentHealthy === currentHealthy &&
      st.desiredHealthy === desiredHealthy &&
      st.expectedPods === expectedCount &&
      st.disruptionsAllowed === allowed &&
      deepEqual(st.disruptedPods ?? {}, disrupted) &&
      (st.observedGeneration ?? 0) === generation &&
      conditionsAreUpToDate(pdb)
    )
      return done();
    const status: any = { observedGeneration: generation };
    if (Object.keys(disrupted).length > 0) status.disruptedPods = disrupted;
    Object.assign(status, { disruptionsAllowed: allowed, currentHealthy, desiredHealthy, expectedPods: expectedCount, conditions: st.conditions ?? [] });
    updateDisruptionAllowedCondition(status, timestamp(this.ctx.sim.now));
    this.writeStatus(pdb, status, (err) => {
      if (!err) this.trace("status", { pdb: `${pdb.metadata.namespace}/${pdb.metadata.name}`, expectedPods: expectedCount, desiredHealthy, currentHealthy, disruptionsAllowed: allowed });
      done(err);
    });
  }

  /** failSafe: if all else failed, at least stop evictions [disruption.go failSafe]. */
  private failSafe(pdb: KubeObject, cause: unknown, done: (err?: unknown) => void): void {
    const st = { ...(pdb.status ?? {}), disruptionsAllowed: 0 };
    st.conditions = setStatusCondition(st.conditions ?? [], { type: DISRUPTION_ALLOWED_CONDITION, status: "False", reason: SYNC_FAILED_REASON, message: errorText(cause), observedGeneration: st.observedGeneration ?? 0 }, timestamp(this.ctx.sim.now));
    this.writeStatus(pdb, st, (err) => done(err ?? cause));
  }

  /** PUT /status with the resourceVersion read from the cache: not retried here, the queue does. */
  private writeStatus(pdb: KubeObject, status: any, done: (err?: unknown) => void): void {
    this.ctx.client.updateStatus({ ...pdb, status }, (err) => done(err));
  }

  private trace(kind: string, fields: Record<string, unknown>): void {
    this.ctx.sim.trace.record(COMPONENT, kind, fields as any);
  }
}

/** The factory the controller manager calls: --controllers=disruption. */
export const disruptionController: ControllerFactory = (ctx) => new DisruptionController(ctx);

function podRef(pod: KubeObject): KubeObject {
  return { ...pod, apiVersion: pod.apiVersion ?? "v1", kind: pod.kind ?? "Pod" };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String((e as { message?: string })?.message ?? e);
}

/** A *metav1.LabelSelector as Go's %v prints it (gogo-protobuf's String()). */
function goLabelSelector(sel: any): string {
  if (!sel) return "nil";
  const labels = Object.keys(sel.matchLabels ?? {}).sort().map((k) => `${k}: ${sel.matchLabels[k]},`).join("");
  const exprs = (sel.matchExpressions ?? []).map((e: any) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(" ")}],},`).join("");
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}
