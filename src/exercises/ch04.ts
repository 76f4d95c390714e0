// Chapter 04's exercises: choose rolling-update bounds, predict an eviction, rank pods for
// deletion. Each check measures on a fresh cluster (or with the controller's own ranking code);
// none of them knows the answer in advance.

import { Cluster } from "../cluster/cluster";
import { timestamp } from "../apiserver/registry/object";
import { getPodsToDelete } from "../controllers/util/ranking";
import { isPodReady } from "../apiserver/registry/pod";
import type { KubeObject } from "../apiserver/registry/object";
import { Verdict, verdict } from "./verdict";


export interface RolloutMeasure {
  finished: boolean;
  seconds: number;
  minReady: number;
  maxPods: number;
}

/** Rolls a 10-replica Deployment from v1 to v2 with the given bounds and measures it. */
export function measureRollout(maxSurge: string | number, maxUnavailable: string | number, replicas = 10, seed = 21): RolloutMeasure | { refused: string } {
  const c = new Cluster({ seed, controllers: true, nodes: 4, trace: false });
  try {
    c.apply(`apiVersion: apps/v1
kind: Deployment
metadata: { name: checked }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: checked } }
  strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: ${JSON.stringify(maxSurge)}, maxUnavailable: ${JSON.stringify(maxUnavailable)} } }
  template:
    metadata: { labels: { app: checked } }
    spec: { containers: [{ name: app, image: "app:v1" }] }`);
  } catch (e) {
    return { refused: e instanceof Error ? e.message : String(e) };
  }
  c.runFor("20s");
  const pods = c.observe("pods");
  const deployments = c.observe("deployments");
  c.runFor("1s");
  const m: RolloutMeasure = { finished: false, seconds: 0, minReady: Infinity, maxPods: 0 };
  const start = c.sim.now;
  const timer = c.sim.every(100, () => {
    const mine = pods.list("default").filter((p: any) => p.metadata.labels?.app === "checked" && !p.metadata.deletionTimestamp);
    m.minReady = Math.min(m.minReady, mine.filter(isPodReady).length);
    m.maxPods = Math.max(m.maxPods, mine.length);
    const d = deployments.get("checked", "default") as any;
    const s = d?.status ?? {};
    if (!m.finished && d && s.observedGeneration === d.metadata.generation && s.updatedReplicas === replicas && s.availableReplicas === replicas && s.replicas === replicas) {
      m.finished = true;
      m.seconds = (c.sim.now - start) / 1000;
    }
  });
  c.patch("deployments", "checked", { spec: { template: { spec: { containers: [{ name: "app", image: "app:v2" }] } } } });
  c.sim.runUntil(() => m.finished, "3m");
  timer.cancel();
  return m;
}

/** Exercise 1: never fewer than 9 ready, never more than 12 pods, and the rollout finishes. */
export function checkRolloutBounds(maxSurge: string | number, maxUnavailable: string | number): Verdict {
  const m = measureRollout(maxSurge, maxUnavailable);
  if ("refused" in m) return verdict(false, "", `the API server refused the Deployment: ${m.refused}`);
  if (!m.finished) return verdict(false, "", "the rollout did not finish within 3 minutes (can it make progress at all with these bounds?)");
  if (m.minReady < 9) return verdict(false, "", `at one point only ${m.minReady} pods were ready (want at least 9): lower maxUnavailable`);
  if (m.maxPods > 12) return verdict(false, "", `at one point ${m.maxPods} pods existed (want at most 12): lower maxSurge`);
  return verdict(true, `the rollout took ${m.seconds.toFixed(1)} s, never had fewer than ${m.minReady} ready pods nor more than ${m.maxPods} pods.`, "");
}

/**
 * Measures when a pod tolerating unreachable:NoExecute for tolerationSeconds is deleted after its
 * node's kubelet stops (time 0 = the stop, right after a Lease renewal). Seconds.
 */
export function measureEviction(tolerationSeconds = 60, seed = 31): number {
  const c = new Cluster({ seed, controllers: true, nodes: 2 });
  c.apply(`apiVersion: v1
kind: Pod
metadata: { name: patient }
spec:
  nodeName: node-1
  tolerations:
  - { key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: ${tolerationSeconds} }
  containers: [{ name: app, image: "app:v1" }]`);
  c.runFor("15s");
  // Stop the kubelet just after it renewed its Lease.
  let renewed = false;
  const off = c.sim.trace.subscribe((r) => {
    if (r.component === "kubelet-standin" && r.kind === "lease" && r.node === "node-1") renewed = true;
  });
  c.sim.runUntil(() => renewed, "20s");
  off();
  c.nodes!.stop("node-1");
  const stoppedAt = c.sim.now;
  const pods = c.observe("pods");
  c.sim.runUntil(() => !!(pods.get("patient", "default") as any)?.metadata.deletionTimestamp, "10m");
  return (c.sim.now - stoppedAt) / 1000;
}

/** Exercise 2: the learner's prediction, within ±5 s of the measured eviction time. */
export function checkEvictionPrediction(seconds: number): Verdict {
  const measured = measureEviction(60);
  const off = seconds - measured;
  if (!Number.isFinite(seconds) || seconds <= 0) return verdict(false, "", "put your prediction (in seconds) in mySeconds");
  if (Math.abs(off) <= 5) return verdict(true, `measured ${measured.toFixed(1)} s; you said ${seconds} s.`, "");
  return verdict(false, "", `your ${seconds} s is ${Math.abs(off).toFixed(0)} s too ${off < 0 ? "early" : "late"}: add up the grace period, the checks every 5 s and the toleration`);
}

/** The four pods of exercise 3, as the controller would see them one hour into the cluster's life. */
export function exercise3Pods(): { pods: KubeObject[]; now: number } {
  const now = 60 * 60 * 1000;
  const pod = (name: string, node: string, readyMinutesAgo: number, restarts = 0): KubeObject => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `uid-${name}`, creationTimestamp: timestamp(now - readyMinutesAgo * 60_000 - 5000), labels: { app: "web" } },
    spec: { nodeName: node, containers: [{ name: "web", image: "nginx" }] },
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: timestamp(now - readyMinutesAgo * 60_000) }],
      containerStatuses: [{ name: "web", ready: true, restartCount: restarts }],
    },
  });
  return {
    now,
    pods: [pod("a", "node-1", 10), pod("b", "node-2", 1), pod("c", "node-1", 10, 5), pod("d", "node-1", 1)],
  };
}

/** Exercise 3: the pod the ReplicaSet controller deletes when scaling 4 → 3. */
export function checkDeletionVictim(answer: string): Verdict {
  const { pods, now } = exercise3Pods();
  const victim = getPodsToDelete(pods, pods, 1, now)[0].metadata.name;
  const names = pods.map((p) => p.metadata.name);
  if (!names.includes(answer)) return verdict(false, "", `answer with one of ${names.map((n) => `"${n}"`).join(", ")}`);
  if (answer === victim) return verdict(true, `the controller deletes "${victim}": all four are Running and Ready with the same cost, so pods doubled up on a node go first (node-1 has three), and among those the most recently Ready.`, "");
  return verdict(false, "", `the controller would not delete "${answer}" first: walk the ranking in order (scheduled? phase? ready? deletion cost? pods on the same node? ready since? restarts? age?) and stop at the first rule that separates them`);
}
