// The taint-eviction controller (kube-controller-manager's "taint-eviction-controller", split out
// of the node lifecycle controller in 1.29): deletes the pods on a node with NoExecute taints
// they do not tolerate — at once when a taint is not tolerated at all, after the smallest
// tolerationSeconds of the tolerations used, never when they tolerate it without a limit.
// The clock starts when this controller sees the taint (not at taint.timeAdded). Before deleting
// it adds the pod condition DisruptionTarget (reason DeletionByTaintManager).
// With DefaultTolerationSeconds admission every pod tolerates not-ready/unreachable for 300 s:
// that is the "5 minutes" after which pods leave a dead node.
// [k/k pkg/controller/tainteviction/taint_eviction.go, timed_workers.go]

import type { Controller, ControllerContext, ControllerFactory } from "../controller";
import { waitForCacheSync } from "../controller";
import type { Timer } from "../../sim/simulation";
import type { KubeObject } from "../../apiserver/registry/object";
import { timestamp } from "../../apiserver/registry/object";
import type { EventRecorder } from "../../client/events";
import type { SharedIndexInformer } from "../../client/informer";
import { DeletedFinalStateUnknown } from "../../client/lister";
import { RateLimitingQueue, runWorkers, Workers } from "../../client/workqueue";
import { matchingTolerations, Taint, Toleration } from "./taints";
import { ensureNodeNameIndex, podsOnNode } from "./pods-by-node";

export const TEC_COMPONENT = "taint-eviction-controller";
const DELETE_RETRIES = 5;

/** A scheduled deletion; timer null once done (kept so the pod is not scheduled twice). */
interface TimedWork {
  createdAt: number;
  fireAt: number;
  timer: Timer | null;
}

function noExecuteTaints(node: KubeObject | undefined): Taint[] {
  return ((node?.spec?.taints ?? []) as Taint[]).filter((t) => t.effect === "NoExecute");
}

/** The smallest tolerationSeconds (≤ 0 counts as 0), or -1 when every used toleration is forever. */
export function minTolerationTime(used: Toleration[]): number {
  if (used.length === 0) return 0;
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min * 1000;
}

export const taintEvictionController: ControllerFactory = (ctx) => new TaintEvictionController(ctx);

export class TaintEvictionController implements Controller {
  readonly name = "taint-eviction-controller";
  private readonly nodes: SharedIndexInformer<KubeObject>;
  private readonly pods: SharedIndexInformer<KubeObject>;
  private readonly recorder: EventRecorder;
  /** Node updates and pod updates share one queue; the key says which (node\0name, pod\0ns\0name\0node). */
  private readonly queue: RateLimitingQueue<string>;
  private readonly taintedNodes = new Map<string, Taint[]>();
  private readonly work = new Map<string, TimedWork>();
  private workers: Workers | undefined;
  private cancelSync: (() => void) | undefined;

  constructor(private readonly ctx: ControllerContext) {
    this.nodes = ctx.informers.informerFor<KubeObject>("nodes");
    this.pods = ctx.informers.informerFor<KubeObject>("pods");
    ensureNodeNameIndex(this.pods);
    this.recorder = ctx.recorder(TEC_COMPONENT);
    this.queue = new RateLimitingQueue<string>(ctx.sim, undefined, { name: "noexec_taint" });
    const unwrap = (o: KubeObject | DeletedFinalStateUnknown<KubeObject>) => (o instanceof DeletedFinalStateUnknown ? o.obj : o);
    this.pods.addEventHandler({
      onAdd: (p) => this.podUpdated(undefined, p),
      onUpdate: (o, p) => this.podUpdated(o, p),
      onDelete: (p) => this.podUpdated(unwrap(p), undefined),
    });
    this.nodes.addEventHandler({
      onAdd: (n) => this.nodeUpdated(undefined, n),
      onUpdate: (o, n) => this.nodeUpdated(o, n),
      onDelete: (n) => this.nodeUpdated(unwrap(n), undefined),
    });
  }

  start(): void {
    this.cancelSync = waitForCacheSync(this.ctx.sim, [() => this.nodes.hasSynced(), () => this.pods.hasSynced()], () => {
      this.workers = runWorkers(this.queue, 1, (key, done) => {
        const parts = key.split("\u0000");
        if (parts[0] === "node") this.handleNodeUpdate(parts[1]);
        else this.handlePodUpdate(parts[1], parts[2], parts[3]);
        done();
      });
    });
  }

  stop(): void {
    this.cancelSync?.();
    this.workers?.stop();
    this.queue.shutDown();
    for (const w of this.work.values()) w.timer?.cancel();
  }

  /** Scheduled deletions (pod key → virtual ms it fires), for notebooks. */
  scheduled(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [k, w] of this.work) if (w.timer) out.set(k, w.fireAt);
    return out;
  }

  // Only a change of tolerations or node matters to a pod; only a change of NoExecute taints to a node.
  private podUpdated(oldPod: KubeObject | undefined, newPod: KubeObject | undefined): void {
    const p = (newPod ?? oldPod)!;
    if (oldPod && newPod && JSON.stringify(oldPod.spec?.tolerations ?? []) === JSON.stringify(newPod.spec?.tolerations ?? []) && oldPod.spec?.nodeName === newPod.spec?.nodeName) return;
    this.queue.add(["pod", p.metadata.namespace ?? "", p.metadata.name!, p.spec?.nodeName ?? ""].join("\u0000"));
  }

  private nodeUpdated(oldNode: KubeObject | undefined, newNode: KubeObject | undefined): void {
    const n = (newNode ?? oldNode)!;
    if (oldNode && newNode && JSON.stringify(noExecuteTaints(oldNode)) === JSON.stringify(noExecuteTaints(newNode))) return;
    this.queue.add(`node\u0000${n.metadata.name}`);
  }

  private handlePodUpdate(ns: string, name: string, nodeName: string): void {
    const key = `${ns}/${name}`;
    const pod = this.pods.lister().namespace(ns).get(name);
    if (!pod) return this.cancelWork(key);
    if ((pod.spec?.nodeName ?? "") !== nodeName || !nodeName) return;
    const taints = this.taintedNodes.get(nodeName);
    if (!taints) return;
    this.processPodOnNode(key, pod.spec?.tolerations ?? [], taints, this.ctx.sim.now);
  }

  private handleNodeUpdate(name: string): void {
    const node = this.nodes.lister().get(name);
    if (!node) {
      this.taintedNodes.delete(name);
      return;
    }
    const taints = noExecuteTaints(node);
    if (taints.length === 0) this.taintedNodes.delete(name);
    else this.taintedNodes.set(name, taints);
    const pods = podsOnNode(this.pods, name);
    if (taints.length === 0) {
      for (const p of pods) this.cancelWork(`${p.metadata.namespace}/${p.metadata.name}`);
      return;
    }
    const now = this.ctx.sim.now;
    for (const p of pods) this.processPodOnNode(`${p.metadata.namespace}/${p.metadata.name}`, p.spec?.tolerations ?? [], taints, now);
  }

  private processPodOnNode(key: string, tolerations: Toleration[], taints: Taint[], now: number): void {
    if (taints.length === 0) this.cancelWork(key);
    const { allTolerated, used } = matchingTolerations(taints, tolerations);
    if (!allTolerated) {
      this.cancelWork(key);
      return this.addWork(key, now, now);
    }
    const min = minTolerationTime(used);
    if (min < 0) return this.cancelWork(key); // tolerates forever
    let start = now;
    const trigger = now + min;
    const existing = this.work.get(key);
    if (existing && existing.timer) {
      // Scheduled earlier (an older taint): that deadline stands.
      start = existing.createdAt;
      if (start + min < trigger) return;
      this.cancelWork(key);
    }
    this.addWork(key, start, trigger);
  }

  private addWork(key: string, createdAt: number, fireAt: number): void {
    if (this.work.has(key)) return; // scheduled already, or done
    const delay = Math.max(0, fireAt - this.ctx.sim.now);
    const w: TimedWork = { createdAt, fireAt, timer: null };
    w.timer = this.ctx.sim.after(delay, () => this.fire(key, w), "taint eviction");
    this.work.set(key, w);
    this.record("scheduled", { pod: key, at: timestamp(fireAt), delay: Math.round(delay) / 1000 });
  }

  private cancelWork(key: string): void {
    const w = this.work.get(key);
    if (!w) return;
    this.work.delete(key);
    if (w.timer) {
      w.timer.cancel();
      const [ns, name] = key.split("/");
      this.record("cancelled", { pod: key });
      this.recorder.event({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns } }, "Normal", "TaintManagerEviction", `Cancelling deletion of Pod ${key}`);
    }
  }

  private fire(key: string, w: TimedWork): void {
    const [ns, name] = key.split("/");
    this.recorder.event({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns } }, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${key}`);
    this.record("evicting", { pod: key });
    const attempt = (n: number) =>
      this.addConditionAndDeletePod(ns, name, (err) => {
        if (!err) {
          w.timer = null; // done: kept, so the same pod is not scheduled again
          this.record("deleted", { pod: key });
          return;
        }
        if (n + 1 < DELETE_RETRIES) return void this.ctx.sim.after(10, () => attempt(n + 1), "taint eviction retry");
        if (this.work.get(key) === w) this.work.delete(key);
        this.record("delete-failed", { pod: key, reason: (err as any).reason });
      });
    attempt(0);
  }

  private addConditionAndDeletePod(ns: string, name: string, cb: (err?: unknown) => void): void {
    const client = this.ctx.client;
    client.get("pods", name, ns, (err, pod) => {
      if (err || !pod) return cb(err);
      const conds: any[] = pod.status?.conditions ?? [];
      const del = () => client.delete("pods", name, ns, {}, (e) => cb(e));
      if (conds.some((c) => c.type === "DisruptionTarget" && c.status === "True" && c.reason === "DeletionByTaintManager")) return del();
      const cond = { type: "DisruptionTarget", status: "True", lastProbeTime: null, lastTransitionTime: timestamp(this.ctx.sim.now), reason: "DeletionByTaintManager", message: "Taint manager: deleting due to NoExecute taint" };
      const next = [...conds.filter((c) => c.type !== "DisruptionTarget"), cond];
      client.patch("pods", name, ns, "merge", { status: { conditions: next } }, (e) => (e ? cb(e) : del()), "status");
    });
  }

  private record(kind: string, fields: Record<string, unknown>): void {
    this.ctx.sim.trace.record(TEC_COMPONENT, kind, fields);
  }
}
