// Scheduler figures for `npm run bench`: pods scheduled per wall-clock second, in the shapes of
// Kubernetes' scheduler_perf [test/integration/scheduler_perf/misc/performance-config.yaml]:
//
//   SchedulingBasic/5000Nodes_10000Pods: 5 000 nodes (node-default.yaml: 4 cpu, 32Gi, 110 pods),
//   1 000 initial pods then 10 000 measured (pod-default.yaml: requests cpu 100m, memory 500Mi).
//   Published threshold: 680 pods/s (that includes a real API server; ours is in-process).
//
// What is measured: the scheduling cycles (queue pop, snapshot, framework with the default
// profile, assume) and the binding answered in-process — DefaultBinder is replaced by a binder
// that confirms the pod to the scheduler at once, as the informer would. No API server, no
// events, no explanation recording, no trace rows.
//
// Then the affinity shapes with smaller counts (said in each line): SchedulingPodAntiAffinity
// (required anti-affinity per hostname between pods of one label) and TopologySpreading
// (DoNotSchedule over zones); and the end-to-end figure through the in-process API server.
import { performance } from "perf_hooks";
import { Simulation } from "../src/sim/index";
import { KubeClient } from "../src/client/kube-client";
import type { EventRecorder } from "../src/client/events";
import { SharedInformerFactory } from "../src/client/informer-factory";
import { Cluster } from "../src/cluster/cluster";
import { Scheduler } from "../src/scheduler/scheduler";
import { Status } from "../src/scheduler/framework/status";
import type { BindPlugin, Pod, Node, PluginFactory } from "../src/scheduler/framework/interface";
import { defaultProfile, inTreeRegistry } from "../src/scheduler/plugins/registry";
import { report } from "./report";

function perfNode(i: number, zones = 0): Node {
  const labels: Record<string, string> = { "kubernetes.io/hostname": `node-${i}` };
  if (zones > 0) labels["topology.kubernetes.io/zone"] = `zone-${i % zones}`;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: `node-${i}`, uid: `node-uid-${i}`, labels },
    spec: {},
    status: { allocatable: { cpu: "4", memory: "32Gi", pods: "110" }, capacity: { cpu: "4", memory: "32Gi", pods: "110" }, conditions: [{ type: "Ready", status: "True" }] },
  } as Node;
}

export function perfPod(name: string, extraSpec: Record<string, unknown> = {}, labels: Record<string, string> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "sched-test", uid: `uid-${name}`, labels, creationTimestamp: "2026-01-01T00:00:00Z" },
    spec: {
      schedulerName: "default-scheduler",
      containers: [
        { name: "pause", image: "registry.k8s.io/pause:3.10", ports: [{ containerPort: 80 }], resources: { requests: { cpu: "100m", memory: "500Mi" }, limits: { cpu: "100m", memory: "500Mi" } } },
      ],
      ...extraSpec,
    },
    status: { phase: "Pending" },
  } as Pod;
}

/** A scheduler without an API server: binding confirms the pod in-process. */
function inProcessScheduler(sim: Simulation): Scheduler {
  let sched: Scheduler;
  const binder: PluginFactory = () =>
    ({
      name: "InProcessBinder",
      bind(_s, pod: Pod, nodeName: string, done: (s: Status) => void) {
        done(Status.success());
        const bound = { ...pod, spec: { ...(pod as any).spec, nodeName } } as Pod;
        sched.onPodUpdate(pod, bound); // what the informer would report
      },
    }) as BindPlugin;
  const profile = defaultProfile();
  profile.plugins = profile.plugins.map((p) => (p.name === "DefaultBinder" ? { name: "InProcessBinder" } : p));
  const client = new KubeClient(sim, { name: "kube-scheduler", token: "unused" });
  const recorder = { event() {} } as unknown as EventRecorder;
  sched = new Scheduler({ sim, client, recorder }, { profiles: [profile], registry: { ...inTreeRegistry, InProcessBinder: binder }, explain: false, traceQueue: false });
  sched.start();
  return sched;
}

export function measure(name: string, nodes: number, initPods: number, pods: number, makePod: (i: number) => Pod, zones = 0, extra: Record<string, unknown> = {}): void {
  // Memory: the heap the scheduler holds at this scale (cache, snapshot, queue, the pods and
  // nodes themselves), measured as the growth of the heap after a full GC, so that what earlier
  // benchmarks of the same process left behind does not count. (npm run bench exposes gc.)
  if (global.gc) global.gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const sim = new Simulation({ seed: `bench-${name}`, trace: false });
  const s = inProcessScheduler(sim);
  for (let i = 0; i < nodes; i++) s.onNodeAdd(perfNode(i, zones));
  for (let i = 0; i < initPods; i++) s.onPodAdd(makePod(-1 - i));
  while (s.scheduleOne());
  const before = s.stats.scheduled;
  for (let i = 0; i < pods; i++) s.onPodAdd(makePod(i));
  const t0 = performance.now();
  while (s.scheduleOne());
  const secs = (performance.now() - t0) / 1000;
  const scheduled = s.stats.scheduled - before;
  if (scheduled !== pods) throw new Error(`bench ${name}: ${scheduled}/${pods} pods scheduled`);
  report(`scheduler.${name}.pods_per_second`, Math.round(pods / secs), "pods/s", { nodes, initPods, pods, ...extra });
  if (global.gc) global.gc();
  const held = process.memoryUsage().heapUsed - heapBefore;
  report(`scheduler.${name}.heap_held`, Math.round(held / 2 ** 20), "MiB", { nodes, pods: initPods + pods, gc: !!global.gc, note: "heap growth after a full GC, scheduler still live", podsScheduled: s.stats.scheduled });
}

export function run(): void {
  // 1. SchedulingBasic/5000Nodes_10000Pods.
  measure("basic", 5000, 1000, 10_000, (i) => perfPod(`pod-${i}`), 0, { shape: "SchedulingBasic/5000Nodes_10000Pods", threshold_k8s: 680 });

  // 2. SchedulingPodAntiAffinity (smaller than the 5000-node CI shape): pods labelled color=green
  //    with required anti-affinity to color=green per hostname — at most one per node.
  const anti = (i: number) =>
    perfPod(
      `anti-${i}`,
      { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { color: "green" } }, topologyKey: "kubernetes.io/hostname" }] } } },
      { color: "green" },
    );
  measure("pod_anti_affinity", 5000, 1000, 1000, anti, 0, { shape: "SchedulingPodAntiAffinity (5000 nodes, 1000 init, 1000 measured)" });

  // 3. TopologySpreading: spread over 3 zones, maxSkew 5, DoNotSchedule.
  const spread = (i: number) =>
    perfPod(
      `spread-${i}`,
      { topologySpreadConstraints: [{ maxSkew: 5, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { color: "blue" } } }] },
      { color: "blue" },
    );
  measure("topology_spreading", 5000, 1000, 1000, spread, 3, { shape: "TopologySpreading (5000 nodes, 3 zones, 1000 init, 1000 measured)" });

  // 4. End to end through the in-process API server and simulated etcd: 500 nodes, 1000 pods.
  {
    const c = new Cluster({ seed: "bench-e2e", trace: false });
    const client = c.client("kube-scheduler", c.adminToken);
    for (let i = 0; i < 500; i++) c.wait((cb) => c.admin.create(perfNode(i), cb));
    const s = new Scheduler({ sim: c.sim, client, informers: new SharedInformerFactory(c.sim, client) }, { explain: false, traceQueue: false });
    s.start();
    c.runFor("2s");
    const N = 1000;
    const t0 = performance.now();
    const v0 = c.sim.now;
    for (let i = 0; i < N; i++) {
      const p = perfPod(`e2e-${i}`);
      delete (p.metadata as any).uid;
      (p.metadata as any).namespace = "default";
      c.admin.create(p, () => {});
    }
    if (!c.sim.runUntil(() => s.stats.scheduled >= N, "10m")) throw new Error(`bench e2e: ${s.stats.scheduled}/${N} scheduled`);
    const secs = (performance.now() - t0) / 1000;
    report("scheduler.e2e.pods_per_second", Math.round(N / secs), "pods/s", { nodes: 500, pods: N, virtual_ms: Math.round(c.sim.now - v0), note: "create + schedule + bind through the API server and simulated etcd" });
  }
}

if (require.main === module) run();
