// Chapter 05's exercises: write a Score plugin and register it in a profile; make a pod land on
// a tainted GPU node; predict a FailedScheduling message. Each check builds its own small
// cluster (stand-in nodes + kube-scheduler), so the learner's earlier experiments cannot
// change the answer, and never throws: a plugin that throws or a manifest that does not parse
// becomes a "not yet" with the reason.

import { Cluster } from "../cluster/cluster";
import type { ClusterOptions } from "../cluster/cluster";
import { KubeApiError } from "../client/kube-client";
import type { KubeObject } from "../apiserver/registry/object";
import type { PluginFactory, Profile } from "../scheduler/framework/interface";
import { defaultProfile, inTreeRegistry } from "../scheduler/plugins/registry";
import { tolerationsTolerateTaint } from "../scheduler/util/tolerations";
import { Verdict, verdict } from "./verdict";

const NODE_CAPACITY = { cpu: "4", memory: "8Gi", pods: "20" };

/** A small cluster for a check: n stand-in nodes, kube-scheduler with the given options. */
function checkCluster(seed: string, n: number, scheduler: ClusterOptions["scheduler"] = true): Cluster {
  const c = new Cluster({ seed, nodes: { count: n, capacity: NODE_CAPACITY }, scheduler });
  c.runFor("3s"); // the nodes register; the scheduler's informers sync
  return c;
}

function label(c: Cluster, node: string, labels: Record<string, string>): void {
  c.patch("nodes", node, { metadata: { labels } }, "merge");
}

/** A pod pinned to a node (spec.nodeName set: the scheduler never sees it), taking cpu. */
function pinned(name: string, node: string, cpu: string, memory = "1Gi"): string {
  return `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: default }
spec:
  nodeName: ${node}
  containers: [{ name: app, image: "busybox:1.36", resources: { requests: { cpu: "${cpu}", memory: "${memory}" } } }]`;
}

function podOf(c: Cluster, name: string): any {
  return c.get("pods", name) as any;
}

function failedSchedulingMessage(c: Cluster, pod: string): string | undefined {
  const events = (c.get("events", undefined, "default") as any).items as any[];
  const last = events.filter((e) => e.reason === "FailedScheduling" && e.involvedObject?.name === pod).pop();
  return last?.message;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---- Exercise 1: a Score plugin in a profile ----

/** Nodes with this label hold the fast disks the exercise's plugin should prefer. */
export const SSD_LABEL = { key: "disktype", value: "ssd" };

/** The ssd nodes are kept for databases with a soft taint: avoid them unless it pays. */
export const SSD_TAINT = { key: "dedicated", value: "db", effect: "PreferNoSchedule" };

/**
 * The learner's registry (their plugin factories by name) and profile. The check builds 4
 * nodes, labels node-2 and node-4 disktype=ssd, gives them the soft taint SSD_TAINT and loads
 * them, so the default plugins prefer node-1 and node-3 — TaintToleration (weight 3) alone by
 * 300 points. It schedules 4 small pods with the profile and expects all of them on the ssd
 * nodes, with every default plugin still in the profile: only a weight above 3 does it (a
 * plugin without a weight scores with weight 1, at most 100 points).
 */
export function checkScorePlugin(registry: Record<string, PluginFactory>, profile: Profile): Verdict {
  if (!profile || !Array.isArray(profile.plugins)) return verdict(false, "", "pass a profile (start from defaultProfile() and add your plugin to its plugins list)");
  const mine = profile.plugins.filter((p) => !(p.name in inTreeRegistry));
  if (mine.length === 0) return verdict(false, "", "the profile lists only in-tree plugins: add yours, e.g. profile.plugins.push({ name: \"PreferSSD\", weight: 5 })");
  const missing = mine.filter((p) => !registry || typeof registry[p.name] !== "function");
  if (missing.length) return verdict(false, "", `plugin "${missing[0].name}" is in the profile but not in your registry: the registry maps the name to a factory (args, handle) => plugin`);
  const defaults = defaultProfile().plugins.map((p) => p.name);
  const absent = defaults.find((n) => !profile.plugins.some((p) => p.name === n));
  const switchedOff = Object.values(profile.disabled ?? {}).flat().find((n) => n === "*" || defaults.includes(n));
  if (absent || switchedOff) return verdict(false, "", `keep the default plugins in the profile (${absent ? `${absent} is missing` : `${switchedOff} is disabled`}): add to defaultProfile(), do not replace it`);

  let c: Cluster;
  const pods = ["ssd-1", "ssd-2", "ssd-3", "ssd-4"];
  try {
    c = checkCluster("ch05-score", 4, { profiles: [profile], registry: { ...inTreeRegistry, ...registry } });
    for (const n of ["node-2", "node-4"]) {
      label(c, n, { [SSD_LABEL.key]: SSD_LABEL.value });
      c.patch("nodes", n, { spec: { taints: [SSD_TAINT] } }, "merge");
    }
    c.apply([pinned("busy-2", "node-2", "2"), pinned("busy-4", "node-4", "2")].join("\n---\n"));
    c.runFor("1s");
    for (const name of pods) {
      c.apply(`apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: default }
spec:
  schedulerName: ${profile.schedulerName}
  containers: [{ name: app, image: "nginx:1.27", resources: { requests: { cpu: 250m, memory: 256Mi } } }]`);
      c.runFor("1s");
    }
  } catch (e) {
    return verdict(false, "", `the scheduler failed with your profile: ${errorText(e)}`);
  }
  const e = c.scheduler!.explain("default/ssd-1");
  const names = mine.map((p) => p.name);
  const scored = e?.nodes.some((n) => (n.scores ?? []).some((s) => names.includes(s.plugin)));
  const placed = pods.map((p) => ({ pod: p, node: podOf(c, p).spec?.nodeName as string | undefined }));
  const unplaced = placed.find((p) => !p.node);
  if (unplaced) return verdict(false, "", `pod ${unplaced.pod} was not scheduled: ${failedSchedulingMessage(c, unplaced.pod) ?? "no event"} (does your score stay within 0..100?)`);
  if (!scored) return verdict(false, "", `the explanation of ssd-1 shows no score from ${names.join(", ")}: does the plugin have a score(state, pod, nodeInfo) method?`);
  const off = placed.filter((p) => p.node !== "node-2" && p.node !== "node-4");
  if (off.length) {
    const row = e!.nodes.find((n) => n.node === "node-2")?.scores?.find((s) => names.includes(s.plugin));
    const taint = e!.nodes.find((n) => n.node === "node-1")?.scores?.find((s) => s.plugin === "TaintToleration");
    const unset = mine.some((p) => !p.weight) ? " (a plugin without a weight scores with weight 1)" : "";
    return verdict(
      false,
      "",
      `${off.map((p) => `${p.pod} → ${p.node}`).join(", ")}: the default plugins outvoted yours (on node-2 it gave ${row ? `${row.normalized} × ${row.weight}` : "nothing"}${unset}; TaintToleration alone gave node-1 ${taint ? `${taint.normalized} × ${taint.weight} = ${taint.weighted}` : "its points"}). Score ssd nodes 100, others 0, and raise the weight`,
    );
  }
  return verdict(true, `all four pods landed on the ssd nodes (${placed.map((p) => p.node).join(", ")}), though the default plugins preferred the emptier, untainted node-1 and node-3: your plugin's weighted score decided.`, "");
}

// ---- Exercise 2: tolerations ----

export const GPU_NODE = "node-3";
export const GPU_TAINT = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" };
export const GPU_LABEL = { key: "accelerator", value: "nvidia-a100" };

/**
 * The learner's Pod manifest (YAML). The check builds 3 nodes; node-3 is the GPU node, labelled
 * accelerator=nvidia-a100 and tainted nvidia.com/gpu=present:NoSchedule, and already busy (so
 * the scores prefer the others). The pod must land on node-3.
 */
export function checkGpuPod(manifest: string): Verdict {
  let c: Cluster;
  let pod: KubeObject;
  try {
    c = checkCluster("ch05-gpu", 3);
    label(c, GPU_NODE, { [GPU_LABEL.key]: GPU_LABEL.value });
    c.patch("nodes", GPU_NODE, { spec: { taints: [GPU_TAINT] } }, "merge");
    c.apply(pinned("training-old", GPU_NODE, "2", "4Gi"));
    c.runFor("1s");
    const applied = c.apply(manifest);
    if (applied.length !== 1 || applied[0].kind !== "Pod") return verdict(false, "", "the manifest should be exactly one Pod");
    pod = applied[0];
    c.runFor("3s");
  } catch (e) {
    const why = e instanceof KubeApiError ? `the API server refused it: ${e.message}` : errorText(e);
    return verdict(false, "", why);
  }
  const name = pod.metadata.name!;
  const now = podOf(c, name);
  const node = now.spec?.nodeName as string | undefined;
  // (The API server adds tolerations of its own — not-ready, unreachable — so look for the one that matters.)
  const toleratesGpu = tolerationsTolerateTaint(now.spec?.tolerations, GPU_TAINT);
  if (!node) return verdict(false, "", `pod ${name} is Pending: ${failedSchedulingMessage(c, name) ?? "not scheduled yet"}`);
  if (node !== GPU_NODE) {
    const hint = toleratesGpu
      ? "it tolerates the taint, but a toleration only allows a node, it does not attract the pod to it: the scores preferred an idle node. Also select the GPU node (nodeSelector or node affinity on its label)"
      : "select the GPU node by its label, and tolerate its taint";
    return verdict(false, "", `pod ${name} landed on ${node}, not on the GPU node ${GPU_NODE}: ${hint}`);
  }
  return verdict(true, `pod ${name} runs on ${GPU_NODE}: the toleration lets it past the taint, the selector takes it there.`, "");
}

// ---- Exercise 3: predict the FailedScheduling message ----

/**
 * The scenario of exercise 3 (described in the notebook): 5 nodes of 4 cpu.
 *   node-1  cordoned (spec.unschedulable), no labels added
 *   node-2  disktype=ssd, tainted dedicated=db:NoSchedule
 *   node-3  disktype=ssd, 3 cpu already requested
 *   node-4  disktype=ssd, 3 cpu already requested
 *   node-5  disktype=hdd
 * The pod requests 2 cpu and has nodeSelector disktype=ssd.
 */
export function predictionScenario(): { cluster: Cluster; pod: string } {
  const c = checkCluster("ch05-predict", 5);
  c.patch("nodes", "node-1", { spec: { unschedulable: true } }, "merge");
  for (const n of ["node-2", "node-3", "node-4"]) label(c, n, { disktype: "ssd" });
  label(c, "node-5", { disktype: "hdd" });
  c.patch("nodes", "node-2", { spec: { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] } }, "merge");
  c.apply([pinned("busy-3", "node-3", "3"), pinned("busy-4", "node-4", "3")].join("\n---\n"));
  c.runFor("1s");
  c.apply(`apiVersion: v1
kind: Pod
metadata: { name: reporting, namespace: default }
spec:
  nodeSelector: { disktype: ssd }
  containers: [{ name: app, image: "reporting:2.1", resources: { requests: { cpu: "2", memory: 1Gi } } }]`);
  c.runFor("2s");
  return { cluster: c, pod: "reporting" };
}

/** "0/5 nodes are available: 1 a, 2 b." → { a: 1, b: 2 } (the first sentence only). */
export function reasonCounts(message: string): Map<string, number> {
  const out = new Map<string, number>();
  const m = /nodes are available: (.*?)\.(?: preemption:|$)/.exec(message.trim());
  if (!m) return out;
  for (const part of m[1].split(", ")) {
    const p = /^(\d+) (.*)$/.exec(part.trim());
    if (p) out.set(p[2], (out.get(p[2]) ?? 0) + Number(p[1]));
  }
  return out;
}

/** The first sentence of a FitError message ("0/N nodes are available: ... ."). */
export function firstSentence(message: string): string {
  const i = message.indexOf(" preemption:");
  return (i >= 0 ? message.slice(0, i) : message).trim();
}

/** The learner's prediction of the first sentence of the pod's FailedScheduling message. */
export function checkPrediction(prediction: string): Verdict {
  if (typeof prediction !== "string" || !prediction.trim()) return verdict(false, "", "write your prediction as a string: \"0/5 nodes are available: ...\"");
  let actual: string | undefined;
  try {
    const { cluster, pod } = predictionScenario();
    actual = failedSchedulingMessage(cluster, pod);
  } catch (e) {
    return verdict(false, "", `the scenario did not run: ${errorText(e)}`);
  }
  if (!actual) return verdict(false, "", "the scenario produced no FailedScheduling event (this is a bug in the check)");
  const want = firstSentence(actual);
  const got = firstSentence(prediction);
  if (got === want) return verdict(true, `exactly: "${want}" Each node is counted once, under the first filter that rejected it, and the reasons are sorted as strings.`, "");
  const w = reasonCounts(actual);
  const g = reasonCounts(prediction);
  if (g.size === 0) return verdict(false, "", "write it in the scheduler's shape: \"0/5 nodes are available: <count> <reason>, <count> <reason>.\"");
  const total = [...g.values()].reduce((a, b) => a + b, 0);
  if (total !== 5) return verdict(false, "", `your counts add up to ${total}: every one of the 5 nodes is counted exactly once, under the first filter (in profile order) that rejected it`);
  for (const [reason, n] of w) {
    if (!g.has(reason)) return verdict(false, "", `one reason is missing or worded differently; the plugins' texts are e.g. "node(s) were unschedulable", "node(s) had untolerated taint {key: value}", "node(s) didn't match Pod's node affinity/selector", "Insufficient cpu"`);
    if (g.get(reason) !== n) return verdict(false, "", `the count for "${reason}" is off: which filter rejects each node first? (order: NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit)`);
  }
  if (g.size !== w.size) return verdict(false, "", "you have a reason the scheduler does not give");
  return verdict(false, "", "right reasons and counts, wrong order or punctuation: the scheduler sorts \"<count> <reason>\" as strings, joins them with \", \" and ends with \".\"");
}
