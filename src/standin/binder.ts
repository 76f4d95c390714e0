// A stand-in binder, until chapter 05 brings the scheduler: every pod without a node is bound
// (POST pods/<name>/binding, as kube-scheduler does) to a node that is Ready, schedulable, has
// room (allocatable pods), matches the pod's nodeSelector, and whose NoSchedule/NoExecute taints
// the pod tolerates — the one with the fewest pods, ties by name. A pod that fits nowhere stays
// Pending and is tried again whenever a node changes. No resources, no affinity, no scoring:
// that is the scheduler's chapter.
//
// Like the scheduler it learns by list + watch: unscheduled pods (field selector
// spec.nodeName=), assigned pods (spec.nodeName!=, to count them) and nodes.

import type { Simulation } from "../sim/simulation";
import type { KubeObject } from "../apiserver/registry/object";
import type { KubeClient } from "../client/kube-client";
import { SharedIndexInformer } from "../client/informer";
import { listWatchFromClient } from "../client/list-watch";
import { DeletedFinalStateUnknown } from "../client/lister";
import { RateLimitingQueue, runWorkers, Workers } from "../client/workqueue";
import type { ClientFactory } from "./nodes";
import { matchingTolerations, Taint } from "../controllers/nodelifecycle/taints";

export const BINDER_COMPONENT = "binder-standin";

export class StandInBinder {
  readonly client: KubeClient;
  private readonly unscheduled: SharedIndexInformer<KubeObject>;
  private readonly assigned: SharedIndexInformer<KubeObject>;
  private readonly nodes: SharedIndexInformer<KubeObject>;
  private readonly queue: RateLimitingQueue<string>;
  private workers: Workers | undefined;
  /** Pods bound by us that the assigned-pods cache has not shown yet (the scheduler's "assumed" pods). */
  private readonly assumed = new Map<string, string>();
  private started = false;
  /** Node of every assigned pod that still occupies it (not Succeeded/Failed), and pods per node. */
  private readonly podNode = new Map<string, string>();
  private readonly podCount = new Map<string, number>();

  constructor(private readonly sim: Simulation, clientFactory: ClientFactory) {
    this.client = clientFactory(BINDER_COMPONENT);
    const inf = (name: string, resource: string, fieldSelector?: string) =>
      new SharedIndexInformer<KubeObject>(sim, listWatchFromClient(this.client, resource, undefined, fieldSelector ? { fieldSelector } : {}), { name: `${BINDER_COMPONENT}/${name}` });
    this.unscheduled = inf("unscheduled", "pods", "spec.nodeName=");
    this.assigned = inf("assigned", "pods", "spec.nodeName!=");
    this.nodes = inf("nodes", "nodes");
    this.queue = new RateLimitingQueue<string>(sim, undefined, { name: BINDER_COMPONENT });
    const key = (p: KubeObject) => `${p.metadata.namespace}/${p.metadata.name}`;
    this.unscheduled.addEventHandler({
      onAdd: (p) => this.queue.add(key(p)),
      onUpdate: (_o, p) => this.queue.add(key(p)),
    });
    this.assigned.addEventHandler({
      onAdd: (p) => {
        this.assumed.delete(key(p));
        this.place(key(p), p);
      },
      onUpdate: (_o, p) => {
        this.assumed.delete(key(p));
        this.place(key(p), p);
      },
      // A pod leaving a node frees room: pending pods may fit now.
      onDelete: (p) => {
        this.place(p instanceof DeletedFinalStateUnknown ? p.key : key(p), undefined);
        this.requeuePending();
      },
    });
    this.nodes.addEventHandler({
      onAdd: () => this.requeuePending(),
      onUpdate: () => this.requeuePending(),
    });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.unscheduled.run();
    this.assigned.run();
    this.nodes.run();
    this.workers = runWorkers(this.queue, 1, (k, done) => this.bindOne(k, done));
  }

  stop(): void {
    this.workers?.stop();
    this.queue.shutDown();
    this.unscheduled.stop();
    this.assigned.stop();
    this.nodes.stop();
  }

  /** Keeps the pods-per-node counts as assigned pods come, finish and go (counted once, not per bind). */
  private place(podKey: string, pod: KubeObject | undefined): void {
    const phase = pod?.status?.phase;
    const node: string | undefined = pod && phase !== "Succeeded" && phase !== "Failed" ? pod.spec?.nodeName : undefined;
    const was = this.podNode.get(podKey);
    if (was === node) return;
    if (was !== undefined) {
      this.podCount.set(was, (this.podCount.get(was) ?? 1) - 1);
      this.podNode.delete(podKey);
    }
    if (node !== undefined) {
      this.podCount.set(node, (this.podCount.get(node) ?? 0) + 1);
      this.podNode.set(podKey, node);
    }
  }

  private requeuePending(): void {
    for (const p of this.unscheduled.lister().list()) this.queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
  }

  private bindOne(key: string, done: (err?: unknown) => void): void {
    if (!this.unscheduled.hasSynced() || !this.assigned.hasSynced() || !this.nodes.hasSynced()) {
      this.sim.after(100, () => done(new Error("caches not synced")), "binder wait for sync");
      return;
    }
    const [ns, name] = key.split("/");
    const pod = this.unscheduled.lister().namespace(ns).get(name);
    if (!pod || pod.spec?.nodeName || pod.metadata.deletionTimestamp || this.assumed.has(key)) return done();
    const { node, reasons } = this.pick(pod);
    if (!node) {
      // Stays Pending; a node change requeues it (no back-off loop on a cluster that cannot fit it).
      this.sim.trace.record(BINDER_COMPONENT, "unschedulable", { pod: key, reasons });
      return done();
    }
    this.assumed.set(key, node);
    this.client.bind(ns, name, node, (err) => {
      if (err) {
        this.assumed.delete(key);
        this.sim.trace.record(BINDER_COMPONENT, "bind-failed", { pod: key, node, reason: err.reason });
        // Already bound (by someone else) or gone: nothing left to do.
        if (err.reason === "Conflict" || err.reason === "NotFound") return done();
        return done(err);
      }
      this.sim.trace.record(BINDER_COMPONENT, "bound", { pod: key, node });
      done();
    });
  }

  /** The feasible node with the fewest pods (ties by name), or why none fits. */
  private pick(pod: KubeObject): { node?: string; reasons: string } {
    const counts = new Map(this.podCount);
    for (const n of this.assumed.values()) counts.set(n, (counts.get(n) ?? 0) + 1);
    const why = new Map<string, number>();
    const no = (r: string) => why.set(r, (why.get(r) ?? 0) + 1);
    let best: { name: string; count: number } | undefined;
    const nodes = this.nodes.lister().list().slice().sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    for (const n of nodes) {
      const name = n.metadata.name!;
      const ready = (n.status?.conditions ?? []).find((c: any) => c.type === "Ready");
      const taints: Taint[] = (n.spec?.taints ?? []).filter((t: Taint) => t.effect === "NoSchedule" || t.effect === "NoExecute");
      const count = counts.get(name) ?? 0;
      const maxPods = Number(n.status?.allocatable?.pods ?? 110);
      const selector: Record<string, string> = pod.spec?.nodeSelector ?? {};
      if (n.spec?.unschedulable) no("node(s) were unschedulable");
      else if (!ready || ready.status !== "True") no("node(s) were not ready");
      else if (!matchingTolerations(taints, pod.spec?.tolerations ?? []).allTolerated) no("node(s) had untolerated taint");
      else if (Object.entries(selector).some(([k, v]) => n.metadata.labels?.[k] !== v)) no("node(s) didn't match Pod's node affinity/selector");
      else if (count >= maxPods) no("Too many pods");
      else if (!best || count < best.count) best = { name, count };
    }
    const reasons = `0/${nodes.length} nodes are available: ${[...why].map(([r, k]) => `${k} ${r}`).sort().join(", ")}.`;
    return { node: best?.name, reasons };
  }
}
