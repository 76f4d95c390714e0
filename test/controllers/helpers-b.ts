// Test helpers for the ReplicaSet and Deployment controllers: a cluster with the controllers
// wired as the controller manager will wire them, and a tiny fake "kubelet" that makes pods
// Running and Ready (until the stand-in nodes exist).

import { Cluster } from "../../src/cluster/cluster";
import type { TraceRow } from "../../src/sim/trace";
import type { KubeObject } from "../../src/apiserver/registry/object";
import { timestamp } from "../../src/apiserver/registry/object";
import { SharedInformerFactory } from "../../src/client/informer-factory";
import type { KubeClient } from "../../src/client/kube-client";
import { newControllerContext } from "../../src/controllers/controller";
import type { Controller, ControllerContext, ControllerFactory } from "../../src/controllers/controller";

export interface Harness {
  c: Cluster;
  ctx: ControllerContext;
  controllers: Controller[];
  /** The controllers' client (endpoint "kube-controller-manager"). */
  client: KubeClient;
}

/**
 * A cluster with the given controllers started. informerClientName: give the informers their own
 * client endpoint (so a test can slow down only the watch path).
 */
export function startHarness(factories: ControllerFactory[], opts: { seed?: number; informerClientName?: string } = {}): Harness {
  const c = new Cluster({ seed: opts.seed ?? 1 });
  const client = c.client("kube-controller-manager", c.adminToken);
  const informerClient = opts.informerClientName ? c.client(opts.informerClientName, c.adminToken) : client;
  const ctx = newControllerContext(c.sim, client, new SharedInformerFactory(c.sim, informerClient));
  const controllers = factories.map((f) => f(ctx));
  ctx.informers.start();
  for (const k of controllers) k.start();
  c.runFor("1s");
  return { c, ctx, controllers, client };
}

export interface FakeKubeletOptions {
  /** Time from a pod's creation to Running (default 1s). */
  startDelay?: number;
  /** Whether a pod becomes Ready (default: every pod). A not-ready pod stays Running, Ready False. */
  ready?: (pod: KubeObject) => boolean;
  /** Bind pods to this node first (default: leave them unscheduled, so deletes are immediate). */
  nodeName?: string | ((pod: KubeObject) => string);
}

/**
 * A fake kubelet: watches pods and, startDelay after each appears, reports it Running with a
 * Ready condition (lastTransitionTime = now) and a podIP. No containers really run.
 */
export function startFakeKubelet(c: Cluster, opts: FakeKubeletOptions = {}): { stop(): void; started: Set<string> } {
  const delay = opts.startDelay ?? 1000;
  const started = new Set<string>();
  let ip = 0;
  let stopped = false;
  const kubelet = c.client("fake-kubelet", c.adminToken);
  const run = (pod: KubeObject) => {
    const ns = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    kubelet.get("pods", name, ns, (err, cur) => {
      if (err || !cur || cur.metadata.deletionTimestamp || stopped) return;
      const ready = opts.ready ? opts.ready(cur) : true;
      const now = timestamp(c.sim.now);
      const cond = (type: string, status: string) => ({ type, status, lastProbeTime: null, lastTransitionTime: now });
      const containers = (cur.spec?.containers ?? []).map((ct: { name: string; image: string }) => ({
        name: ct.name,
        image: ct.image,
        ready,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now } },
      }));
      const next = {
        ...cur,
        status: {
          ...cur.status,
          phase: "Running",
          podIP: `10.244.0.${++ip}`,
          startTime: now,
          conditions: [cond("Initialized", "True"), cond("Ready", ready ? "True" : "False"), cond("ContainersReady", ready ? "True" : "False"), cond("PodScheduled", "True")],
          containerStatuses: containers,
        },
      };
      kubelet.updateStatus(next, () => started.add(`${ns}/${name}`));
    });
  };
  const w = kubelet.watch("pods", undefined, { resourceVersion: "0" }, (ev) => {
    if (stopped || ev.type !== "ADDED") return;
    const pod = ev.object as KubeObject;
    if (pod.metadata.deletionTimestamp || pod.status?.phase === "Running") return;
    const node = typeof opts.nodeName === "function" ? opts.nodeName(pod) : opts.nodeName;
    c.sim.after(delay, () => {
      if (stopped) return;
      if (node) kubelet.bind(pod.metadata.namespace!, pod.metadata.name!, node, () => run(pod));
      else run(pod);
    }, "fake-kubelet start pod");
  });
  return {
    started,
    stop: () => {
      stopped = true;
      w.stop();
    },
  };
}

/** The pods of the namespace (admin list). */
export function listPods(c: Cluster, namespace = "default", labelSelector?: string): KubeObject[] {
  return (c.get("pods", undefined, namespace, labelSelector ? { labelSelector } : {}) as { items: KubeObject[] }).items;
}

export function listEvents(c: Cluster, namespace = "default"): KubeObject[] {
  return (c.get("events", undefined, namespace) as { items: KubeObject[] }).items;
}

export function replicaSetYaml(name: string, replicas: number, opts: { labels?: Record<string, string>; selector?: Record<string, string>; minReadySeconds?: number; serviceAccountName?: string } = {}): string {
  const labels = opts.labels ?? { app: name };
  const selector = opts.selector ?? labels;
  const lbl = (m: Record<string, string>, indent: string) => Object.entries(m).map(([k, v]) => `${indent}${k}: ${v}`).join("\n");
  return `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
${opts.minReadySeconds ? `  minReadySeconds: ${opts.minReadySeconds}\n` : ""}  selector:
    matchLabels:
${lbl(selector, "      ")}
  template:
    metadata:
      labels:
${lbl(labels, "        ")}
    spec:
${opts.serviceAccountName ? `      serviceAccountName: ${opts.serviceAccountName}\n` : ""}      containers:
      - name: app
        image: nginx:1.27
`;
}

/** Trace rows of a component (and kind). */
export function traceRows(c: Cluster, component: string, kind?: string): TraceRow[] {
  return c.sim.trace.rows((r) => r.component === component && (kind === undefined || r.kind === kind));
}

export function deploymentYaml(name: string, replicas: number, opts: { image?: string; strategy?: string; maxSurge?: string | number; maxUnavailable?: string | number; revisionHistoryLimit?: number; progressDeadlineSeconds?: number; minReadySeconds?: number } = {}): string {
  const strategy =
    opts.strategy === "Recreate"
      ? "  strategy:\n    type: Recreate\n"
      : opts.maxSurge !== undefined || opts.maxUnavailable !== undefined
        ? `  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: ${JSON.stringify(opts.maxSurge ?? "25%")}\n      maxUnavailable: ${JSON.stringify(opts.maxUnavailable ?? "25%")}\n`
        : "";
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
${strategy}${opts.revisionHistoryLimit !== undefined ? `  revisionHistoryLimit: ${opts.revisionHistoryLimit}\n` : ""}${opts.progressDeadlineSeconds !== undefined ? `  progressDeadlineSeconds: ${opts.progressDeadlineSeconds}\n` : ""}${opts.minReadySeconds !== undefined ? `  minReadySeconds: ${opts.minReadySeconds}\n` : ""}  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: app
        image: ${opts.image ?? "nginx:1.27"}
`;
}

/** Sets the Deployment's container image (kubectl set image). */
export function setImage(c: Cluster, name: string, image: string): void {
  c.patch("deployments", name, { spec: { template: { spec: { containers: [{ name: "app", image }] } } } }, "strategic");
}

export function listReplicaSets(c: Cluster, namespace = "default"): KubeObject[] {
  return (c.get("replicasets", undefined, namespace) as { items: KubeObject[] }).items;
}

/**
 * Watches pods and ReplicaSets through an informer of its own and calls check(pods, rss) after
 * every change: for invariants that must hold at every moment, not only at the end.
 */
export function observe(c: Cluster, check: (pods: KubeObject[], rss: KubeObject[]) => void): { stop(): void } {
  const f = new SharedInformerFactory(c.sim, c.client("observer", c.adminToken));
  const pods = f.informerFor<KubeObject>("pods");
  const rss = f.informerFor<KubeObject>("replicasets");
  let on = true;
  const run = () => on && pods.hasSynced() && rss.hasSynced() && check(pods.lister().list(), rss.lister().list());
  for (const inf of [pods, rss]) inf.addEventHandler({ onAdd: run, onUpdate: run, onDelete: run });
  f.start();
  return { stop: () => ((on = false), f.shutdown()) };
}
